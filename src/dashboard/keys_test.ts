import assert from "node:assert/strict";
import { idFor, NOW, sampleJobs } from "./_fixtures.ts";
import { decodeKeys, type Effect, type Key, onKey } from "./keys.ts";
import { applyRecords, type DashboardState, initialState } from "./state.ts";

function loaded(): DashboardState {
  return applyRecords(initialState("t", NOW, 24), sampleJobs());
}

/** Presses keys in order; returns the final state and every effect. */
function press(
  state: DashboardState,
  ...keys: Key[]
): { state: DashboardState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const key of keys) {
    const result = onKey(state, key);
    state = result.state;
    if (result.effect) effects.push(result.effect);
  }
  return { state, effects };
}

const selected = (state: DashboardState) => state.selectedId?.slice(0, 4);

Deno.test("decodeKeys() decodes arrows in CSI and SS3 form, with modifiers", () => {
  assert.deepEqual(decodeKeys("\x1b[A\x1b[B\x1b[C\x1b[D"), ["up", "down", "right", "left"]);
  assert.deepEqual(decodeKeys("\x1bOA\x1bOB"), ["up", "down"]);
  assert.deepEqual(decodeKeys("\x1b[1;5A"), ["up"]);
});

Deno.test("decodeKeys() decodes PgUp/PgDn and every Home/End variant", () => {
  assert.deepEqual(decodeKeys("\x1b[5~\x1b[6~"), ["pageup", "pagedown"]);
  assert.deepEqual(decodeKeys("\x1b[H\x1b[1~\x1b[7~\x1bOH"), ["home", "home", "home", "home"]);
  assert.deepEqual(decodeKeys("\x1b[F\x1b[4~\x1b[8~\x1bOF"), ["end", "end", "end", "end"]);
  assert.deepEqual(decodeKeys("\x1b[3~"), ["delete"]);
});

Deno.test("decodeKeys() decodes Ctrl-C, Enter, Esc, Backspace and text", () => {
  assert.deepEqual(decodeKeys(new Uint8Array([0x03])), ["ctrl-c"]);
  assert.deepEqual(decodeKeys("\r"), ["enter"]);
  assert.deepEqual(decodeKeys("\n"), ["enter"]);
  assert.deepEqual(decodeKeys("\x1b"), ["escape"]);
  assert.deepEqual(decodeKeys("\x7f\x08"), ["backspace", "backspace"]);
  assert.deepEqual(decodeKeys("\x15"), ["ctrl-u"]);
  assert.deepEqual(decodeKeys("q/ é"), ["q", "/", " ", "é"]);
  assert.deepEqual(decodeKeys(new TextEncoder().encode("jk😀")), ["j", "k", "😀"]);
  assert.deepEqual(decodeKeys("\x1bx"), ["escape", "x"], "Alt-x reads as Esc then x");
});

Deno.test("onKey() moves with arrows, j/k, PgUp/PgDn, Home/End and stops at the ends", () => {
  const state = loaded();
  assert.equal(selected(press(state, "down").state), "bbbb");
  assert.equal(selected(press(state, "j", "j", "k").state), "bbbb");
  assert.equal(selected(press(state, "up").state), "aaaa");
  assert.equal(selected(press(state, "end").state), "eeee");
  assert.equal(selected(press(state, "end", "home").state), "aaaa");
  assert.equal(selected(press(state, "G", "g").state), "aaaa");
  assert.equal(selected(press(state, "pagedown").state), "eeee");
  assert.equal(selected(press(state, "pagedown", "pageup").state), "aaaa");
  assert.equal(selected(press(state, ...Array(20).fill("down")).state), "eeee");
});

Deno.test("onKey() keeps the selection by id when records are reapplied in another order", () => {
  let { state } = press(loaded(), "down", "down"); // cccc
  state = applyRecords(state, [...sampleJobs()].reverse());
  assert.equal(selected(state), "cccc");
  state = press(state, "down").state;
  assert.equal(selected(state), "bbbb", "moves from where the job is now");
});

Deno.test("onKey() expands an array with → / space / e and collapses with ←", () => {
  const onArray = press(loaded(), "down", "down", "down").state;
  assert.equal(press(onArray, "right").state.rows.length, 8);
  assert.equal(press(onArray, " ").state.rows.length, 8);
  assert.equal(press(onArray, "e", "e").state.rows.length, 5);
  const onTask = press(onArray, "right", "down").state;
  assert.equal(selected(onTask), "dd00");
  const back = press(onTask, "left").state;
  assert.equal(back.rows.length, 5);
  assert.equal(selected(back), "dddd");
});

