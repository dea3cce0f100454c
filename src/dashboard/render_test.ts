import assert from "node:assert/strict";
import type { JobRecord } from "../core/job_record.ts";
import { idFor, job, NOW, sampleJobs } from "./_fixtures.ts";
import { stripAnsi, visibleWidth } from "./ansi.ts";
import { applyDetail, applyLogTail, logLines, openDetail } from "./detail_state.ts";
import { formatClockTime, formatDateTime } from "./format.ts";
import { render, type ScreenSize } from "./render.ts";
import {
  applyRecords,
  applyRefresh,
  applyUsage,
  cycleStateFilter,
  type DashboardState,
  initialState,
  select,
  setExpanded,
  setTextFilter,
} from "./state.ts";

const REFRESHED = `refreshed ${formatClockTime(NOW)} `;

function loaded(rows = 24): DashboardState {
  return applyRecords(
    { ...initialState("molq monitor", NOW, rows), lastRefreshAt: NOW },
    sampleJobs(),
  );
}

/** Renders and checks what every frame must satisfy. */
function screen(state: DashboardState, size: ScreenSize): string[] {
  const lines = render(state, size);
  assert.equal(lines.length, size.rows, "one line per terminal row");
  lines.forEach((line, i) => {
    assert.ok(visibleWidth(line) <= size.columns, `line ${i} is ${visibleWidth(line)} wide`);
    if (!size.color) assert.ok(!line.includes("\x1b"), `line ${i} has ANSI with colour off`);
  });
  return lines;
}

const plain = (columns: number, rows: number): ScreenSize => ({ columns, rows, color: false });

/** The detail view as the app shows it: opened, then the full record loaded (`records`'). */
function opened(state: DashboardState, records: JobRecord[] = sampleJobs()): DashboardState {
  const open = openDetail(state);
  const id = open.detail!.jobId;
  return applyDetail(open, id, records.find((record) => record.jobId === id)!, []);
}

Deno.test("render() list at 80×24: header, counts, progress, table and key hints", () => {
  const lines = screen(loaded(), plain(80, 24));
  assert.deepEqual(lines.slice(0, 9), [
    " molq monitor".padEnd(80 - REFRESHED.length) + REFRESHED,
    " ◌ 1 queued  ● 3 running  ✔ 2 succeeded  ✘ 1 failed  ",
    " [█████████░░░░░░░░░░░] 3/7 finished",
    " STATE       ID       CLUSTER SCHED ID NAME / COMMAND      ELAPSED EXIT/REASON  ",
    ">● running   aaaa0000 slurm   1001     train                 2m05s              ",
    " ◌ queued    bbbb0000 slurm   1002     python eval.py --s…       - Priority     ",
    " ✘ failed    cccc0000 local   4242     python big.py        16m40s 137 out of m…",
    " ● running   dddd0000 slurm   2000     ▸ sweep [1/3]         1m00s              ",
    " ✔ succeeded eeee0000 local   4243     echo done                2s 0            ",
  ]);
  assert.deepEqual(lines.slice(9, 23), Array(14).fill(""));
  assert.equal(
    lines[23],
    " q quit  ↑↓ move  enter detail  / filter  s state  c cancel  ? help         1/5 ",
  );
});

Deno.test("render() array rows: collapsed shows the array, expanded adds its tasks", () => {
  const collapsed = screen(select(loaded(), 3), plain(80, 24));
  assert.equal(
    collapsed[7],
    ">● running   dddd0000 slurm   2000     ▸ sweep [1/3]         1m00s              ",
  );
  assert.equal(collapsed[8]!.slice(1, 12), "✔ succeeded");
  const expanded = screen(setExpanded(select(loaded(), 3), true), plain(80, 24));
  assert.deepEqual(expanded.slice(7, 12), [
    ">● running   dddd0000 slurm   2000     ▾ sweep [1/3]         1m00s              ",
    " ✔ succeeded dd000000 slurm   2000_0     └ [0] sweep           30s 0            ",
    " ● running   dd100000 slurm   2000_1     └ [1] sweep         1m00s              ",
    " ● running   dd200000 slurm   2000_2     └ [2] sweep         1m00s              ",
    " ✔ succeeded eeee0000 local   4243     echo done                2s 0            ",
  ]);
});

