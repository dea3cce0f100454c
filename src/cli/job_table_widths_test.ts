import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore, type ListQuery } from "../store/job_store.ts";
import { JOB_STATES, type JobState } from "../core/job_state.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import { jobTableWidths } from "./job_table_widths.ts";
import { heldJobTable, jobTableLines, type JobTableStyle, measureJobTable } from "./job_rows.ts";
import { visibleWidth } from "./style.ts";

const NOW = 1_800_000_000_000;
/** Run times around every boundary of the elapsed format, in seconds. */
const RUN_SECONDS = [
  0,
  9,
  10,
  59,
  60,
  599,
  600,
  3599,
  3600,
  35_999,
  36_000,
  86_399,
  86_400,
  863_999,
  864_000,
  9_000_000,
];
const NAMES = [
  null,
  "x",
  "a".repeat(47),
  "b".repeat(48),
  "c".repeat(49),
  "tab\there\nnewline\x1b[31mred",
  "é".repeat(60),
  "ñandú ¿sí?",
];

function fixture(): { store: JobStore; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "molq-widths-" });
  const store = JobStore.open(join(dir, "jobs.db"));
  let i = 0;
  for (const seconds of RUN_SECONDS) {
    for (const state of JOB_STATES as readonly JobState[]) {
      const name = NAMES[i % NAMES.length]!;
      const startedAt = i % 7 === 0 ? null : NOW - seconds * 1000 - (i % 3) * 400;
      store.insert(sampleRecord({
        state,
        createdAt: NOW - i * 1000,
        cluster: i % 5 === 0 ? "hpc-cluster" : "local",
        scheduler: i % 5 === 0 ? "slurm" : "local",
        host: i % 2 === 0 ? `login${i % 4}` : null,
        schedulerJobId: i % 6 === 0 ? null : String(10 ** (i % 9)),
        name,
        commandDisplay: `python train.py --run ${"z".repeat(i % 70)}`,
        startedAt,
        finishedAt: startedAt !== null && i % 4 !== 0 ? startedAt + seconds * 1000 : null,
        exitCode: i % 3 === 0 ? [0, 1, -1, 255][i % 4]! : null,
        stateDetail: i % 3 === 0 ? null : ["Priority", "d".repeat(41), "x\ny", ""][i % 4]!,
      }));
      i++;
    }
  }
  return { store, dir };
}

Deno.test("jobTableWidths() measures what the rows measure, for every query and style", () => {
  const { store, dir } = fixture();
  try {
    const queries: ListQuery[] = [
      {},
      { limit: 3 },
      { states: ["running", "queued"] },
      { cluster: "local", limit: 50 },
      { states: ["failed"], cluster: "nowhere" },
    ];
    for (const query of queries) {
      for (const withHosts of [false, true]) {
        for (const now of [NOW, NOW + 3_599_500]) {
          const style: JobTableStyle = { color: true, now, withHosts };
          assert.deepEqual(
            jobTableWidths(store, query, style),
            measureJobTable(store.iterateSummaries(query).map((record) => ({ record })), style),
            JSON.stringify({ query, withHosts, now }),
          );
        }
      }
    }
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("jobTableWidths() leaves wide text to the rows, and the table still aligns", () => {
  const dir = Deno.makeTempDirSync({ prefix: "molq-widths-" });
  const store = JobStore.open(join(dir, "jobs.db"));
  try {
    for (const name of ["数据处理任务", "abc", "🚀 launch"]) {
      store.insert(sampleRecord({ state: "running", name, startedAt: NOW - 5_000 }));
    }
    const style: JobTableStyle = { color: false, now: NOW, withHosts: false };
    assert.equal(jobTableWidths(store, {}, style), null);
    const rows = () => store.iterateSummaries({}).map((record) => ({ record }));
    const { widths } = measureJobTable(rows(), style);
    assert.equal(widths[4], 12, "six CJK characters take twelve columns");
    const lines = [...jobTableLines(rows(), widths, style)];
    const elapsedAt = lines.map((line) => visibleWidth(line.slice(0, line.indexOf("5s"))));
    assert.equal(new Set(elapsedAt.slice(1)).size, 1, lines.join("\n"));
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("heldJobTable() lays a listing out from its own cells as the measured table does", () => {
  const { store, dir } = fixture();
  try {
    for (const withHosts of [false, true]) {
      const style: JobTableStyle = { color: true, now: NOW, withHosts };
      const rows = () => store.iterateSummaries({}).map((record) => ({ record }));
      const measured = [...jobTableLines(rows(), measureJobTable(rows(), style).widths, style)];
      assert.deepEqual([...heldJobTable(rows(), style)], measured);
    }
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
