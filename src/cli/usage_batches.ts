/** Records paired with their usage rows, looked up a batch at a time, for listings that stream. */
import type { JobStore } from "../store/job_store.ts";
import { type StoredUsage, usageOf } from "../store/usage_rows.ts";

export function* withUsage<T extends { jobId: string }>(
  store: JobStore,
  records: Iterable<T>,
  batchSize = 500,
): Generator<[T, StoredUsage | undefined]> {
  function* pairs(batch: T[]): Generator<[T, StoredUsage | undefined]> {
    const usage = usageOf(store, batch.map((record) => record.jobId));
    for (const record of batch) yield [record, usage.get(record.jobId)];
  }
  let batch: T[] = [];
  for (const record of records) {
    batch.push(record);
    if (batch.length === batchSize) {
      yield* pairs(batch);
      batch = [];
    }
  }
  yield* pairs(batch);
}
