import assert from "node:assert/strict";
import { nodeLocalWarning } from "./job_dir_warning.ts";

const fs = (fsType: string, network: boolean) => ({
  mountPoint: "/tmp",
  fsType,
  source: "x",
  network,
  hostLocalLocks: [],
});

Deno.test("nodeLocalWarning() warns in one line for a job directory on this host's own disk", () => {
  const warning = nodeLocalWarning("/tmp/jobs", fs("tmpfs", false));
  assert.match(
    warning!,
    /^note: the job directory \/tmp\/jobs is on tmpfs at \/tmp, local to this host/,
  );
  assert.equal(warning!.includes("\n"), false);
});

Deno.test("nodeLocalWarning() says nothing for shared or unknown file systems", () => {
  assert.equal(nodeLocalWarning("/home/a/jobs", fs("nfs4", true)), null);
  assert.equal(nodeLocalWarning("/x", "cannot be told"), null);
});
