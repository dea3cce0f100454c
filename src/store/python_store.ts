/**
 * Reads a store of the Python molq (schema 7 and 8) strictly read-only: the file is never
 * written, and nothing is created beside it. With the log and index of a running Python
 * molq beside it, it is opened read-only as one more reader of those files; otherwise a
 * private copy of it (and of a log a crashed writer left) is opened read-only.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "../core/paths.ts";
import { MolqError } from "../core/errors.ts";

export const PYTHON_SCHEMA_VERSIONS: readonly number[] = [7, 8];

export interface PythonJobRow {
  job_id: string;
  cluster_name: string;
  scheduler: string;
  root_job_id: string | null;
  attempt: number | null;
  previous_attempt_job_id: string | null;
  retry_group_id: string | null;
  scheduler_job_id: string | null;
  state: string;
  command_type: string;
  command_display: string;
  cwd: string;
  submitted_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  last_polled: number | null;
  exit_code: number | null;
  failure_reason: string | null;
  metadata: string | null;
  request_json: string | null;
  profile_name: string | null;
  cleaned_at: number | null;
}

export interface PythonTransitionRow {
  id: number;
  job_id: string;
  old_state: string | null;
  new_state: string;
  timestamp: number;
  reason: string | null;
}

export interface PythonDependencyRow {
  job_id: string;
  dependency_job_id: string;
  dependency_type: string;
  scheduler_dependency: string | null;
}

export interface PythonStoreContents {
  schemaVersion: number;
  jobs: PythonJobRow[];
  transitions: PythonTransitionRow[];
  dependencies: PythonDependencyRow[];
}

const JOB_COLUMNS = [
  "job_id",
  "cluster_name",
  "scheduler",
  "root_job_id",
  "attempt",
  "previous_attempt_job_id",
  "retry_group_id",
  "scheduler_job_id",
  "state",
  "command_type",
  "command_display",
  "cwd",
  "submitted_at",
  "started_at",
  "finished_at",
  "last_polled",
  "exit_code",
  "failure_reason",
  "metadata",
  "request_json",
  "profile_name",
  "cleaned_at",
];
const OPTIONAL_JOB_COLUMNS = new Set(["profile_name", "cleaned_at", "retry_group_id"]);
const REQUIRED_TABLES = ["molq_meta", "jobs", "status_transitions", "job_dependencies"];

/** Every job, transition and dependency of a Python molq store; refuses anything else. */
export function readPythonStore(path: string): PythonStoreContents {
  const size = fileSize(path);
  checkHeader(path, size);
  const { db, done } = openReadOnly(path);
  try {
    const damage = quickCheck(db);
    if (damage !== null) {
      throw new MolqError(
        `Cannot import ${path}: the database is damaged (${damage}); copy it again from a complete source.`,
      );
    }
    const tables = tableNames(db);
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      const ours = tables.has("transitions") && userVersion(db) > 0;
      throw new MolqError(
        ours
          ? `Cannot import ${path}: it is a store of this molq, not of the Python molq.`
          : `Cannot import ${path}: it is an SQLite database, but not a store of the Python molq (no ${
            missing.join(", ")
          } table).`,
      );
    }
    const schemaVersion = readSchemaVersion(db, path);
    const columns = new Set(
      (db.prepare("SELECT name FROM pragma_table_info('jobs')").all() as { name: string }[])
        .map((c) => c.name),
    );
    const absent = JOB_COLUMNS.filter((c) => !columns.has(c) && !OPTIONAL_JOB_COLUMNS.has(c));
    if (absent.length > 0) {
      throw new MolqError(
        `Cannot import ${path}: its jobs table lacks ${
          absent.join(", ")
        }, so it is not a store of the Python molq 0.3 to 0.8.`,
      );
    }
    const select = JOB_COLUMNS.map((c) => (columns.has(c) ? c : `NULL AS ${c}`)).join(", ");
    return {
      schemaVersion,
      jobs: db.prepare(`SELECT ${select} FROM jobs ORDER BY rowid`)
        .all() as unknown as PythonJobRow[],
      transitions: db.prepare(
        "SELECT id, job_id, old_state, new_state, timestamp, reason FROM status_transitions ORDER BY id",
      ).all() as unknown as PythonTransitionRow[],
      dependencies: db.prepare(
        "SELECT job_id, dependency_job_id, dependency_type, scheduler_dependency FROM job_dependencies ORDER BY id",
      ).all() as unknown as PythonDependencyRow[],
    };
  } catch (error) {
    if (error instanceof MolqError) throw error;
    throw new MolqError(`Cannot import ${path}: ${reason(error)}.`);
  } finally {
    done();
  }
}

/**
 * How many jobs the Python molq store at `path` holds, or null when the file is missing or
 * is anything else (never throws): for the hints that point at `molq import`.
 */
export function pythonStoreJobCount(path: string): number | null {
  try {
    const size = fileSize(path);
    checkHeader(path, size);
    const { db, done } = openReadOnly(path);
    try {
      const tables = tableNames(db);
      if (!REQUIRED_TABLES.every((t) => tables.has(t))) return null;
      return Number((db.prepare("SELECT count(*) AS n FROM jobs").get() as { n: number }).n);
    } finally {
      done();
    }
  } catch {
    return null;
  }
}

