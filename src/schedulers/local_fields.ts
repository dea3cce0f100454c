/** What a local job may ask for: a time limit, an array, dependencies; no resources. */
import type { RequestField } from "./scheduler.ts";

export const LOCAL_SUPPORTED: ReadonlySet<RequestField> = new Set<RequestField>([
  "time",
  "array",
  "after",
  "after-ok",
  "after-fail",
  "after-start",
]);
