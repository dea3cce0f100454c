/**
 * A soak of real processes on one real store: submit loops, refresh loops, a dashboard in
 * tmux, a cleanup loop and a canceller, all at once on the local scheduler. Afterwards
 * every submitted job has exactly one record whose final state matches what the job
 * itself recorded, and whose history only moved forward; no process saw a locked store
 * or crashed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, eventually, MAIN, type MolqResult, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;

const SOAK_MS = Number(Deno.env.get("MOLQ_SOAK_SECONDS") ?? "30") * 1000;
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];
const RANK: Record<string, number> = { created: 0, submitted: 1, queued: 2, running: 3 };
/** What a job does: sleep this long, then exit with this code. */
const JOB_KINDS: [sleep: string, code: number][] = [
  ["0", 0],
  ["0.3", 0],
  ["1", 0],
  ["3", 0],
  ["0.2", 3],
  ["2", 7],
];
const BAD_OUTPUT = /database is locked|internal error|^\s+at |panicked|Uncaught/im;

interface Submitted {
  id: string;
  expectedCode: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Runs `step` until the deadline, collecting every output that looks wrong. */
async function loop(
  deadline: number,
  problems: string[],
  step: (i: number) => Promise<MolqResult | null>,
): Promise<number> {
  let i = 0;
  while (Date.now() < deadline) {
    const result = await step(i++);
    if (result && BAD_OUTPUT.test(result.stdout + result.stderr)) {
      problems.push(`${result.stdout}${result.stderr}`);
    }
  }
  return i;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** `molq monitor` in a detached tmux session on a private server. */
async function startMonitor(box: Box): Promise<{ socket: string; session: string }> {
  const socket = `molq-soak-${crypto.randomUUID().slice(0, 8)}`;
  const session = "monitor";
  const env = Object.entries({ ...box.env, TERM: "xterm-256color" })
    .map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ");
  const command = `env ${env} ${shellQuote(Deno.execPath())} run --quiet ${
    BINARY_PERMISSIONS.join(" ")
  } ${shellQuote(MAIN)} monitor --all --refresh 1; echo "monitor exited with $?"; sleep 600`;
  const output = await new Deno.Command("tmux", {
    args: [
      "-L",
      socket,
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "160",
      "-y",
      "50",
      "-c",
      box.cwd,
      command,
    ],
    env: { ...box.env, TMUX: "" },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return { socket, session };
}

async function tmux(socket: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("tmux", { args: ["-L", socket, ...args] }).output();
  return new TextDecoder().decode(output.stdout);
}

Deno.test(`soak: submit, refresh, monitor, cleanup and cancel loops at once for ${SOAK_MS / 1000} s`, async () => {
  const box = sandbox();
  const help = (await box.molq(["--help"])).stdout;
  const hasMonitor = /^\s+monitor\b/m.test(help);
  const hasCleanup = /^\s+cleanup\b/m.test(help);
  if (!hasMonitor) {
    console.log("NOTE: `molq monitor` does not exist yet: a third refresh loop runs instead.");
  }
  if (!hasCleanup) console.log("NOTE: `molq cleanup` does not exist yet: no cleanup loop.");

  const problems: string[] = [];
  const submitted: Submitted[] = [];
  const cancelled = new Set<string>();
  const cancelAttempted = new Set<string>();
  const cancelRefusals: string[] = [];
  const monitor = hasMonitor ? await startMonitor(box) : null;
  const deadline = Date.now() + SOAK_MS;

  const submitLoop = (loopId: number) =>
    loop(deadline, problems, async (i) => {
      const [seconds, code] = pick(JOB_KINDS);
      const result = await box.molq([
        "submit",
        "local",
        "--json",
        "--name",
        `s${loopId}-${i}`,
        "--",
        "sh",
        "-c",
        `sleep ${seconds}; exit ${code}`,
      ]);
      if (result.code !== 0) {
        problems.push(`submit exited ${result.code}: ${result.stderr}`);
        return result;
      }
      submitted.push({
        id: (JSON.parse(result.stdout) as Json).job_id as string,
        expectedCode: code,
      });
      return result;
    });
  const refreshLoop = () =>
    loop(deadline, problems, async () => {
      const result = await box.molq(["refresh", "--quiet"]);
      if (result.code !== 0) problems.push(`refresh exited ${result.code}: ${result.stderr}`);
      return result;
    });
  const cleanupLoop = () =>
    loop(deadline, problems, async (i) => {
      // Real runs with the default ages (nothing is old enough) and dry runs that consider
      // everything: both read and lock the store while the others write.
      const args = i % 2 === 0
        ? ["cleanup"]
        : ["cleanup", "--dry-run", "--dirs-older-than", "1s", "--records-older-than", "1s"];
      const result = await box.molq(args);
      if (result.code !== 0) problems.push(`cleanup exited ${result.code}: ${result.stderr}`);
      await sleep(500);
      return result;
    });
  const canceller = () =>
    loop(deadline, problems, async () => {
      await sleep(200 + Math.random() * 800);
      const listed = await box.molq(["list", "--json", "--no-refresh", "--limit", "50"]);
      if (listed.code !== 0) return listed;
      const active = (JSON.parse(listed.stdout) as Json[]).filter((r) =>
        r.state === "running" || r.state === "submitted"
      );
      if (active.length === 0) return listed;
      const id = pick(active).job_id as string;
      cancelAttempted.add(id);
      const result = await box.molq(["cancel", id]);
      if (result.code === 0) cancelled.add(id);
      else {
        // Losing the race to the job's own end is fine; anything else is not (a job that
        // ended on this very cancel is a successful cancel).
        const refusal =
          /^molq: Cannot cancel job "[0-9a-f]{8}": job is already finished \((succeeded|failed)\)/;
        if (result.code !== 1 || !refusal.test(result.stderr)) {
          problems.push(`cancel exited ${result.code}: ${result.stderr}`);
        }
        cancelRefusals.push(result.stderr.trim());
      }
      return result;
    });

  const loops = [
    ...[1, 2, 3, 4].map(submitLoop),
    refreshLoop(),
    refreshLoop(),
    ...(hasMonitor ? [] : [refreshLoop()]),
    ...(hasCleanup ? [cleanupLoop()] : []),
    canceller(),
  ];
  const counts = await Promise.all(loops);
  console.log(
    `${submitted.length} jobs submitted; loop iterations ${
      counts.join(", ")
    }; ${cancelled.size} cancelled, ${cancelRefusals.length} cancels refused`,
    cancelRefusals.map((r) => r.replace(/^molq: Cannot cancel job "[0-9a-f]{8}": /, "")),
  );

  // The dashboard survived the whole soak, showed no error, and quits on `q`.
  if (monitor) {
    const screen = await tmux(monitor.socket, ["capture-pane", "-p", "-t", monitor.session]);
    try {
      assert.doesNotMatch(screen, /monitor exited with|internal error|locked/i, screen);
      await tmux(monitor.socket, ["send-keys", "-t", monitor.session, "q"]);
      const after = await eventually(
        async () => {
          const text = await tmux(monitor.socket, ["capture-pane", "-p", "-t", monitor.session]);
          return /monitor exited with \d+/.test(text) ? text : undefined;
        },
        10_000,
        "the monitor to quit on q",
      );
      assert.match(after, /monitor exited with 0/, after);
    } finally {
      await tmux(monitor.socket, ["kill-server"]);
    }
  }

  // Let every job end, then judge.
  const records = await eventually(
    async () => {
      await box.molq(["refresh", "--quiet"]);
      const all = await box.json<Json[]>(["list", "--all", "--limit", "100000", "--no-refresh"]);
      return all.every((r) => TERMINAL.includes(r.state as string)) ? all : undefined;
    },
    90_000,
    "every job to reach a final state",
  );
  assert.deepEqual(problems, [], "no process saw a locked store or crashed");

  // Exactly one record per submitted job, and nothing else.
  assert.equal(records.length, submitted.length);
  const byId = new Map(records.map((r) => [r.job_id as string, r]));
  assert.equal(byId.size, records.length, "job ids are unique");
  for (const job of submitted) {
    const record = byId.get(job.id);
    assert.ok(record, `submitted job ${job.id} has a record`);
    const jobDir = (record.metadata as Record<string, string>)["molq.job_dir"]!;
    const exitText = readText(join(jobDir, "exit_code"));
    const what = `${record.name} (${job.id}): ${record.state}, exit file ${exitText?.trim()}`;
    if (cancelled.has(job.id)) {
      assert.equal(record.state, "cancelled", what);
      continue;
    }
    if (cancelAttempted.has(job.id) && record.state === "cancelled") {
      // The canceller lost the race against a reconcile pass that saw its cancel marker.
      assert.ok(readText(join(jobDir, "cancelled")) !== null, what);
      continue;
    }
    assert.notEqual(exitText, null, `${what}: the job wrote an exit code`);
    const code = Number(exitText!.trim());
    assert.equal(code, job.expectedCode, `${what}: the job did what it was asked`);
    assert.equal(record.state, code === 0 ? "succeeded" : "failed", what);
    assert.equal(record.exit_code, code, what);
  }

  // Every history only moved forward and ends in the record's state.
  const ids = [...byId.keys()];
  for (let start = 0; start < ids.length; start += 4) {
    const batch = await Promise.all(
      ids.slice(start, start + 4).map((id) => box.json<Json>(["inspect", id])),
    );
    batch.forEach(assertForward);
  }
});

/** created first, each step from the previous state, strictly forward, ending in the record's state. */
function assertForward(inspect: Json): void {
  const steps = inspect.transitions as { from: string | null; to: string }[];
  const shown = `${inspect.job_id}: ${JSON.stringify(steps)}`;
  assert.ok(steps.length > 0, shown);
  assert.deepEqual([steps[0]!.from, steps[0]!.to], [null, "created"], shown);
  for (let i = 1; i < steps.length; i++) {
    const [before, after] = [steps[i - 1]!, steps[i]!];
    assert.equal(after.from, before.to, shown);
    assert.ok(!TERMINAL.includes(before.to), `left a final state: ${shown}`);
    assert.ok((RANK[after.to] ?? 4) > (RANK[before.to] ?? 4), `went backwards: ${shown}`);
  }
  assert.equal(steps.at(-1)!.to, inspect.state, shown);
}
