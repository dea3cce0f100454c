/** Many molq processes creating the same brand-new store at once all get a working store. */
import assert from "node:assert/strict";
import { BINARY_PERMISSIONS, MAIN } from "./_molq.ts";

Deno.test("concurrent first opens of a new store: every process succeeds", async () => {
  for (let round = 0; round < 4; round++) {
    const home = Deno.makeTempDirSync({ prefix: "molq-first-open-" });
    const outputs = await Promise.all(
      Array.from({ length: 12 }, () =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, "submit", "local", "--", "true"],
          env: { MOLQ_HOME: home, NO_COLOR: "1" },
          cwd: home,
          stdout: "null",
          stderr: "piped",
        }).output()),
    );
    for (const output of outputs) {
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    }
  }
});
