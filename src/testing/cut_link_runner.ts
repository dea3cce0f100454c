/**
 * A remote Runner whose link is cut: every command fails with TransportError. It records
 * the files written through it and the `MOLQ_MARKERS` each command was given.
 */
import { TransportError } from "../core/errors.ts";
import type { Runner } from "../process/runner.ts";

export function cutLinkRunner(): {
  runner: Runner;
  written: string[];
  markers: (string | undefined)[];
} {
  const written: string[] = [];
  const markers: (string | undefined)[] = [];
  const runner: Runner = {
    where: 'cluster "far" (ssh far1)',
    remote: true,
    run: (_argv, options) => {
      markers.push(options?.env?.MOLQ_MARKERS);
      return Promise.reject(new TransportError("far", "the link closed"));
    },
    writeFile: (path) => {
      written.push(path);
      return Promise.resolve();
    },
    makePrivateDir: () => Promise.resolve(),
    removeFile: () => Promise.resolve(),
    startDetached: () => Promise.reject(new Error("not used")),
  };
  return { runner, written, markers };
}