Deno.test("render() at 40×20 drops columns and shrinks the state to its symbol", () => {
  const lines = screen(setExpanded(select(loaded(20), 3), true), plain(40, 20));
  assert.deepEqual(lines.slice(0, 12), [
    " molq monitor".padEnd(40 - REFRESHED.length) + REFRESHED,
    " ◌ 1 queued  ● 3 running  ✔ 2 succeeded…",
    " [████░░░░░░] 3/7 finished",
    " S ID       NAME / COMMAND       ELAPSED",
    " ● aaaa0000 train                  2m05s",
    " ◌ bbbb0000 python eval.py --sp…       -",
    " ✘ cccc0000 python big.py         16m40s",
    ">● dddd0000 ▾ sweep [1/3]          1m00s",
    " ✔ dd000000   └ [0] sweep            30s",
    " ● dd100000   └ [1] sweep          1m00s",
    " ● dd200000   └ [2] sweep          1m00s",
    " ✔ eeee0000 echo done                 2s",
  ]);
  assert.equal(lines[19], " q quit  ? help                     4/8 ");
});

Deno.test("render() at 300×80 shows every column and keeps them together", () => {
  const records = sampleJobs().map((r, i) => ({
    ...r,
    runLabel: i === 0 ? "ablation" : null,
    submittedAt: r.submittedAt ?? NOW - 120_000,
  }));
  const state = applyRecords(
    { ...initialState("molq monitor", NOW, 80), lastRefreshAt: NOW },
    records,
  );
  const lines = screen(state, plain(300, 80));
  assert.equal(
    lines[3],
    " STATE       ID       CLUSTER SCHED ID RUN      NAME / COMMAND                              SUBMITTED   ELAPSED EXIT/REASON      "
      .padEnd(300),
  );
  assert.match(lines[4]!, /^>● running {3}aaaa0000 slurm {3}1001 {5}ablation train {2}/);
  assert.equal(lines.filter((line) => line === "").length, 80 - 3 - 1 - 5 - 1);
});

Deno.test("render() colour on: styled, but the same visible text and widths", () => {
  const size = { columns: 80, rows: 24, color: true };
  const colored = screen(loaded(), size);
  assert.ok(colored.some((line) => line.includes("\x1b[")));
  assert.deepEqual(
    colored.map((line) => stripAnsi(line).trimEnd()),
    screen(loaded(), plain(80, 24)).map((line) => line.trimEnd()),
  );
});

Deno.test("render() shows scheduler errors per cluster and summarises more than three", () => {
  const one = applyRefresh(
    loaded(),
    [{ cluster: "slurm", message: "squeue: timed out\nretry" }],
    NOW,
  );
  const lines = screen(one, plain(80, 24));
  assert.equal(lines[3], " ✘ slurm: squeue: timed out retry".padEnd(80));
  assert.equal(lines[4]!.trimEnd().startsWith(" STATE"), true);
  const errors = ["a", "b", "c", "d", "e"].map((cluster) => ({ cluster, message: "down" }));
  const many = screen(applyRefresh(loaded(), errors, NOW), plain(80, 24));
  assert.deepEqual(many.slice(3, 6).map((line) => line.trimEnd()), [
    " ✘ a: down",
    " ✘ b: down",
    " ✘ … and 3 more cluster errors",
  ]);
});

Deno.test("render() detail: record, timeline and the end of the log", () => {
  const id = idFor("cccc");
  let state = openDetail(select(loaded(), 2));
  assert.equal(state.detail!.record, null, "the full record is loaded after opening");
  const full = sampleJobs().find((record) => record.jobId === id)!;
  state = applyDetail(state, id, full, [
    { jobId: id, fromState: null, toState: "created", at: NOW - 4_100_000, reason: "recorded" },
    { jobId: id, fromState: "created", toState: "running", at: NOW - 4_000_000, reason: null },
    { jobId: id, fromState: "running", toState: "failed", at: NOW - 3_000_000, reason: "OOM" },
  ]);
  const text = Array.from({ length: 30 }, (_, i) => `step ${i}`).join("\n") + "\n";
  state = applyLogTail(state, id, "stdout", {
    path: "/jobs/cccc/stdout.log",
    exists: true,
    sizeBytes: 2048,
    lines: logLines(text),
  });
  const lines = screen(state, plain(80, 24));
  assert.deepEqual(lines.slice(3), [
    " ✘ failed  cccc0000-0000-4000-8000-000000000000".padEnd(80),
    "  Command     python big.py",
    "  Cluster     local (local) · scheduler id 4242",
    "  Exit code   137 · out of memory",
    `  Created     ${formatDateTime(NOW - 3_000)}`,
    `  Started     ${formatDateTime(NOW - 4_000_000)}`,
    `  Finished    ${formatDateTime(NOW - 3_000_000)}  (ran 16m40s)`,
    "  Timeline",
    `    ${formatDateTime(NOW - 4_100_000)}  · created   recorded`,
    `    ${formatDateTime(NOW - 4_000_000)}  ● running`,
    `    ${formatDateTime(NOW - 3_000_000)}  ✘ failed    OOM`,
    "  Workdir     /tmp",
    "  Job dir     /jobs/cccc",
    "── stdout · 2.0 KiB · following · l: stderr ── /jobs/cccc/stdout.log ",
    "step 24",
    "step 25",
    "step 26",
    "step 27",
    "step 28",
    "step 29",
    " q quit  esc back  l stdout/stderr  ↑↓ scroll  end follow  ? help               ",
  ]);
});

