/**
 * A table of bad input through the real CLI: every case names its exit code and the one
 * sentence it must print. No case may print a stack trace or an internal error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "../src/store/job_store.ts";
import { sampleRecord } from "../src/testing/sample_record.ts";
import { BINARY_PERMISSIONS, eventually, MAIN, type MolqResult, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

interface Fixture {
  box: ReturnType<typeof sandbox>;
  /** A local job that succeeded. */
  done: string;
  /** A local job that failed with exit code 3. */
  failed: string;
  /** A finished job of another cluster ("hpc", slurm). */
  hpc: string;
}

interface Case {
  name: string;
  args: string[] | ((f: Fixture) => string[]);
  code: number;
  stderr: RegExp;
  /** Commander prints the whole help for a missing command. */
  multiLine?: boolean;
}

const UNKNOWN_CLUSTER =
  /^molq: Unknown cluster "nosuch": there is no profile of that name, and no jobs are recorded for it\.\nhint: `molq clusters` lists the clusters molq knows\.$/;

/** Two records share this prefix, so it is ambiguous. */
const AMBIGUOUS = "abcabc";
const HUGE = "a".repeat(120 * 1024);
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

let fixture: Promise<Fixture> | undefined;

function setUp(): Promise<Fixture> {
  fixture ??= (async () => {
    const box = sandbox();
    const done = (await box.json<Json>(["submit", "local", "--", "true"])).job_id as string;
    const failed = (await box.json<Json>(["submit", "local", "--", "sh", "-c", "exit 3"]))
      .job_id as string;
    for (const id of [done, failed]) {
      await eventually(
        async () => {
          const record = await box.json<Json>(["status", id]);
          return TERMINAL.includes(record.state as string) ? record : undefined;
        },
        30_000,
        `job ${id} to finish`,
      );
    }
    const store = JobStore.open(join(box.home, "jobs.db"));
    const finished = { state: "succeeded" as const, exitCode: 0, finishedAt: Date.now() };
    for (const suffix of ["01", "02"]) {
      store.insert(
        sampleRecord({ jobId: `${AMBIGUOUS}${suffix}-0000-4000-8000-000000000000`, ...finished }),
      );
    }
    const hpc = "5c5c5c5c-0000-4000-8000-000000000000";
    store.insert(
      sampleRecord({
        jobId: hpc,
        cluster: "hpc",
        scheduler: "slurm",
        schedulerJobId: "77",
        ...finished,
      }),
    );
    store.close();
    return { box, done, failed, hpc };
  })();
  return fixture;
}

const submit = (...flags: string[]) => ["submit", "local", ...flags, "--", "true"];

