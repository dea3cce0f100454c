import assert from "node:assert/strict";
import { definedOnly, readRetention, readRetry, readSubmitDefaults } from "./config_sections.ts";
import { Problems } from "./_fields.ts";

Deno.test("readSubmitDefaults() maps config keys onto Resources and Scheduling", () => {
  const problems = new Problems();
  const defaults = readSubmitDefaults(
    {
      partition: "gpu",
      account: "a",
      qos: "q",
      reservation: "r",
      time: "2h30m",
      mem: "1.5G",
      cpus: 4,
      gpus: 2,
      gpu_type: "a100",
      nodes: 3,
      exclusive: true,
      env: { A: "$HOME" },
    },
    ["defaults"],
    problems,
  );
  assert.deepEqual(problems.list, []);
  assert.deepEqual(defaults, {
    resources: {
      cpus: 4,
      memoryBytes: 1.5 * 1024 ** 3,
      timeLimitSeconds: 9000,
      gpus: 2,
      gpuType: "a100",
      nodes: 3,
      exclusive: true,
    },
    scheduling: { partition: "gpu", account: "a", qos: "q", reservation: "r" },
    env: { A: "$HOME" },
  });
  assert.deepEqual(readSubmitDefaults(undefined, ["defaults"], problems), {
    resources: {},
    scheduling: {},
  });
});

Deno.test("readRetry() and readRetention() return only the keys given", () => {
  const problems = new Problems();
  assert.deepEqual(readRetry({ backoff: 90 }, ["retry"], problems), { backoffSeconds: 90 });
  assert.deepEqual(readRetry({ on_exit_codes: [1, 255] }, ["retry"], problems), {
    onExitCodes: [1, 255],
  });
  assert.deepEqual(readRetention({ records_days: 0 }, ["retention"], problems), { recordsDays: 0 });
  assert.deepEqual(problems.list, []);
});

Deno.test("definedOnly() drops undefined properties", () => {
  assert.deepEqual(definedOnly({ a: 1, b: undefined, c: false }), { a: 1, c: false });
});