Deno.test("render() detail log pane: waiting, missing file, scrolling and wrapping", () => {
  const id = idFor("aaaa");
  const base = opened(loaded());
  const pane = (state: DashboardState) => screen(state, plain(40, 20)).slice(-7, -1);
  assert.equal(pane(base)[1], "loading…");
  const missing = applyLogTail(base, id, "stdout", {
    path: "/x",
    exists: false,
    lines: [],
    sizeBytes: 0,
  });
  assert.equal(pane(missing)[1], "no output yet");
  const long = applyLogTail(base, id, "stdout", {
    path: "/x",
    exists: true,
    lines: ["one", "two", "x".repeat(50), "\x1b[31mred\x1b[0m\ttab"],
    sizeBytes: 80,
  });
  assert.deepEqual(pane(long).slice(1), [
    "one",
    "two",
    "x".repeat(40),
    "x".repeat(10),
    "red    tab",
  ]);
  const scrolled = { ...long, detail: { ...long.detail!, logScroll: 2 } };
  assert.equal(pane(scrolled)[0]!, "── stdout · 80 B · 2 lines back · l: st…");
  assert.deepEqual(pane(scrolled).slice(1, 3), ["one", "two"]);
});

Deno.test("render() help overlay is a box over the table", () => {
  const lines = screen({ ...loaded(), showHelp: true }, plain(80, 24));
  const box = lines.filter((line) => line.includes("│"));
  assert.equal(box.length, 14);
  assert.ok(
    box.some((line) => line.includes("│ ↓ name        used < 25 % of memory or CPUs")),
  );
  assert.ok(lines.some((line) => line.includes("┌─ Keys ─")));
  assert.ok(lines.some((line) => line.includes("└────")));
  assert.ok(box.some((line) => line.includes("│ q, Ctrl-C     quit (jobs keep running)")));
  assert.ok(lines[4]!.startsWith(">● running   aaa┌"), "the table shows beside the box");
});

Deno.test("render() footer: filter prompt, cancel question and messages", () => {
  const filtering = { ...loaded(), prompt: { kind: "filter" as const, text: "eval" } };
  assert.equal(
    screen(filtering, plain(80, 24))[23],
    " Filter: eval_".padEnd(80 - 27) + "Enter applies · Esc clears ",
  );
  const confirming = {
    ...loaded(),
    prompt: { kind: "confirmCancel" as const, jobId: idFor("aaaa") },
  };
  assert.equal(
    screen(confirming, plain(80, 24))[23]!.trimEnd(),
    " Cancel job aaaa0000 (train) on slurm? y/n",
  );
  const local = job("ffff", { scheduler: "local", cluster: "local", host: "login2", name: "fit" });
  const elsewhere = {
    ...applyRecords(loaded(), [local, ...sampleJobs()]),
    prompt: { kind: "confirmCancel" as const, jobId: local.jobId },
  };
  assert.equal(
    screen(elsewhere, plain(80, 24))[23]!.trimEnd(),
    " Cancel job ffff0000 (fit) on local@login2? y/n",
    "a local job's host is named",
  );
  const message = { ...loaded(), message: { text: "Cancelled job aaaa0000.", error: false } };
  assert.equal(screen(message, plain(80, 24))[23]!.trimEnd(), " Cancelled job aaaa0000.");
  const narrow = { ...filtering, prompt: { kind: "filter" as const, text: "x".repeat(60) } };
  assert.equal(screen(narrow, plain(40, 20))[19], ` Filter: ${"x".repeat(30)}_`);
});

Deno.test("render() header shows the active filters and the row count", () => {
  const state = setTextFilter(cycleStateFilter(loaded()), "sweep");
  assert.equal(
    screen(state, plain(80, 24))[2],
    ' [█████████░░░░░░░░░░░] 3/7 finished  · 1 shown · state running · text "sweep"',
  );
});

Deno.test("render() never lets a job's text move the cursor or overflow", () => {
  const hostile = job("ffff", {
    name: "evil\x1b[2J\x1b]0;title\x07\r\nname 名前名前名前名前名前名前名前名前名前名前",
    stateDetail: "\x1b[31mred\x1b[0m",
  });
  const state = applyRecords(initialState("t", NOW), [hostile]);
  for (const size of [plain(80, 24), plain(40, 20), { columns: 33, rows: 12, color: true }]) {
    const lines = screen(state, size);
    assert.ok(!lines.join("").includes("\x1b[2J"));
    assert.ok(!lines.join("").includes("\x07"));
  }
  assert.match(screen(state, plain(80, 24))[4]!, /evil {2}name 名前/);
});

