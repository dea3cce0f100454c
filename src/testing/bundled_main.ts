/**
 * The bundle the binary is built from (scripts/bundle.sh), for the end-to-end tests and the
 * benchmarks: built once per version of the sources and kept in the temporary directory
 * under a hash of them, so the many test modules (each in its own worker) and concurrent
 * test runs share one build.
 */
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { exists } from "./exists.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The path of the bundled main.js for the sources as they are now. */
export async function bundledMain(): Promise<string> {
  const dir = join(tempRoot(), `molq-bundle-${sourceHash()}`);
  const main = join(dir, "main.js");
  if (exists(main)) {
    touch(dir); // in use: not stale
    return main;
  }
  // Built beside its final name and renamed into place: a concurrent build of the same
  // sources finds either nothing or a whole bundle.
  const building = Deno.makeTempDirSync({ dir: tempRoot(), prefix: "molq-bundle-building-" });
  try {
    const output = await new Deno.Command("sh", {
      args: [join(ROOT, "scripts", "bundle.sh"), building],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(`scripts/bundle.sh failed:\n${new TextDecoder().decode(output.stderr)}`);
    }
    try {
      Deno.renameSync(building, dir);
    } catch (error) {
      if (!exists(main)) throw error; // not a concurrent build that got there first
    }
    removeStaleBundles(dir);
  } finally {
    if (exists(building)) Deno.removeSync(building, { recursive: true });
  }
  return main;
}

/** Bundles of other sources unused for a day (each use touches its directory). */
function removeStaleBundles(current: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of Deno.readDirSync(tempRoot())) {
    const path = join(tempRoot(), entry.name);
    if (!entry.isDirectory || !entry.name.startsWith("molq-bundle-") || path === current) continue;
    try {
      if ((Deno.statSync(path).mtime?.getTime() ?? Date.now()) < dayAgo) {
        Deno.removeSync(path, { recursive: true });
      }
    } catch {
      // another run removed it, or it is not ours to remove
    }
  }
}

/** A hash of everything the bundle is made from: main.ts, src/ (not tests), the import map. */
function sourceHash(): string {
  const hash = createHash("sha256");
  const files = ["main.ts", "deno.json", "deno.lock", ...sourceFiles(join(ROOT, "src"))];
  for (const file of files) {
    const path = join(ROOT, file);
    if (!exists(path)) continue;
    hash.update(`${file}\0`);
    hash.update(Deno.readFileSync(path));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      found.push(relative(ROOT, path));
    }
  }
  return found.sort();
}

function tempRoot(): string {
  return Deno.env.get("TMPDIR") || "/tmp";
}

function touch(path: string): void {
  try {
    Deno.utimeSync(path, new Date(), new Date());
  } catch {
    // read-only or just removed: the next build makes it again
  }
}
