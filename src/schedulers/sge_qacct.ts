/**
 * Grid Engine accounting (`qacct -j`): records separated by a line of `=`, then
 * `key value` lines. Values come in two unit styles (SoGE 8.1: `43s`, `5.867MB`; older
 * SGE and Univa: bare `404.182`, `12.096G`) and two date styles (ctime `Tue Dec  1
 * 23:47:44 2026` on SGE/SoGE, `12/01/2026 23:47:44.283` on Univa/Altair).
 */

export interface QacctRecord {
  jobNumber: string;
  /** The array task index; null for a plain job (`undefined` in qacct). */
  taskId: string | null;
  /** 0 = ran and ended by itself; anything else is Grid Engine's failure code. */
  failed: number;
  /** The text after the code (`assumedly after job`), or null. */
  failedText: string | null;
  /** The job's exit status (128 + signal for a signal); null when unreadable. */
  exitStatus: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  wallclockSeconds: number | null;
  cpuSeconds: number | null;
  maxvmemBytes: number | null;
  slots: number | null;
  /** Univa/Altair name who deleted a job (`deleted_by`); null elsewhere. */
  deletedBy: string | null;
}

const SEPARATOR = /^={20,}\s*$/;

export function parseQacctOutput(text: string): QacctRecord[] {
  const records: QacctRecord[] = [];
  let fields: Map<string, string> | null = null;
  const flush = () => {
    const record = fields && toRecord(fields);
    if (record) records.push(record);
  };
  for (const line of text.split("\n")) {
    if (SEPARATOR.test(line)) {
      flush();
      fields = new Map();
      continue;
    }
    const match = fields && /^(\w+)\s+(.*)$/.exec(line);
    if (match) fields!.set(match[1]!, match[2]!.trim());
  }
  flush();
  return records;
}

function toRecord(fields: Map<string, string>): QacctRecord | null {
  const jobNumber = fields.get("jobnumber");
  const failed = /^(\d+)\s*(?::\s*(.*))?$/.exec(fields.get("failed") ?? "");
  if (!jobNumber || !/^\d+$/.test(jobNumber) || !failed) return null;
  const taskId = fields.get("taskid") ?? "undefined";
  const exit = /^(-?\d+)/.exec(fields.get("exit_status") ?? "");
  const slots = fields.get("slots");
  const deletedBy = fields.get("deleted_by");
  return {
    jobNumber,
    taskId: /^\d+$/.test(taskId) && taskId !== "0" ? taskId : null,
    failed: Number(failed[1]),
    failedText: failed[2]?.trim() || null,
    exitStatus: exit ? Number(exit[1]) : null,
    startedAt: parseQacctDate(fields.get("start_time")),
    finishedAt: parseQacctDate(fields.get("end_time")),
    wallclockSeconds: parseQacctAmount(fields.get("ru_wallclock")),
    cpuSeconds: parseQacctAmount(fields.get("cpu")),
    maxvmemBytes: parseQacctAmount(fields.get("maxvmem")),
    slots: slots && /^\d+$/.test(slots) ? Number(slots) : null,
    deletedBy: deletedBy && deletedBy !== "NONE" ? deletedBy : null,
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Epoch ms of a qacct date in this host's local time; null for `-/-` and anything else. */
export function parseQacctDate(text: string | undefined): number | null {
  if (!text) return null;
  const ctime = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(text);
  if (ctime) {
    const month = MONTHS.indexOf(ctime[1]!);
    if (month < 0) return null;
    const [d, h, mi, s, y] = ctime.slice(2).map(Number) as number[];
    return new Date(y!, month, d!, h!, mi!, s!).getTime();
  }
  const univa = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?$/.exec(text);
  if (univa) {
    const [mo, d, y, h, mi, s] = univa.slice(1, 7).map(Number) as number[];
    const ms = Number((univa[7] ?? "0").padEnd(3, "0"));
    return new Date(y!, mo! - 1, d!, h!, mi!, s!, ms).getTime();
  }
  return null;
}

const BYTE_UNITS: Record<string, number> = {
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
};

/**
 * A qacct amount as a plain number: seconds (`43s`, `0.011s`, `404.182`) or bytes
 * (`5.867MB`, `12.096G`, `0.000B`; 1024-based, as Grid Engine prints them). Null when
 * unreadable.
 */
export function parseQacctAmount(text: string | undefined): number | null {
  const match = text && /^(\d+(?:\.\d+)?)\s*([KMGT]?B?|s)?$/i.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = (match[2] ?? "").toUpperCase();
  if (unit === "" || unit === "S") return value;
  const factor = BYTE_UNITS[unit];
  return factor === undefined ? null : Math.round(value * factor);
}

/** qacct's `-b` time (`[[CC]YY]MMDDhhmm[.SS]`) in this host's local time. */
export function qacctBeginTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${
    p(d.getMinutes())
  }.${p(d.getSeconds())}`;
}