Deno.test("onKey() filter prompt: typed text applies on Enter, Esc clears it", () => {
  let { state } = press(loaded(), "/", "e", "v", "a", "l", "x", "backspace");
  assert.deepEqual(state.prompt, { kind: "filter", text: "eval" });
  assert.equal(state.rows.length, 5, "not applied while typing");
  state = press(state, "q").state;
  assert.deepEqual(state.prompt, { kind: "filter", text: "evalq" }, "q is text in the prompt");
  state = press(state, "backspace", "enter").state;
  assert.equal(state.prompt, null);
  assert.equal(state.textFilter, "eval");
  assert.deepEqual(state.rows.map((r) => r.record.jobId), [idFor("bbbb")]);
  const reopened = press(state, "/").state;
  assert.deepEqual(reopened.prompt, { kind: "filter", text: "eval" }, "edits the current filter");
  const cleared = press(reopened, "escape").state;
  assert.equal(cleared.textFilter, "");
  assert.equal(cleared.prompt, null);
  assert.equal(cleared.rows.length, 5);
  assert.equal(press(state, "escape").state.textFilter, "", "Esc in the list clears too");
});

Deno.test("onKey() s cycles the state filter and S goes back", () => {
  const { state } = press(loaded(), "s", "s");
  assert.equal(state.stateFilter, "queued");
  assert.equal(press(state, "S").state.stateFilter, "running");
});

Deno.test("onKey() cancel asks for confirmation: y cancels, anything else does not", () => {
  const asked = press(loaded(), "c").state;
  assert.deepEqual(asked.prompt, { kind: "confirmCancel", jobId: idFor("aaaa") });
  const yes = press(asked, "y");
  assert.deepEqual(yes.effects, [{ kind: "cancel", jobId: idFor("aaaa") }]);
  assert.equal(yes.state.prompt, null);
  assert.equal(yes.state.message?.text, "Cancelling job aaaa0000…");
  for (const key of ["n", "escape", "q", "enter"]) {
    const no = press(asked, key);
    assert.deepEqual(no.effects, [], `${key} does not cancel or quit`);
    assert.equal(no.state.prompt, null);
    assert.equal(no.state.message?.text, "Job aaaa0000 was not cancelled.");
  }
});

Deno.test("onKey() refuses to cancel a finished job without asking", () => {
  const { state, effects } = press(loaded(), "down", "down", "c"); // cccc failed
  assert.equal(state.prompt, null);
  assert.deepEqual(effects, []);
  assert.deepEqual(state.message, {
    text: "Cannot cancel job cccc0000: it has already finished (failed).",
    error: true,
  });
  assert.equal(press(state, "down").state.message, null, "the next key clears the message");
});

Deno.test("onKey() quits on q and Ctrl-C, even from a prompt (Ctrl-C)", () => {
  assert.deepEqual(press(loaded(), "q").effects, [{ kind: "quit" }]);
  assert.deepEqual(press(loaded(), "ctrl-c").effects, [{ kind: "quit" }]);
  assert.deepEqual(press(loaded(), "/", "ctrl-c").effects, [{ kind: "quit" }]);
  assert.deepEqual(press(loaded(), "c", "ctrl-c").effects, [{ kind: "quit" }]);
});

Deno.test("onKey() help: ? opens it and any key closes it without acting", () => {
  const open = press(loaded(), "?").state;
  assert.equal(open.showHelp, true);
  const closed = press(open, "q");
  assert.equal(closed.state.showHelp, false);
  assert.deepEqual(closed.effects, [], "q closes the help first");
});

Deno.test("onKey() Enter opens the detail with a load effect; l switches stream; Esc returns", () => {
  const detail = press(loaded(), "down", "enter");
  assert.equal(detail.state.view, "detail");
  assert.equal(detail.state.detail?.jobId, idFor("bbbb"));
  assert.deepEqual(detail.effects, [{ kind: "loadDetail", jobId: idFor("bbbb") }]);
  const stderr = press(detail.state, "l");
  assert.equal(stderr.state.detail?.stream, "stderr");
  assert.deepEqual(stderr.effects, [{ kind: "loadDetail", jobId: idFor("bbbb") }]);
  const back = press(stderr.state, "escape").state;
  assert.equal(back.view, "list");
  assert.equal(back.detail, null);
  assert.equal(selected(back), "bbbb");
  assert.deepEqual(press(loaded(), "r").effects, [{ kind: "refresh" }]);
});

Deno.test("onKey() Enter on an empty list does nothing", () => {
  const empty = applyRecords(initialState("t", NOW), []);
  const result = onKey(empty, "enter");
  assert.equal(result.state.view, "list");
  assert.equal(result.effect, undefined);
});
