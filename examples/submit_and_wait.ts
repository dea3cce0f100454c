/**
 * Blocking waits: submit a job and wait for its final record, with a timeout.
 * Twin of `job = submitor.submit(argv=["python", "train.py"]); job.wait(timeout=3600)`.
 *
 *     deno run -A examples/submit_and_wait.ts
 */
import { fileURLToPath } from "node:url";
import { JobState, Submitor } from "../mod.ts";

const train = fileURLToPath(new URL("./train.sh", import.meta.url)); // `python train.py` here
const submitor = new Submitor({ scheduler: "local" });
try {
  const job = await submitor.submit({ argv: ["sh", train], name: "train" });
  // Throws WaitTimeoutError after an hour; the job itself is never cancelled by a wait.
  const record = await job.wait({ timeoutMs: 3_600_000 });
  console.log(`job ${record.jobId} ${record.state} exit=${record.exitCode}`);
  console.log(Deno.readTextFileSync(record.metadata["molq.stdout_path"]!).trimEnd());
  if (record.state !== JobState.SUCCEEDED) Deno.exitCode = 1;
} finally {
  submitor.close();
}
