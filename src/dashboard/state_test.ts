import assert from "node:assert/strict";
import { idFor, job, NOW, sampleJobs } from "./_fixtures.ts";
import {
  applyRecords,
  cycleStateFilter,
  type DashboardState,
  initialState,
  keepVisible,
  moveSelection,
  select,
  setExpanded,
  setTextFilter,
} from "./state.ts";
import { applyLogTail, logLines, openDetail, scrollLog, toggleLogStream } from "./detail_state.ts";

function loaded(screenRows = 24): DashboardState {
  return applyRecords(initialState("t", NOW, screenRows), sampleJobs());
}

const ids = (state: DashboardState) => state.rows.map((row) => row.record.jobId.slice(0, 4));

Deno.test("applyRecords() groups array tasks under their array and counts them instead", () => {
  const state = loaded();
  assert.deepEqual(ids(state), ["aaaa", "bbbb", "cccc", "dddd", "eeee"]);
  assert.deepEqual(state.rows[3]!.tasks, { total: 3, finished: 1, startedAt: NOW - 60_000 });
  assert.deepEqual(state.summary, {
    counts: { running: 3, queued: 1, failed: 1, succeeded: 2 },
    total: 7,
    finished: 3,
  });
  assert.equal(state.selectedIndex, 0);
  assert.equal(state.selectedId, idFor("aaaa"));
});

Deno.test("applyRecords() keeps the selection on the same job when rows reorder", () => {
  let state = select(loaded(), 2); // cccc
  const reordered = [...sampleJobs()].reverse();
  state = applyRecords(state, reordered);
  assert.equal(state.selectedId, idFor("cccc"));
  assert.equal(state.rows[state.selectedIndex]!.record.jobId, idFor("cccc"));
  assert.equal(ids(state)[0], "eeee");
});

Deno.test("applyRecords() falls back to the same position when the selected job goes", () => {
  let state = select(loaded(), 2); // cccc
  state = applyRecords(state, sampleJobs().filter((r) => !r.jobId.startsWith("cccc")));
  assert.equal(state.selectedIndex, 2);
  assert.equal(state.selectedId, idFor("dddd"));
  state = applyRecords(state, []);
  assert.equal(state.selectedIndex, -1);
  assert.equal(state.selectedId, null);
});

Deno.test("applyRecords() treats a task whose array is not loaded as a top-level row", () => {
  const orphan = job("ffff", { arrayJobId: idFor("9999"), arrayTaskId: "4" });
  const state = applyRecords(initialState("t", NOW), [orphan]);
  assert.equal(state.rows.length, 1);
  assert.equal(state.rows[0]!.depth, 0);
});

Deno.test("setExpanded() shows an array's tasks in order and collapses back to the array", () => {
  let state = select(loaded(), 3);
  state = setExpanded(state, true);
  assert.deepEqual(ids(state), ["aaaa", "bbbb", "cccc", "dddd", "dd00", "dd10", "dd20", "eeee"]);
  assert.equal(state.selectedId, idFor("dddd"));
  state = moveSelection(state, 2); // task 1
  assert.equal(state.selectedId, idFor("dd1"));
  state = setExpanded(state, false); // ← on a task collapses its array and selects it
  assert.deepEqual(ids(state), ["aaaa", "bbbb", "cccc", "dddd", "eeee"]);
  assert.equal(state.selectedId, idFor("dddd"));
  const top = select(state, 0);
  assert.equal(setExpanded(top, true), top, "not an array: unchanged");
});

Deno.test("a selected task stays selected across refreshes while its array is expanded", () => {
  let state = setExpanded(select(loaded(), 3), true);
  state = select(state, 6); // task 2
  state = applyRecords(state, [...sampleJobs()].reverse());
  assert.equal(state.selectedId, idFor("dd2"));
});

