import assert from "node:assert/strict";
import { SessionSlots, slotsFor } from "./session_slots.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("SessionSlots lets `limit` sessions in and queues the rest in order", async () => {
  const slots = new SessionSlots(2);
  const first = await slots.acquire();
  await slots.acquire();
  const order: string[] = [];
  const third = slots.acquire().then((release) => (order.push("third"), release));
  const fourth = slots.acquire().then((release) => (order.push("fourth"), release));
  await tick();
  assert.deepEqual(order, []);
  first();
  first(); // twice: still one slot
  await tick();
  assert.deepEqual(order, ["third"]);
  assert.equal(slots.inUse, 2);
  (await third)();
  await tick();
  assert.deepEqual(order, ["third", "fourth"]);
  (await fourth)();
});

Deno.test("SessionSlots with a lowered limit admits no one until enough have left", async () => {
  const slots = new SessionSlots(2);
  const a = await slots.acquire();
  const b = await slots.acquire();
  slots.limit = 1;
  let admitted = false;
  const waiting = slots.acquire().then((release) => ((admitted = true), release));
  a();
  await tick();
  assert.equal(admitted, false);
  b();
  (await waiting)();
  assert.equal(admitted, true);
});

Deno.test("SessionSlots.acquire() gives up when its signal aborts", async () => {
  const slots = new SessionSlots(1);
  const held = await slots.acquire();
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  controller.abort(new Error("busy"));
  await assert.rejects(waiting, /busy/);
  held();
  (await slots.acquire())();
});

Deno.test("slotsFor() shares one queue per master and updates its limit", () => {
  const slots = slotsFor("/tmp/molq-test-socket", 4);
  assert.equal(slotsFor("/tmp/molq-test-socket", 2), slots);
  assert.equal(slots.limit, 2);
  assert.notEqual(slotsFor("/tmp/molq-other-socket", 2), slots);
});
