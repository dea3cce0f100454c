import assert from "node:assert/strict";
import { runCommand } from "../process/run_command.ts";
import {
  HOME_SCRIPT,
  MAKE_PRIVATE_DIR_SCRIPT,
  REMOVE_FILE_SCRIPT,
  WRITE_FILE_SCRIPT,
} from "./remote_file_scripts.ts";

// The scripts run here through a local sh, as the remote side runs them.
async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir();
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

function sh(home: string, script: string, args: string[], stdin?: string) {
  return runCommand(["/bin/sh", "-c", script, "molq", ...args], {
    env: { HOME: home },
    stdin,
    allowFailure: true,
  });
}

Deno.test("WRITE_FILE_SCRIPT writes stdin byte for byte with the mode, under ~", () =>
  withHome(async (home) => {
    const text = "#!/bin/sh\necho 'hi' \"$x\"\n\u00e9 no newline";
    assert.equal((await sh(home, WRITE_FILE_SCRIPT, ["~/job.sh", "700"], text)).code, 0);
    assert.equal(await Deno.readTextFile(`${home}/job.sh`), text);
    assert.equal((await Deno.stat(`${home}/job.sh`)).mode! & 0o777, 0o700);
    // Replacing keeps nothing of the old file and leaves no temporary file behind.
    await Deno.chmod(`${home}/job.sh`, 0o666);
    assert.equal((await sh(home, WRITE_FILE_SCRIPT, [`${home}/job.sh`, "600"], "x")).code, 0);
    assert.equal(await Deno.readTextFile(`${home}/job.sh`), "x");
    assert.equal((await Deno.stat(`${home}/job.sh`)).mode! & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(home)].map((entry) => entry.name), ["job.sh"]);
  }));

Deno.test("WRITE_FILE_SCRIPT fails on a missing directory or a directory target", () =>
  withHome(async (home) => {
    const missing = await sh(home, WRITE_FILE_SCRIPT, ["~/no/such/f", "600"], "x");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such file or directory|cannot create|nonexistent/);
    await Deno.mkdir(`${home}/d`);
    const dir = await sh(home, WRITE_FILE_SCRIPT, ["~/d", "600"], "x");
    assert.match(dir.stderr, /is a directory/);
    assert.equal(dir.code, 1);
  }));

Deno.test("MAKE_PRIVATE_DIR_SCRIPT creates 0700 directories with private parents", () =>
  withHome(async (home) => {
    assert.equal((await sh(home, MAKE_PRIVATE_DIR_SCRIPT, ["~/.molq/jobs/a b"])).code, 0);
    assert.equal((await Deno.stat(`${home}/.molq`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${home}/.molq/jobs/a b`)).mode! & 0o777, 0o700);
    await Deno.chmod(`${home}/.molq/jobs/a b`, 0o755);
    assert.equal((await sh(home, MAKE_PRIVATE_DIR_SCRIPT, ["~/.molq/jobs/a b"])).code, 0);
    assert.equal((await Deno.stat(`${home}/.molq/jobs/a b`)).mode! & 0o777, 0o700);
  }));

Deno.test("REMOVE_FILE_SCRIPT removes a file and accepts a missing one", () =>
  withHome(async (home) => {
    await Deno.writeTextFile(`${home}/-f x`, "");
    assert.equal((await sh(home, REMOVE_FILE_SCRIPT, ["~/-f x"])).code, 0);
    assert.equal((await sh(home, REMOVE_FILE_SCRIPT, ["~/-f x"])).code, 0);
    assert.deepEqual([...Deno.readDirSync(home)], []);
  }));

Deno.test("HOME_SCRIPT prints the home directory", () =>
  withHome(async (home) => {
    assert.equal((await sh(home, HOME_SCRIPT, [])).stdout, `${home}\n`);
  }));