Deno.test("setTextFilter() matches name, command, id, cluster and scheduler id, case-insensitively", () => {
  const state = loaded();
  assert.deepEqual(ids(setTextFilter(state, "EVAL")), ["bbbb"]);
  assert.deepEqual(ids(setTextFilter(state, "4242")), ["cccc"]);
  assert.deepEqual(ids(setTextFilter(state, "eeee")), ["eeee"]);
  assert.deepEqual(ids(setTextFilter(state, "slurm")), ["aaaa", "bbbb", "dddd"]);
  assert.deepEqual(ids(setTextFilter(state, "no such job")), []);
  assert.equal(setTextFilter(state, "no such job").selectedIndex, -1);
});

Deno.test("cycleStateFilter() goes all → running → queued → failed → succeeded and back", () => {
  let state = loaded();
  const seen: string[] = [];
  for (let i = 0; i < 5; i++) {
    state = cycleStateFilter(state);
    seen.push(`${state.stateFilter}:${ids(state).join(",")}`);
  }
  assert.deepEqual(seen, [
    "running:aaaa,dddd",
    "queued:bbbb",
    "failed:cccc",
    "succeeded:dddd,eeee", // the array shows because one of its tasks succeeded
    "cancelled:",
  ]);
  assert.equal(cycleStateFilter(loaded(), -1).stateFilter, "created");
});

Deno.test("a state filter shows only the matching tasks of an expanded array", () => {
  let state = setExpanded(select(loaded(), 3), true);
  state = cycleStateFilter(cycleStateFilter(cycleStateFilter(cycleStateFilter(state)))); // succeeded
  assert.equal(state.stateFilter, "succeeded");
  assert.deepEqual(ids(state), ["dddd", "dd00", "eeee"]);
});

Deno.test("keepVisible() scrolls as little as possible", () => {
  assert.equal(keepVisible(0, 5, 10, 100), 0);
  assert.equal(keepVisible(0, 12, 10, 100), 3);
  assert.equal(keepVisible(20, 12, 10, 100), 12);
  assert.equal(keepVisible(95, 99, 10, 100), 90, "never past the end");
});

Deno.test("select() keeps the selected row inside the table body", () => {
  const many = Array.from({ length: 100 }, (_, i) => job(`j${i}`, { createdAt: NOW - i }));
  let state = applyRecords(initialState("t", NOW, 24), many);
  state = select(state, 50);
  // 24 rows: 3 header + column titles + footer → 19 table rows
  assert.equal(state.scrollTop, 50 - 19 + 1);
  state = moveSelection(state, -40);
  assert.equal(state.scrollTop, 10);
});

Deno.test("detail reducers ignore a log read for another job or stream", () => {
  let state = openDetail(select(loaded(), 2));
  const log = { path: "/x", exists: true, lines: ["a"], sizeBytes: 2 };
  assert.equal(applyLogTail(state, idFor("aaaa"), "stdout", log), state);
  assert.equal(applyLogTail(state, idFor("cccc"), "stderr", log), state);
  state = applyLogTail(state, idFor("cccc"), "stdout", log);
  assert.deepEqual(state.detail?.log, log);
  state = toggleLogStream(state);
  assert.equal(state.detail?.stream, "stderr");
  assert.equal(state.detail?.log, null);
});

Deno.test("scrollLog() stays within the log and 0 follows", () => {
  let state = openDetail(select(loaded(), 0));
  state = applyLogTail(state, idFor("aaaa"), "stdout", {
    path: "/x",
    exists: true,
    lines: ["1", "2", "3", "4"],
    sizeBytes: 8,
  });
  assert.equal(scrollLog(state, 10).detail?.logScroll, 3);
  assert.equal(scrollLog(scrollLog(state, 2), -5).detail?.logScroll, 0);
  assert.equal(scrollLog(state, "top").detail?.logScroll, 3);
  assert.equal(scrollLog(scrollLog(state, 2), "follow").detail?.logScroll, 0);
});

Deno.test("logLines() keeps the last version of \\r-rewritten lines", () => {
  assert.deepEqual(logLines("a\r\nprogress 1%\rprogress 99%\nlast\n"), [
    "a",
    "progress 99%",
    "last",
  ]);
  assert.deepEqual(logLines(""), []);
  assert.deepEqual(logLines("x\ny\nz", 2), ["y", "z"]);
});
