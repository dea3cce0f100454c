/**
 * The scheduler-query budget, proven through the real CLI: 10 concurrent `molq refresh`
 * loops, 3 `molq watch` processes and a submit loop share one cluster whose status
 * command counts its calls. However many processes look, the scheduler is asked at most
 * once per minimum interval, and every job still reaches its right final state.
 *
 * Runs against the real SLURM dev cluster (squeue counted); with MOLQ_SLURM_TESTS=skip,
 * against the PBS Pro simulator (qstat counted) instead.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sandbox } from "./_molq.ts";
import { ready, SKIP } from "./slurm_cluster.ts";

type Json = Record<string, unknown>;

const INTERVAL_MS = 3_000;
const RUN_MS = 22_000;
const REFRESH_LOOPS = 10;

interface Backend {
  kind: "slurm" | "pbs";
  statusCommand: string;
  /** The real status command the counting wrapper runs. */
  realStatus: string;
  commands: Record<string, string>;
  env: Record<string, string>;
  profileExtra: string;
}

function slurmBackend(): Backend {
  const squeue = new TextDecoder().decode(
    new Deno.Command("sh", { args: ["-c", "command -v squeue"] }).outputSync().stdout,
  ).trim();
  return {
    kind: "slurm",
    statusCommand: "squeue",
    realStatus: squeue,
    commands: {},
    env: {},
    profileExtra: "",
  };
}

function pbsBackend(): Backend {
  const bin = fileURLToPath(new URL("./simulators/pbs/bin/", import.meta.url));
  const state = Deno.makeTempDirSync({ prefix: "molq-budget-sim-" });
  return {
    kind: "pbs",
    statusCommand: "qstat",
    realStatus: join(bin, "qstat"),
    commands: { qsub: join(bin, "qsub"), qdel: join(bin, "qdel") },
    env: { MOLQ_SIM_STATE: state, PBS_SIM_HISTORY: "1" },
    profileExtra: 'flavour = "pro"\n',
  };
}

/** A wrapper that appends the time of each call, then runs the real command. */
function countingWrapper(dir: string, real: string): { path: string; calls: () => number[] } {
  const path = join(dir, "counting-status");
  const log = join(dir, "status-calls");
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\ndate +%s%3N >> '${log}'\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return {
    path,
    calls: () => {
      try {
        return Deno.readTextFileSync(log).trim().split("\n").filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
  };
}

Deno.test({
  name: "10 refresh loops, 3 watchers and a submit loop ask the scheduler once per interval",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    if (!SKIP) await ready;
    const backend = SKIP ? pbsBackend() : slurmBackend();
    const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: `${INTERVAL_MS / 1000}s`, ...backend.env });
    const counter = countingWrapper(
      Deno.makeTempDirSync({ prefix: "molq-budget-" }),
      backend.realStatus,
    );
    const commands = { ...backend.commands, [backend.statusCommand]: counter.path };
    Deno.mkdirSync(box.home, { recursive: true });
    Deno.writeTextFileSync(
      join(box.home, "config.toml"),
      `[clusters.budget]\nscheduler = "${backend.kind}"\n${backend.profileExtra}` +
        `[clusters.budget.commands]\n` +
        Object.entries(commands).map(([name, path]) => `${name} = "${path}"\n`).join(""),
    );
    const expected = new Map<string, { state: string; exitCode: number }>();
    const submit = async (command: string, state: string, exitCode: number) => {
      const result = await box.molq([
        "submit",
        "--cluster",
        "budget",
        "--json",
        "--command",
        command,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const id = (JSON.parse(result.stdout) as Json).job_id as string;
      expected.set(id, { state, exitCode });
      return id;
    };

    // Long jobs for the watchers, so that they watch for most of the run.
    const long = [];
    for (let i = 0; i < 3; i++) long.push(await submit("sleep 14", "succeeded", 0));
    const started = Date.now();
    const deadline = started + RUN_MS;
    const refreshLoops = Array.from({ length: REFRESH_LOOPS }, async () => {
      let runs = 0;
      while (Date.now() < deadline) {
        const result = await box.molq(["refresh", "--quiet"]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout + result.stderr, "", "--quiet prints nothing on success");
        runs++;
      }
      return runs;
    });
    const watchers = long.map((id) => box.molq(["watch", id, "--poll", "fixed:250ms"]));
    const submitLoop = (async () => {
      for (let i = 0; Date.now() < deadline - 8_000; i++) {
        if (i % 2 === 0) await submit("sleep 1", "succeeded", 0);
        else await submit("exit 3", "failed", 3);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    const [runs, watched] = await Promise.all([
      Promise.all(refreshLoops),
      Promise.all(watchers),
      submitLoop,
    ]);
    const ended = Date.now();
    for (const result of watched) assert.equal(result.code, 0, result.stderr);

    const calls = counter.calls().filter((at) => at >= started && at <= ended);
    const allowed = Math.ceil((ended - started) / INTERVAL_MS) + 1;
    const refreshes = runs.reduce((a, b) => a + b, 0);
    console.log(
      `${backend.kind}: ${calls.length} status queries (at most ${allowed}) in ${
        ended - started
      } ms ` +
        `for ${refreshes} refreshes, 3 watchers and ${expected.size} submissions`,
    );
    assert.ok(calls.length >= 2, "the scheduler was asked at all");
    assert.ok(calls.length <= allowed, `${calls.length} status queries, at most ${allowed}`);
    // Stronger: the store orders the passes, so no two queries are closer than the interval.
    calls.sort((a, b) => a - b);
    for (let i = 1; i < calls.length; i++) {
      assert.ok(calls[i]! - calls[i - 1]! >= INTERVAL_MS, `queries ${i - 1} and ${i} too close`);
    }
    assert.ok(refreshes > REFRESH_LOOPS * 2, "the refresh loops really ran");

    // Every job reaches its right final state.
    const final = await box.molq(["watch", ...expected.keys(), "--json", "--timeout", "2m"]);
    const records = JSON.parse(final.stdout) as Json[];
    for (const record of records) {
      const want = expected.get(record.job_id as string)!;
      assert.deepEqual(
        [record.state, record.exit_code],
        [want.state, want.exitCode],
        `job ${record.job_id}: ${record.failure_reason}`,
      );
    }
    assert.equal(final.code, 1, "some jobs failed on purpose");

    // The cluster's bookkeeping shows the polls.
    const [cluster] = (await box.json<Json[]>(["clusters"])).filter((c) => c.name === "budget");
    assert.equal(cluster!.last_error, null);
    assert.ok(Date.parse(cluster!.last_poll as string) >= started);
    assert.ok(
      (cluster!.scheduler_calls_last_hour as number) >= counter.calls().length,
      "every status query is counted",
    );
  },
});
