/** The molq binary's entry point: the only place that exits the process. */
import { runCli } from "./src/cli/run_cli.ts";

// `deno task molq` runs in the project root; the task passes the caller's directory.
const callerCwd = Deno.env.get("MOLQ_CALLER_CWD");
if (callerCwd) {
  Deno.env.delete("MOLQ_CALLER_CWD");
  Deno.chdir(callerCwd);
}
const code = await runCli(Deno.args, Deno.cwd());
Deno.exit(code);
