/**
 * Simulated `bjobs [-a] -o 'fields [delimiter="|"]' [-noheader] [-json] ID...`. Finished
 * jobs are listed only with `-a` and only for LSF_SIM_CLEAN_PERIOD seconds; unknown ids
 * give `Job <ID> is not found` (on stderr, or as ERROR records with -json).
 */
import { splitWords } from "../common/directive_words.ts";
import { stateDir } from "../common/sim_state.ts";
import { formatJson, formatText, isField, type Row } from "./lsf_format.ts";
import {
  cleanedUp,
  elementViews,
  isFinished,
  loadJob,
  parseJobRef,
  selectElements,
} from "./lsf_model.ts";

const args = [...Deno.args];
let all = false;
let json = false;
let header = true;
let format = "jobid stat queue job_name";
const ids: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === "-a") all = true;
  else if (arg === "-json") json = true;
  else if (arg === "-noheader") header = false;
  else if (arg === "-o") format = args[++i] ?? "";
  else if (arg === "-w" || arg === "-l") continue;
  else if (arg.startsWith("-")) fail(`bjobs: illegal option -- ${arg.slice(1)}`);
  else ids.push(arg);
}
if (json && !header) fail("bjobs: -json cannot be used with -noheader");

let delimiter = " ";
const fields: string[] = [];
for (const word of splitWords(format)) {
  const match = /^delimiter=(.*)$/.exec(word);
  if (match) delimiter = match[1]!;
  else if (isField(word)) fields.push(word);
  else fail(`${word}: Illegal field name`);
}

const state = stateDir();
const now = Date.now();
const rows: Row[] = [];
let notFound = false;
for (const text of ids) {
  const ref = parseJobRef(text);
  const job = ref ? loadJob(state, ref.id) : undefined;
  const selected = job && ref
    ? selectElements(job, ref.index, elementViews(state, job))
    : undefined;
  const shown = (selected ?? []).filter((v) => !cleanedUp(v, now) && (all || !isFinished(v)));
  if (!job || shown.length === 0) {
    rows.push({ error: `Job <${text}> is not found` });
    notFound = true;
    continue;
  }
  for (const view of shown) rows.push({ job, view });
}

if (json) {
  console.log(formatJson(rows, fields));
} else {
  const text = formatText(rows, fields, delimiter, header);
  if (text) console.log(text);
  for (const row of rows) if ("error" in row) console.error(row.error);
}
Deno.exit(notFound ? 255 : 0);

function fail(message: string): never {
  console.error(message);
  Deno.exit(255);
}
