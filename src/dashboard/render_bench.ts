/** Frame cost: render only formats the rows on screen, so 5,000 jobs cost what 500 do. */
import { job, NOW } from "./_fixtures.ts";
import { frameUpdate } from "./frame.ts";
import { onKey } from "./keys.ts";
import { render } from "./render.ts";
import { applyRecords, initialState, select } from "./state.ts";
import type { JobState } from "../core/job_state.ts";

const STATES: JobState[] = ["running", "queued", "succeeded", "failed", "running", "cancelled"];

function records(count: number) {
  return Array.from({ length: count }, (_, i) =>
    job(i.toString(16).padStart(8, "0"), {
      cluster: i % 3 === 0 ? "slurm" : "local",
      schedulerJobId: String(100000 + i),
      state: STATES[i % STATES.length]!,
      stateDetail: i % 6 === 1 ? "Priority" : null,
      exitCode: i % 6 === 3 ? 1 : null,
      name: `job-${i}`,
      commandDisplay: `python train.py --seed ${i} --lr 0.01`,
      startedAt: NOW - i * 1000,
      createdAt: NOW - i,
    }));
}

for (const count of [500, 5_000]) {
  const loaded = applyRecords(initialState("molq monitor", NOW, 24), records(count));
  const middle = select(loaded, Math.floor(count / 2));
  const big = select({ ...loaded, screenRows: 80 }, Math.floor(count / 2));

  Deno.bench(`render ${count} rows at 80×24 (colour)`, { group: `render-${count}` }, () => {
    render(middle, { columns: 80, rows: 24, color: true });
  });
  Deno.bench(`render ${count} rows at 300×80 (colour)`, { group: `render-${count}` }, () => {
    render(big, { columns: 300, rows: 80, color: true });
  });
  Deno.bench(`key ↓ + render + frame diff, ${count} rows at 80×24`, {
    group: `render-${count}`,
  }, () => {
    const previous = render(middle, { columns: 80, rows: 24, color: true });
    const next = onKey(middle, "down").state;
    frameUpdate(previous, render(next, { columns: 80, rows: 24, color: true }));
  });
  const data = records(count);
  Deno.bench(`applyRecords ${count} (once per refresh)`, { group: `apply-${count}` }, () => {
    applyRecords(middle, data);
  });
}