const CASES: Case[] = [
  {
    name: "--timeout without --wait on submit",
    args: submit("--timeout", "1s"),
    code: 2,
    stderr: /^molq: --timeout goes with --wait\.$/,
  },
  {
    name: "submit --wait with a bad --timeout",
    args: submit("--wait", "--timeout", "soon"),
    code: 2,
    stderr: /^molq: Invalid --timeout "soon": expected/,
  },
  // Memory sizes.
  {
    name: "--mem with an unknown unit",
    args: submit("--mem", "8X"),
    code: 2,
    stderr: /^molq: Invalid memory size "8X": expected a number with a unit K, M, G or T/,
  },
  {
    name: "--mem empty",
    args: submit("--mem", ""),
    code: 2,
    stderr: /^molq: Invalid memory size "": expected/,
  },
  {
    name: "--mem negative",
    args: submit("--mem=-1G"),
    code: 2,
    stderr: /^molq: Invalid memory size "-1G": expected/,
  },
  {
    name: "--mem zero",
    args: submit("--mem", "0"),
    code: 2,
    stderr: /^molq: Invalid memory size "0": it must be more than zero\.$/,
  },
  {
    name: "--mem zero with a unit",
    args: submit("--mem", "0G"),
    code: 2,
    stderr: /^molq: Invalid memory size "0G": it must be more than zero\.$/,
  },
  {
    name: "--mem with two dots",
    args: submit("--mem", "1.2.3G"),
    code: 2,
    stderr: /^molq: Invalid memory size "1\.2\.3G": expected/,
  },
  {
    name: "--mem unit only",
    args: submit("--mem", "G"),
    code: 2,
    stderr: /^molq: Invalid memory size "G": expected/,
  },
  {
    name: "--mem too large",
    args: submit("--mem", "99999999999999T"),
    code: 2,
    stderr: /^molq: Invalid memory size "99999999999999T": it is too large\.$/,
  },
  {
    name: "--mem in words",
    args: submit("--mem", "8 gigabytes"),
    code: 2,
    stderr: /^molq: Invalid memory size "8 gigabytes": expected/,
  },
  {
    name: "--mem valid but unsupported by local",
    args: submit("--mem", "8G"),
    code: 2,
    stderr: /^molq: The local scheduler does not support --mem\.$/,
  },
  // Durations.
  {
    name: "--time in words",
    args: submit("--time", "soon"),
    code: 2,
    stderr: /^molq: Invalid --time "soon": expected seconds \(90\), units/,
  },
  {
    name: "--time empty",
    args: submit("--time", ""),
    code: 2,
    stderr: /^molq: Invalid --time "": expected/,
  },
  {
    name: "--time zero",
    args: submit("--time", "0"),
    code: 2,
    stderr: /^molq: Invalid --time "0": it must be more than zero\.$/,
  },
  {
    name: "--time negative",
    args: submit("--time=-5"),
    code: 2,
    stderr: /^molq: Invalid --time "-5": expected/,
  },
  {
    name: "--time repeats a unit",
    args: submit("--time", "1h1h"),
    code: 2,
    stderr: /^molq: Invalid --time "1h1h": expected/,
  },
  {
    name: "--time 61 seconds in a clock",
    args: submit("--time", "00:61"),
    code: 2,
    stderr: /^molq: Invalid --time "00:61": expected/,
  },
  {
    name: "--time D-HH:MM",
    args: submit("--time", "2-01:00"),
    code: 2,
    stderr: /^molq: Invalid --time "2-01:00": expected/,
  },
  {
    name: "--time four clock fields",
    args: submit("--time", "1:2:3:4"),
    code: 2,
    stderr: /^molq: Invalid --time "1:2:3:4": expected/,
  },
  {
    name: "--time in weeks",
    args: submit("--time", "1w"),
    code: 2,
    stderr: /^molq: Invalid --time "1w": expected/,
  },
  {
    name: "--time in exponent form",
    args: submit("--time", "1e5"),
    code: 2,
    stderr: /^molq: Invalid --time "1e5": expected/,
  },
  // Arrays.
  {
    name: "--array of letters",
    args: submit("--array", "abc"),
    code: 2,
    stderr: /^molq: Invalid array "abc": expected indexes such as 0-9/,
  },
  {
    name: "--array open range",
    args: submit("--array", "1-"),
    code: 2,
    stderr: /^molq: Invalid array "1-": expected/,
  },
  {
    name: "--array empty throttle",
    args: submit("--array", "0-9%"),
    code: 2,
    stderr: /^molq: Invalid array "0-9%": expected/,
  },
  {
    name: "--array empty element",
    args: submit("--array", "1,,2"),
    code: 2,
    stderr: /^molq: Invalid array "1,,2": expected/,
  },
  {
    name: "--array too large for the local launcher",
    args: submit("--array", "0-20000"),
    code: 2,
    stderr: /^molq: Invalid array "0-20000": expected .* with at most 10000 tasks\.$/,
  },
  {
    name: "--array with a zero throttle",
    args: submit("--array", "0-9%0"),
    code: 2,
    stderr: /^molq: Invalid array "0-9%0": the %N throttle must be at least 1\.$/,
  },
  // Dependencies.
  {
    name: "--after not an id",
    args: submit("--after", "xyz"),
    code: 2,
    stderr: /^molq: Invalid dependency "xyz": expected a molq job id/,
  },
  {
    name: "--after-ok too short",
    args: submit("--after-ok", "12"),
    code: 2,
    stderr: /^molq: Invalid dependency "12": expected/,
  },
  {
    name: "--after empty",
    args: submit("--after", ""),
    code: 2,
    stderr: /^molq: Invalid dependency "": expected/,
  },
  {
    name: "--after-fail unknown job",
    args: submit("--after-fail", "deadbeef"),
    code: 2,
    stderr: /^molq: Unknown job "deadbeef": no job id starts with it\.$/,
  },
  {
    name: "--after-start ambiguous prefix",
    args: submit("--after-start", AMBIGUOUS),
    code: 2,
    stderr: /^molq: Ambiguous job id "abcabc": it matches 2 jobs/,
  },
  {
    name: "--after-ok on another cluster's job",
    args: (f) => submit("--after-ok", f.hpc.slice(0, 8)),
    code: 2,
    stderr: /^molq: Job "5c5c5c5c" belongs to cluster "hpc", not "local"\.$/,
  },
  // Unknown flags and missing values.
  {
    name: "unknown flag on list",
    args: ["list", "--bogus"],
    code: 2,
    stderr: /^molq: unknown option '--bogus'/,
  },
  {
    name: "unknown flag on submit",
    args: submit("--bogus"),
    code: 2,
    stderr: /^molq: unknown option '--bogus'/,
  },
  {
    name: "unknown global flag",
    args: ["--bogus", "list"],
    code: 2,
    stderr: /^molq: unknown option '--bogus'/,
  },
  {
    name: "flag of another command",
    args: (f) => ["status", "--all", f.done],
    code: 2,
    stderr: /^molq: unknown option '--all'/,
  },
  {
    name: "flag without its value",
    args: ["submit", "local", "--time"],
    code: 2,
    stderr: /^molq: option '--time <duration>' argument missing/,
  },
  // Missing or unknown commands.
  {
    name: "no command at all",
    args: [],
    code: 2,
    stderr: /^Usage: molq \[options\] \[command\]/,
    multiLine: true,
  },
  { name: "unknown command", args: ["nosuch"], code: 2, stderr: /^molq: unknown command 'nosuch'/ },
  {
    name: "submit without a job command",
    args: ["submit", "local"],
    code: 2,
    stderr: /^molq: No command given: put it after --, or use --command or --script\.$/,
  },
  {
    name: "submit without a scheduler",
    args: ["submit", "--", "true"],
    code: 2,
    stderr: /^molq: (No cluster given: name|Name) a scheduler \(local, slurm, pbs, lsf, sge\)/,
  },
  {
    name: "empty --command",
    args: ["submit", "local", "--command", ""],
    code: 2,
    stderr: /^molq: Invalid --command: it is empty\.$/,
  },
  {
    name: "--command and an argv",
    args: ["submit", "local", "--command", "true", "--", "true"],
    code: 2,
    stderr: /^molq: Give only one of: a command after --, --command, or --script\.$/,
  },
  {
    name: "--script that does not exist",
    args: ["submit", "local", "--script", "/nonexistent/run.sh"],
    code: 2,
    stderr: /^molq: Cannot read the script \/nonexistent\/run\.sh: no such file\.$/,
  },
  {
    name: "--script that is a directory",
    args: ["submit", "local", "--script", "/tmp"],
    code: 2,
    stderr: /^molq: Cannot read the script \/tmp: it is a directory\.$/,
  },
  {
    name: "logs without an id",
    args: ["logs"],
    code: 2,
    stderr: /^molq: missing required argument 'job-id'/,
  },
  {
    name: "cancel without an id",
    args: ["cancel"],
    code: 2,
    stderr: /^molq: missing required argument 'job-id'/,
  },
  {
    name: "too many arguments",
    args: ["inspect", "a", "local", "b"],
    code: 2,
    stderr: /^molq: too many arguments for 'inspect'/,
  },
  // Job ids.
  {
    name: "unknown id",
    args: ["status", "abcdef99"],
    code: 2,
    stderr: /^molq: Unknown job "abcdef99": no job id starts with it\.$/,
  },
  {
    name: "id with punctuation",
    args: ["status", "xyz!"],
    code: 2,
    stderr: /^molq: Invalid job id "xyz!": expected a molq job id or a prefix of one\.$/,
  },
  {
    name: "ambiguous id for status",
    args: ["status", AMBIGUOUS],
    code: 2,
    stderr:
      /^molq: Ambiguous job id "abcabc": it matches 2 jobs \(abcabc01-000, abcabc02-000…\)\.\nhint: Give more characters of the id\.$/,
  },
  {
    name: "ambiguous id for inspect",
    args: ["inspect", AMBIGUOUS],
    code: 2,
    stderr: /^molq: Ambiguous job id "abcabc"/,
  },
  { name: "empty id", args: ["status", ""], code: 2, stderr: /^molq: Invalid job id "": expected/ },
  {
    name: "unknown id for logs",
    args: ["logs", "0000"],
    code: 2,
    stderr: /^molq: Unknown job "0000"/,
  },
  {
    name: "upper-case letters outside hex",
    args: ["cancel", "ZZZ"],
    code: 2,
    stderr: /^molq: Invalid job id "ZZZ"/,
  },
  {
    name: "unknown id for watch",
    args: ["watch", "deadbeef"],
    code: 2,
    stderr: /^molq: Unknown job "deadbeef"/,
  },
  {
    name: "a 120 KB id",
    args: ["status", HUGE],
    code: 2,
    stderr: /^molq: Unknown job "a{1000,}": no job id starts with it\.$/,
  },
  // Ids of another cluster.
  {
    name: "logs of a local job as slurm",
    args: (f) => ["logs", f.done, "slurm"],
    code: 2,
    stderr: /^molq: Job "[0-9a-f-]{36}" ran on local, not slurm\.$/,
  },
  {
    name: "logs of a slurm job as local",
    args: (f) => ["logs", f.hpc.slice(0, 8), "local"],
    code: 2,
    stderr: /^molq: Job "5c5c5c5c" ran on slurm, not local\.$/,
  },
  {
    name: "logs with an unknown scheduler",
    args: (f) => ["logs", f.done, "nosuch"],
    code: 2,
    stderr: /^molq: Job "[0-9a-f-]{36}" ran on local, not nosuch\.$/,
  },
  // Unknown scheduler names.
  {
    name: "unknown scheduler",
    args: ["submit", "nosuch", "--", "true"],
    code: 2,
    stderr: /^molq: Unknown scheduler "nosuch": expected one of local, slurm, pbs, lsf, sge/,
  },
  {
    name: "scheduler in capitals",
    args: ["submit", "SLURM", "--", "true"],
    code: 2,
    stderr: /^molq: Unknown scheduler "SLURM"/,
  },
  {
    name: "empty scheduler name",
    args: ["submit", "", "--", "true"],
    code: 2,
    stderr: /^molq: (Unknown scheduler ""|Name a scheduler)/,
  },
  // Empty and one-line text.
  {
    name: "empty --name",
    args: submit("--name", ""),
    code: 2,
    stderr: /^molq: Invalid --name "": it must be non-empty and on one line\.$/,
  },
  {
    name: "--name on two lines",
    args: submit("--name", "a\nb"),
    code: 2,
    stderr: /^molq: Invalid --name "a\nb": it must be non-empty and on one line\.$/,
  },
  {
    name: "empty --run",
    args: submit("--run", ""),
    code: 2,
    stderr: /^molq: Invalid --run "": it must be non-empty/,
  },
  // Environment and metadata.
  {
    name: "empty --env",
    args: submit("--env", ""),
    code: 2,
    stderr: /^molq: Invalid --env "": expected KEY=VALUE\.$/,
  },
  {
    name: "--env without =",
    args: submit("--env", "FOO"),
    code: 2,
    stderr: /^molq: Invalid --env "FOO": expected KEY=VALUE\.$/,
  },
  {
    name: "--env without a name",
    args: submit("--env", "=x"),
    code: 2,
    stderr: /^molq: Invalid --env "=x": expected KEY=VALUE\.$/,
  },
  {
    name: "--env name starting with a digit",
    args: submit("--env", "1A=x"),
    code: 2,
    stderr: /^molq: Invalid environment variable name "1A": use letters, digits and _\.$/,
  },
  {
    name: "--env name with a dash",
    args: submit("--env", "A-B=x"),
    code: 2,
    stderr: /^molq: Invalid environment variable name "A-B"/,
  },
  {
    name: "--meta reserved key",
    args: submit("--meta", "molq.x=1"),
    code: 2,
    stderr: /^molq: Invalid metadata key "molq\.x": keys starting with "molq\." are reserved\.$/,
  },
  {
    name: "--meta without a key",
    args: submit("--meta", "=1"),
    code: 2,
    stderr: /^molq: Invalid --meta "=1": expected KEY=VALUE\.$/,
  },
  // Numbers.
  {
    name: "--cpus zero",
    args: submit("--cpus", "0"),
    code: 2,
    stderr: /^molq: Invalid --cpus "0": expected a whole number of at least 1\.$/,
  },
  {
    name: "--cpus in words",
    args: submit("--cpus", "abc"),
    code: 2,
    stderr: /^molq: Invalid --cpus "abc": expected a whole number/,
  },
  {
    name: "--cpus fractional",
    args: submit("--cpus", "1.5"),
    code: 2,
    stderr: /^molq: Invalid --cpus "1\.5": expected a whole number/,
  },
  {
    name: "--cpus too large",
    args: submit("--cpus", "99999999999999999999"),
    code: 2,
    stderr: /^molq: Invalid --cpus "99999999999999999999": it is too large\.$/,
  },
  {
    name: "--retries zero",
    args: submit("--retries", "0"),
    code: 2,
    stderr: /^molq: Invalid --retries "0": expected a whole number of at least 1\.$/,
  },
  {
    name: "--retry-on-exit-code 256",
    args: submit("--retry-on-exit-code", "256"),
    code: 2,
    stderr: /^molq: Invalid --retry-on-exit-code "256": expected a number from 0 to 255\.$/,
  },
  {
    name: "--retry-backoff in words",
    args: submit("--retries", "2", "--retry-backoff", "soon"),
    code: 2,
    stderr: /^molq: Invalid --retry-backoff "soon"/,
  },
  {
    name: "valid but unsupported resources",
    args: submit("--cpus", "2", "--mem", "1G"),
    code: 2,
    stderr: /^molq: The local scheduler does not support --cpus, --mem\.$/,
  },
  // Cancelling finished jobs.
  {
    name: "cancel a succeeded job",
    args: (f) => ["cancel", f.done],
    code: 1,
    stderr: /^molq: Cannot cancel job "[0-9a-f]{8}": job is already finished \(succeeded\)\.$/,
  },
  {
    name: "cancel a failed job",
    args: (f) => ["cancel", f.failed.slice(0, 12)],
    code: 1,
    stderr: /^molq: Cannot cancel job "[0-9a-f]{8}": job is already finished \(failed\)\.$/,
  },
  // --limit, --tail, --stream, --state.
  {
    name: "--limit zero",
    args: ["list", "--limit", "0"],
    code: 2,
    stderr: /^molq: Invalid --limit "0": expected a whole number of at least 1\.$/,
  },
  {
    name: "--limit negative",
    args: ["list", "--limit", "-1"],
    code: 2,
    stderr: /^molq: Invalid --limit "-1": expected a whole number/,
  },
  {
    name: "--limit in words",
    args: ["list", "--limit", "abc"],
    code: 2,
    stderr: /^molq: Invalid --limit "abc"/,
  },
  {
    name: "--limit fractional",
    args: ["list", "--limit", "1.5"],
    code: 2,
    stderr: /^molq: Invalid --limit "1\.5"/,
  },
  {
    name: "--limit too large",
    args: ["list", "--limit", "99999999999999999999"],
    code: 2,
    stderr: /^molq: Invalid --limit "99999999999999999999": it is too large\.$/,
  },
  {
    name: "--tail zero",
    args: (f) => ["logs", f.done, "--tail", "0"],
    code: 2,
    stderr: /^molq: Invalid --tail "0": expected a whole number of at least 1\.$/,
  },
  {
    name: "--tail in words",
    args: (f) => ["logs", f.done, "--tail", "x"],
    code: 2,
    stderr: /^molq: Invalid --tail "x"/,
  },
  {
    name: "--tail too large",
    args: (f) => ["logs", f.done, "--tail", "99999999999999999999"],
    code: 2,
    stderr: /^molq: Invalid --tail "99999999999999999999": it is too large\.$/,
  },
  {
    name: "--stream unknown",
    args: (f) => ["logs", f.done, "--stream", "foo"],
    code: 2,
    stderr: /^molq: Invalid --stream "foo": expected one of stdout, stderr, both\.$/,
  },
  {
    name: "--stream without a value",
    args: (f) => ["logs", f.done, "--stream"],
    code: 2,
    stderr: /^molq: option '--stream <which>' argument missing/,
  },
  {
    name: "--state unknown",
    args: ["list", "--state", "done"],
    code: 2,
    stderr: /^molq: Invalid --state "done": expected one of created, submitted/,
  },
  // `--` with commands other than submit.
  {
    name: "-- after list",
    args: ["list", "--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  {
    name: "-- after status",
    args: (f) => ["status", f.done, "--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  {
    name: "-- after logs",
    args: (f) => ["logs", f.done, "--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  {
    name: "-- after refresh",
    args: ["refresh", "--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  {
    name: "-- after list whose option value is the word submit",
    args: ["list", "--run", "submit", "--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  {
    name: "-- with no command at all",
    args: ["--", "x"],
    code: 2,
    stderr: /^molq: only `molq submit` takes a command after --\.$/,
  },
  // Everything else.
  {
    name: "refresh of an unknown cluster",
    args: ["refresh", "--cluster", "nosuch"],
    code: 2,
    stderr: UNKNOWN_CLUSTER,
  },
  {
    name: "list of an unknown cluster",
    args: ["list", "--cluster", "nosuch"],
    code: 2,
    stderr: UNKNOWN_CLUSTER,
  },
  {
    name: "history of an unknown cluster",
    args: ["history", "--cluster", "nosuch"],
    code: 2,
    stderr: UNKNOWN_CLUSTER,
  },
  {
    name: "watch --all of an unknown cluster",
    args: ["watch", "--all", "--cluster", "nosuch"],
    code: 2,
    stderr: UNKNOWN_CLUSTER,
  },
  {
    name: "monitor of an unknown cluster",
    args: ["monitor", "--cluster", "nosuch"],
    code: 2,
    stderr: UNKNOWN_CLUSTER,
  },
  {
    name: "a time limit that rounds to 0 s",
    args: submit("--time", "0.4"),
    code: 2,
    stderr: /^molq: Invalid --time "0\.4": it must be at least 1 second\.$/,
  },
  {
    name: "watch polling every 0 s",
    args: (f) => ["watch", f.done, "--poll", "fixed:0"],
    code: 2,
    stderr: /^molq: Invalid --poll "fixed:0": "0" must be at least 1ms\.\nhint: /,
  },
  {
    name: "watch with a bad --timeout",
    args: (f) => ["watch", f.done, "--timeout", "soon"],
    code: 2,
    stderr: /^molq: Invalid --timeout "soon"/,
  },
  {
    name: "--workdir that does not exist",
    args: submit("--workdir", "/nonexistent/dir"),
    code: 2,
    stderr: /^molq: Invalid --workdir \/nonexistent\/dir: no such directory\.$/,
  },
  {
    name: "--stdout in a directory that does not exist",
    args: submit("--stdout", "/nonexistent/dir/out.log"),
    code: 2,
    stderr:
      /^molq: Invalid --stdout \/nonexistent\/dir\/out\.log: the directory \/nonexistent\/dir does not exist\.$/,
  },
  {
    name: "--stderr in a directory that does not exist",
    args: submit("--stderr", "missing/err.log"),
    code: 2,
    stderr:
      /^molq: Invalid --stderr \/.*\/missing\/err\.log: the directory .*\/missing does not exist\.$/,
  },
  // The Python molq's grammar, import and daemon.
  {
    name: "a scheduler word that contradicts the job",
    args: (f) => ["status", f.done, "slurm"],
    code: 2,
    stderr: /^molq: Job "[0-9a-f-]{36}" ran on local, not slurm\.$/,
  },
  {
    name: "a scheduler word before the ids",
    args: (f) => ["cancel", "local", f.done],
    code: 2,
    stderr: /^molq: The scheduler "local" goes once, after the job ids/,
  },
  {
    name: "--profile and --cluster that disagree",
    args: ["list", "--cluster", "local", "--profile", "hpc"],
    code: 2,
    stderr: /^molq: --profile is another name for --cluster, so "hpc" and "local" contradict/,
  },
  {
    name: "list with an unknown scheduler word",
    args: ["list", "condor"],
    code: 2,
    stderr: /^molq: Unknown scheduler "condor": expected one of local, slurm, pbs, lsf, sge\.$/,
  },
  {
    name: "history of a scheduler that contradicts --cluster",
    args: ["history", "slurm", "--cluster", "local"],
    code: 2,
    stderr: /^molq: Cluster "local" uses the local scheduler, not slurm\.$/,
  },
  {
    name: "watch with ids and --all",
    args: (f) => ["watch", f.done, "--all"],
    code: 2,
    stderr: /^molq: Give job ids or --all, not both\.$/,
  },
  {
    name: "import of a file that does not exist",
    args: ["import", "/nonexistent/jobs.db"],
    code: 1,
    stderr: /^molq: Cannot import \/nonexistent\/jobs\.db: no such file\.$/,
  },
  {
    name: "import with a --cluster-map that is not OLD=NEW",
    args: ["import", "/nonexistent/jobs.db", "--cluster-map", "cli_slurm"],
    code: 2,
    stderr: /^molq: Invalid --cluster-map "cli_slurm": expected KEY=VALUE\.$/,
  },
  {
    name: "daemon with two modes",
    args: ["daemon", "--once", "--detach"],
    code: 2,
    stderr: /^molq: --once and --detach do not go together\.$/,
  },
  {
    name: "daemon with a bad --interval",
    args: ["daemon", "--interval", "often"],
    code: 2,
    stderr: /^molq: Invalid --interval "often"/,
  },
  {
    name: "daemon --json without --status",
    args: ["daemon", "--json"],
    code: 2,
    stderr: /^molq: --json goes with --status\.$/,
  },
  {
    name: "--db naming a directory",
    args: ["--db", "/tmp", "list"],
    code: 1,
    stderr: /^molq: (Cannot open|Cannot read) the molq store \/tmp/,
  },
];

for (const c of CASES) {
  Deno.test(`bad input: ${c.name} → exit ${c.code}`, async () => {
    const f = await setUp();
    const args = typeof c.args === "function" ? c.args(f) : c.args;
    const result = await f.box.molq(args);
    const shown = `molq ${args.join(" ").slice(0, 200)}\n${result.stderr.slice(0, 2000)}`;
    assert.equal(result.code, c.code, shown);
    assert.match(result.stderr.replace(/\n$/, ""), c.stderr, shown);
    assertCleanError(result, c.multiLine ?? false, shown);
  });
}

Deno.test("bad input: the corpus has at least 60 cases", () => {
  assert.ok(CASES.length >= 60, `${CASES.length} cases`);
});

/** One `molq: ` sentence (plus an optional hint or suggestion), never a trace. */
function assertCleanError(result: MolqResult, multiLine: boolean, shown: string): void {
  assert.doesNotMatch(result.stderr, /^\s+at /m, `stack trace: ${shown}`);
  assert.doesNotMatch(result.stderr, /internal error|Uncaught|panicked/i, shown);
  if (multiLine) return;
  const lines = result.stderr.replace(/\n$/, "").split("\n");
  assert.match(lines[0]!, /^molq: \S/, shown);
  for (const line of lines.slice(1)) {
    // A --name "a\nb" value may continue the sentence on a second line.
    assert.match(line, /^(hint: |\(Did you mean |b": it must be)/, shown);
  }
}

Deno.test("a single argument larger than the kernel allows never reaches molq; 200 KB in two arguments does", async () => {
  const box = sandbox();
  // Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN): exec fails before molq runs.
  const tooBig = "x".repeat(200 * 1024);
  assert.throws(
    () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", ...BINARY_PERMISSIONS, MAIN, "submit", "local", "--", "echo", tooBig],
        stdout: "null",
        stderr: "null",
      }).outputSync(),
    /Argument list too long|os error 7/,
  );
  const half = "y".repeat(100 * 1024);
  const record = await box.json<Json>([
    "submit",
    "local",
    "--",
    "sh",
    "-c",
    'printf "%s" "$1$2" | wc -c',
    "sh",
    half,
    half,
  ]);
  const final = await eventually(
    async () => {
      const r = await box.json<Json>(["status", record.job_id as string]);
      return TERMINAL.includes(r.state as string) ? r : undefined;
    },
    30_000,
    "the job to finish",
  );
  assert.equal(final.state, "succeeded");
  const logs = await box.molq(["logs", record.job_id as string]);
  assert.equal(logs.stdout.trim(), String(200 * 1024));
  const inspect = await box.molq(["inspect", record.job_id as string]);
  assert.equal(inspect.code, 0, inspect.stderr.slice(0, 500));
  const named = await box.molq([
    "submit",
    "local",
    "--name",
    "n".repeat(120 * 1024),
    "--json",
    "--",
    "true",
  ]);
  assert.equal(named.code, 0, named.stderr.slice(0, 500));
  assert.equal(JSON.parse(named.stdout).name.length, 120 * 1024);
});

Deno.test("non-UTF-8 bytes in arguments are decoded lossily (U+FFFD) and nothing crashes", async () => {
  const box = sandbox();
  // Deno decodes argv as UTF-8, replacing invalid bytes with U+FFFD before molq sees them:
  // molq cannot recover the original bytes, so the job receives EF BF BD for each one.
  const molq = `${Deno.execPath()} run --quiet ${BINARY_PERMISSIONS.join(" ")} ${MAIN}`;
  const script = `${molq} submit local --json --name $'bad\\xffname' --env $'V=\\xfe' -- ` +
    `sh -c 'printf "%s|%s" "$1" "$V"' sh $'a\\xffb'`;
  const output = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd: box.cwd,
    env: box.env,
  })
    .output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const record = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.equal(record.name, "bad\uFFFDname");
  const final = await eventually(
    async () => {
      const r = await box.json<Json>(["status", record.job_id]);
      return TERMINAL.includes(r.state as string) ? r : undefined;
    },
    30_000,
    "the job to finish",
  );
  assert.equal(final.state, "succeeded");
  const bytes = await rawMolq(box, ["logs", record.job_id]);
  assert.deepEqual([...bytes.stdout], [...new TextEncoder().encode("a\uFFFDb|\uFFFD")]);
  for (const args of [["list", "--all"], ["inspect", record.job_id], ["list", "--all", "--json"]]) {
    const r = await box.molq(args);
    assert.equal(r.code, 0, r.stderr);
  }
  // A job id given as bytes: a clean usage error.
  const badId = await new Deno.Command("bash", {
    args: ["-c", `${molq} status $'\\xff\\xfe'`],
    cwd: box.cwd,
    env: box.env,
  }).output();
  assert.equal(badId.code, 2);
  assert.match(new TextDecoder().decode(badId.stderr), /^molq: Invalid job id "\uFFFD\uFFFD"/);
});

Deno.test("molq logs passes non-UTF-8 bytes through unchanged, with --tail and --follow too", async () => {
  const box = sandbox();
  // Every byte value, then invalid sequences and a NUL, over several lines.
  const payload = new Uint8Array([
    ...Array(256).keys(),
    10,
    0xff,
    0xfe,
    0xc3,
    0x28,
    0,
    10,
    0x80,
    10,
  ]);
  const source = join(box.cwd, "payload.bin");
  Deno.writeFileSync(source, payload);
  const record = await box.json<Json>(["submit", "local", "--", "cat", source]);
  const id = record.job_id as string;
  await eventually(
    async () => {
      const r = await box.json<Json>(["status", id]);
      return TERMINAL.includes(r.state as string) ? r : undefined;
    },
    30_000,
    "the job to finish",
  );
  const metadata = record.metadata as Record<string, string>;
  assert.deepEqual(Deno.readFileSync(metadata["molq.stdout_path"]!), payload);
  const all = await rawMolq(box, ["logs", id]);
  assert.equal(all.code, 0);
  assert.deepEqual(all.stdout, payload);
  const tail = await rawMolq(box, ["logs", id, "--tail", "2"]);
  assert.deepEqual(tail.stdout, payload.subarray(payload.indexOf(0xff, 256)));
  const follow = await rawMolq(box, ["logs", id, "--follow"]);
  assert.deepEqual(follow.stdout, payload);
});

async function rawMolq(box: ReturnType<typeof sandbox>, args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args],
    cwd: box.cwd,
    env: { ...box.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
  }).output();
  return {
    code: output.code,
    stdout: output.stdout,
    stderr: new TextDecoder().decode(output.stderr),
  };
}
