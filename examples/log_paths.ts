/**
 * Logs: where a job's stdout and stderr go, read from its record's metadata; and the same
 * with paths of your own (the product page's JobExecution overrides).
 * Twin of "Logs" and of `molq logs <job-id> local --stream stdout` / `--stream stderr --tail 50`.
 *
 *     deno run -A examples/log_paths.ts
 */
import { join } from "node:path";
import { type JobRecord, Submitor } from "../mod.ts";

function show(record: JobRecord): void {
  const stdout = record.metadata["molq.stdout_path"]!;
  const stderr = record.metadata["molq.stderr_path"]!;
  console.log(`job dir: ${record.metadata["molq.job_dir"]}`);
  console.log(`stdout (${stdout}):\n${Deno.readTextFileSync(stdout).trimEnd()}`);
  const tail = Deno.readTextFileSync(stderr).trimEnd().split("\n").slice(-50); // --tail 50
  console.log(`stderr (${stderr}):\n${tail.join("\n")}`);
}

const submitor = new Submitor({ scheduler: "local" });
try {
  const command = "echo hello from stdout; echo hello from stderr >&2";
  // Default paths: stdout.log and stderr.log in the job's directory.
  const plain = await submitor.submit({ command });
  show(await plain.wait({ timeoutMs: 60_000 }));
  // Overridden paths (relative ones are resolved against the job's working directory).
  const logs = Deno.makeTempDirSync({ prefix: "molq-logs-" });
  const custom = await submitor.submit({
    command,
    stdout: join(logs, "train.out"),
    stderr: join(logs, "train.err"),
  });
  show(await custom.wait({ timeoutMs: 60_000 }));
} finally {
  submitor.close();
}
