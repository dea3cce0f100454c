/**
 * The dashboard: one frame's render for 500 and 5,000 rows (the pure render function),
 * and the CPU and memory of an idle `molq monitor --refresh 1.5` in a real terminal (tmux)
 * over the active store (3,000 running local jobs: every refresh is a real local pass).
 */
import type { JobRecord } from "../src/core/job_record.ts";
import type { JobState } from "../src/core/job_state.ts";
import {
  type BenchResult,
  DENO_RUN_FLAGS,
  hasCommand,
  median,
  MOLQ_MAIN,
  MOLQ_PERMISSIONS,
  runProcess,
} from "./measure.ts";
import { makeRecord, mulberry32 } from "./seed_store.ts";
import type { ActiveStore } from "./active_store.ts";

const FRAME_TARGET_MS = 4;
const IDLE_CPU_TARGET_PERCENT = 3;
const IDLE_RSS_TARGET_MIB = 80;
const STATES: JobState[] = ["running", "queued", "succeeded", "failed", "running", "cancelled"];

export async function benchFrames(
  sizes = [500, 5_000],
  notes: string[],
): Promise<BenchResult[]> {
  let dashboard;
  try {
    const [render, state] = await Promise.all([
      import("../src/dashboard/render.ts"),
      import("../src/dashboard/state.ts"),
    ]);
    dashboard = { render: render.render, ...state };
  } catch (error) {
    notes.push(`dashboard frames skipped: src/dashboard/render.ts is not usable (${error}).`);
    return [];
  }
  const results: BenchResult[] = [];
  const now = Date.now();
  for (const count of sizes) {
    const records = frameRecords(count, now);
    const loaded = dashboard.applyRecords(dashboard.initialState("molq monitor", now, 50), records);
    const selected = dashboard.select(loaded, Math.floor(count / 2));
    for (const size of [{ columns: 80, rows: 24 }, { columns: 200, rows: 50 }]) {
      const state = { ...selected, screenRows: size.rows };
      const times: number[] = [];
      for (let i = 0; i < 30 + 200; i++) {
        const start = performance.now();
        dashboard.render(state, { ...size, color: true });
        if (i >= 30) times.push(performance.now() - start);
      }
      results.push({
        suite: "dashboard",
        name: `frame render, ${count.toLocaleString("en-US")} rows at ${size.columns}×${size.rows}`,
        value: median(times),
        min: Math.min(...times),
        unit: "ms",
        target: count === 500 ? { op: "<=", value: FRAME_TARGET_MS } : undefined,
      });
    }
    const apply: number[] = [];
    for (let i = 0; i < 25; i++) {
      const start = performance.now();
      dashboard.applyRecords(selected, records);
      if (i >= 5) apply.push(performance.now() - start);
    }
    results.push({
      suite: "dashboard",
      name: `applyRecords, ${count.toLocaleString("en-US")} rows (once per refresh)`,
      value: median(apply),
      unit: "ms",
    });
  }
  return results;
}

function frameRecords(count: number, now: number): JobRecord[] {
  const random = mulberry32(7);
  return Array.from({ length: count }, (_, i) => {
    const state = STATES[i % STATES.length]!;
    return makeRecord(random, {
      createdAt: now - i * 60_000,
      cluster: i % 3 === 0 ? "slurm" : "local",
      scheduler: i % 3 === 0 ? "slurm" : "local",
      state,
      schedulerJobId: String(100_000 + i),
    });
  });
}

/**
 * Runs `molq monitor --refresh 1.5` on the active store in a detached tmux session for
 * `seconds` and reads its CPU time and resident memory from /proc.
 */