Deno.test("render() an empty list says so, and a filter that hides everything says how to clear it", () => {
  const empty = applyRecords(initialState("molq monitor", NOW), []);
  const lines = screen(empty, plain(80, 24));
  assert.equal(lines[1], " no jobs");
  assert.equal(lines[4]!.trimEnd(), " No jobs to show.");
  const hidden = screen({ ...loaded(), textFilter: "zzz", rows: [] }, plain(80, 24));
  assert.match(hidden[4]!, /No jobs match the filter/);
});

Deno.test("render() a terminal below 20×10 gets one line saying so", () => {
  const lines = screen(loaded(), plain(19, 5));
  assert.equal(lines[0], "Terminal too small…");
  assert.deepEqual(lines.slice(1), ["", "", "", ""]);
});

Deno.test("render() detail lists dependencies with the upstream job's state", () => {
  const records = sampleJobs();
  records[0] = {
    ...records[0]!,
    request: {
      ...records[0]!.request,
      dependencies: [{ kind: "afterok", jobId: idFor("bbbb") }, {
        kind: "after",
        jobId: idFor("9999"),
      }],
    },
  };
  const state = opened(applyRecords(initialState("t", NOW, 40), records), records);
  const lines = screen(state, plain(100, 40));
  assert.ok(lines.includes("  Depends on  afterok bbbb0000 (◌ queued), after 99990000"));
});

Deno.test("render() fits every size from 20×10 to 300×80 in every view", () => {
  const base = setExpanded(select(loaded(), 3), true);
  const detail = applyLogTail(opened(base), idFor("dddd"), "stdout", {
    path: "/x",
    exists: true,
    lines: ["名前".repeat(40), "x".repeat(500)],
    sizeBytes: 600,
  });
  const views = [
    base,
    detail,
    { ...base, showHelp: true },
    { ...detail, showHelp: true },
    { ...base, prompt: { kind: "filter" as const, text: "名前".repeat(50) } },
    applyRefresh(base, [{ cluster: "slurm", message: "x".repeat(400) }], NOW),
  ];
  for (const columns of [20, 21, 33, 40, 57, 80, 81, 120, 199, 300]) {
    for (const rows of [10, 11, 20, 24, 80]) {
      for (const view of views) {
        screen({ ...view, screenRows: rows }, { columns, rows, color: columns % 2 === 0 });
      }
    }
  }
});

Deno.test("render() sanitizes messages, cluster names and scheduler ids too", () => {
  const odd = job("ffff", { cluster: "c\x1b[2Jx", schedulerJobId: "1\n2", state: "running" });
  const state = {
    ...applyRecords(initialState("t", NOW), [odd]),
    message: { text: "Could not cancel: scancel said\nno\x07", error: true },
  };
  const lines = screen(state, plain(80, 24));
  // deno-lint-ignore no-control-regex
  assert.ok(lines.every((line) => !/[\x00-\x1f]/.test(line)));
  assert.equal(lines[23]!.trimEnd(), " Could not cancel: scancel said no");
});

Deno.test("render() marks jobs that used under 25 % and shows usage and a hint in detail", () => {
  const used = {
    elapsedSeconds: 2,
    cpuSeconds: 1.9,
    cpus: 1,
    peakMemoryBytes: 300 * 1024 ** 2,
    memorySampled: false,
    memoryRequestBytes: 4 * 1024 ** 3,
    timeLimitSeconds: null,
    sources: {},
  };
  const state = applyUsage(loaded(), new Map([[idFor("eeee"), { usage: used, settled: true }]]));
  const table = screen(state, plain(80, 24));
  assert.ok(table[8]!.includes("↓ echo done"), table[8]);
  assert.ok(!table[6]!.includes("↓"), "no figures, no mark");
  const open = (s: DashboardState) =>
    applyDetail(
      openDetail(select(s, 4)),
      idFor("eeee"),
      sampleJobs().find((record) => record.jobId === idFor("eeee"))!,
      [],
    );
  const detail = screen(open(state), plain(120, 30));
  const usageLine = detail.find((line) => line.includes("Usage"));
  assert.match(
    usageLine ?? "",
    /cpu 1\.9s \(95% of 2s × 1 CPU\) · memory 300 MiB peak, 7% of 4 GiB/,
  );
  assert.ok(
    detail.some((line) => line.includes("Hint        Peak 300 MiB of 4 GiB requested: --mem 400M")),
  );
  const unsettled = applyUsage(
    loaded(),
    new Map([[idFor("eeee"), { usage: null, settled: false }]]),
  );
  const pending = screen(open(unsettled), plain(120, 30));
  assert.ok(pending.some((line) => line.includes("Usage       not read yet (may still change)")));
});
