import assert from "node:assert/strict";
import { StopSignal } from "./stop_signal.ts";

Deno.test("StopSignal wakes sleepers early and keeps the first reason", async () => {
  const stop = new StopSignal();
  const started = performance.now();
  const sleeping = stop.sleep(10_000);
  setTimeout(() => stop.request("SIGTERM"), 20);
  await sleeping;
  assert.ok(performance.now() - started < 5_000);
  stop.request("SIGINT");
  assert.equal(stop.reason, "SIGTERM");
  const after = performance.now();
  await stop.sleep(10_000);
  assert.ok(performance.now() - after < 100, "no sleep once stopped");
});

Deno.test("StopSignal.wake() ends a sleep without asking to stop", async () => {
  const stop = new StopSignal();
  const sleeping = stop.sleep(10_000);
  stop.wake();
  await sleeping;
  assert.equal(stop.reason, null);
});