export async function benchIdleMonitor(
  seconds: number,
  store: ActiveStore,
  notes: string[],
): Promise<BenchResult[]> {
  if (Deno.build.os !== "linux") {
    notes.push("idle monitor skipped: it reads /proc (Linux only).");
    return [];
  }
  if (!(await hasCommand("monitor"))) {
    notes.push("idle monitor skipped: this molq has no `monitor` command yet.");
    return [];
  }
  const tmux = await runProcess("tmux", ["-V"]).catch(() => null);
  if (!tmux || tmux.code !== 0) {
    notes.push("idle monitor skipped: tmux is not installed.");
    return [];
  }
  const session = `molq-bench-${Deno.pid}`;
  const command = [
    "env",
    `MOLQ_HOME=${store.home}`,
    Deno.execPath(),
    "run",
    ...DENO_RUN_FLAGS,
    ...MOLQ_PERMISSIONS,
    MOLQ_MAIN,
    "monitor",
    "--refresh",
    "1.5",
  ].map((arg) => `'${arg.replaceAll("'", `'"'"'`)}'`).join(" ");
  const started = await runProcess("tmux", [
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "160",
    "-y",
    "48",
    "-c",
    store.cwd,
    command,
  ]);
  if (started.code !== 0) {
    notes.push(`idle monitor skipped: tmux failed: ${started.stderr.trim()}`);
    return [];
  }
  try {
    const panePid = Number(
      (await runProcess("tmux", ["display-message", "-p", "-t", session, "#{pane_pid}"])).stdout,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // start-up is not "idle"
    const pid = await findDeno(panePid);
    if (pid === null) {
      const screen = await runProcess("tmux", ["capture-pane", "-p", "-t", session]);
      notes.push(
        `idle monitor skipped: the monitor process ended early (pane ${panePid}): ${
          screen.stdout.trim().split("\n").slice(0, 3).join(" / ")
        }`,
      );
      return [];
    }
    const ticksPerSecond = Number((await runProcess("getconf", ["CLK_TCK"])).stdout) || 100;
    const before = await cpuTicks(pid);
    const rss: number[] = [];
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      rss.push(await rssKiB(pid));
    }
    const elapsed = (performance.now() - start) / 1000;
    const cpuSeconds = (await cpuTicks(pid) - before) / ticksPerSecond;
    const active = store.running.jobs.length.toLocaleString("en-US");
    return [
      {
        suite: "dashboard",
        name: `idle molq monitor --refresh 1.5, CPU over ${seconds} s`,
        value: (100 * cpuSeconds) / elapsed,
        unit: "% of a core",
        target: { op: "<=", value: IDLE_CPU_TARGET_PERCENT },
        note:
          `${active} running local jobs: a local pass every 1.5 s (its ps and file reads included)`,
      },
      {
        suite: "dashboard",
        name: `idle molq monitor, resident memory (max)`,
        value: Math.max(...rss) / 1024,
        unit: "MiB",
        target: { op: "<=", value: IDLE_RSS_TARGET_MIB },
      },
    ];
  } finally {
    await runProcess("tmux", ["kill-session", "-t", session]);
  }
}

/**
 * Reads a /proc file through `cat`: Deno lets only --allow-all read /proc directly, and the
 * benchmarks run with molq's own permissions.
 */
async function readProc(path: string): Promise<string | null> {
  const result = await runProcess("cat", [path]);
  return result.code === 0 ? result.stdout : null;
}

/** The deno process running the monitor: the pane's process or one of its descendants. */
async function findDeno(pid: number): Promise<number | null> {
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const name = await readProc(`/proc/${current}/comm`);
    if (name === null) continue; // the process ended
    if (name.trim() === "deno") return current;
    const children = await readProc(`/proc/${current}/task/${current}/children`) ?? "";
    queue.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return null;
}

/**
 * utime + stime + cutime + cstime, in clock ticks (fields 14 to 17 of /proc/<pid>/stat):
 * the monitor's own CPU and that of the processes it ran and waited for (ps, job files).
 */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readProc(`/proc/${pid}/stat`);
  if (stat === null) throw new Error(`the monitor (pid ${pid}) ended during the measurement`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readProc(`/proc/${pid}/status`) ?? "";
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}