/** Whether the file's SQLite header has user_version 0, which every molq store of ours sets. */
export function hasNoMolqVersion(path: string): boolean {
  try {
    const header = readHeader(path);
    return header !== null && isSqliteHeader(header) && view(header).getUint32(60) === 0;
  } catch {
    return false;
  }
}

/** The Python molq's own store: `$MOLCRAFTS_HOME/molq/config/jobs.db` (~/.molcrafts by default). */
export function pythonStorePath(
  env: (name: string) => string | undefined = Deno.env.get,
): string | null {
  const base = env("MOLCRAFTS_HOME") || (env("HOME") ? join(env("HOME")!, ".molcrafts") : null);
  return base === null ? null : join(base, "molq", "config", "jobs.db");
}

function fileSize(path: string): number {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "no such file" : reason(error);
    throw new MolqError(`Cannot import ${path}: ${why}.`);
  }
  if (!info.isFile) throw new MolqError(`Cannot import ${path}: it is not a file.`);
  return info.size;
}

const MAGIC = "SQLite format 3\0";

function readHeader(path: string): Uint8Array | null {
  const file = Deno.openSync(path, { read: true });
  try {
    const header = new Uint8Array(100);
    let filled = 0;
    while (filled < header.length) {
      const n = file.readSync(header.subarray(filled));
      if (n === null || n === 0) break;
      filled += n;
    }
    return filled === header.length ? header : null;
  } finally {
    file.close();
  }
}

function isSqliteHeader(header: Uint8Array): boolean {
  return new TextDecoder().decode(header.subarray(0, 16)) === MAGIC;
}

function view(header: Uint8Array): DataView {
  return new DataView(header.buffer, header.byteOffset, header.byteLength);
}

/** Refuses files that are not SQLite, and files shorter than their own header says. */
function checkHeader(path: string, size: number): void {
  const header = readHeader(path);
  if (header === null || !isSqliteHeader(header)) {
    throw new MolqError(
      header === null && size > 0 && startsWithMagic(path)
        ? `Cannot import ${path}: the file is truncated (${size} bytes, not even an SQLite header).`
        : `Cannot import ${path}: it is not an SQLite database, so not a store of the Python molq.`,
    );
  }
  const data = view(header);
  const rawPageSize = data.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = data.getUint32(28);
  // The page count is trustworthy when its "valid for" counter matches the change counter.
  const countValid = data.getUint32(92) === data.getUint32(24) && pages > 0;
  if ((countValid && pages * pageSize > size) || size % pageSize !== 0) {
    throw new MolqError(
      `Cannot import ${path}: the file is truncated (${size} bytes${
        countValid ? ` of ${pages * pageSize}` : ""
      }); copy it again from a complete source.`,
    );
  }
}

function startsWithMagic(path: string): boolean {
  const bytes = Deno.readFileSync(path).subarray(0, 16);
  return bytes.length > 0 && MAGIC.startsWith(new TextDecoder().decode(bytes));
}

function openReadOnly(path: string): { db: DatabaseSync; done: () => void } {
  const walSize = sizeOrZero(`${path}-wal`);
  if (walSize > 0 && sizeOrZero(`${path}-shm`) > 0) {
    // A Python molq has the store open (or left both files): read it as one more reader of
    // its log and index, which creates nothing.
    const db = new DatabaseSync(path, { readOnly: true });
    return { db, done: () => db.close() };
  }
  // Otherwise SQLite would create a log and an index beside the source (a WAL database
  // opened read-only does), so read a private copy of the file and of any log left behind.
  // (URI filenames such as `immutable=1` do not reach SQLite through Deno's permissions.)
  const dir = Deno.makeTempDirSync({ prefix: "molq-import-" });
  const done = () => Deno.removeSync(dir, { recursive: true });
  try {
    const copy = join(dir, "jobs.db");
    Deno.copyFileSync(path, copy);
    if (walSize > 0) Deno.copyFileSync(`${path}-wal`, `${copy}-wal`);
    const db = new DatabaseSync(copy, { readOnly: true });
    return {
      db,
      done: () => {
        db.close();
        done();
      },
    };
  } catch (error) {
    done();
    throw error;
  }
}

function sizeOrZero(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function quickCheck(db: DatabaseSync): string | null {
  try {
    const rows = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
    const first = rows[0]?.quick_check ?? "no answer";
    return first === "ok" ? null : first;
  } catch (error) {
    return reason(error);
  }
}

function tableNames(db: DatabaseSync): Set<string> {
  return new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
      .map((t) => t.name),
  );
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

function readSchemaVersion(db: DatabaseSync, path: string): number {
  const row = db.prepare("SELECT value FROM molq_meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  const version = Number(row?.value);
  if (!PYTHON_SCHEMA_VERSIONS.includes(version)) {
    throw new MolqError(
      `Cannot import ${path}: it has Python molq schema version ${
        row?.value ?? "(none)"
      }, and molq imports versions ${PYTHON_SCHEMA_VERSIONS.join(" and ")}.`,
    );
  }
  return version;
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}
