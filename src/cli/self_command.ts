/** How to start this same molq again (for `molq daemon --detach`), binary or from source. */
import { fileURLToPath } from "node:url";

/** The permissions the binary is built with; from source, the same are granted. */
export const SELF_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
];

export function selfCommand(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...SELF_PERMISSIONS,
    fileURLToPath(Deno.mainModule),
  ];
}
