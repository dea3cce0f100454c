/**
 * Opens (and creates, or migrates) a store file: the journal mode its file system allows
 * (WAL on a local disk, the rollback journal on a network file system shared by hosts), a
 * busy timeout, private permissions, a backup before any migration, and a clear refusal of
 * files molq cannot use.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { dirname } from "../core/paths.ts";
import { MolqError } from "../core/errors.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
import type { FileSystemInfo } from "./file_system.ts";
import { rememberFileSystem, storeFileSystem } from "./file_system_memo.ts";

/** How a store is kept, and why: shown by `molq doctor`, warnings printed by the CLI. */
export interface StoreJournal {
  /** The file system of the store's directory, or why it could not be told. */
  fileSystem: FileSystemInfo | string;
  /** SQLite's journal mode in use: `wal` or `delete`. */
  mode: string;
  warnings: string[];
}

export const BUSY_TIMEOUT_MS = 30_000;
/** The first schema version with the store_meta table. */
const STORE_META_VERSION = 3;
/** store_meta key: the host that migrated a store from before hosts were recorded. */
export const LEGACY_LOCAL_HOST_KEY = "legacy_local_host";

export function openDatabase(path: string): { db: DatabaseSync; journal: StoreJournal } {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const isNew = !fileExists(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new MolqError(`Cannot open the molq store ${path}: ${reason(error)}.`);
  }
  try {
    if (isNew) Deno.chmodSync(path, 0o600);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = readVersion(db, path);
    if (version > SCHEMA_VERSION) {
      throw new MolqError(
        `The molq store ${path} was written by a newer molq (schema version ${version}; this molq knows up to ${SCHEMA_VERSION}): upgrade molq to use it.`,
      );
    }
    const lookup = storeFileSystem(db, dir, version >= STORE_META_VERSION);
    const journal = chooseJournal(db, path, lookup.fileSystem);
    db.exec("PRAGMA foreign_keys = ON");
    if (version < SCHEMA_VERSION) migrate(db, path, version);
    rememberFileSystem(db, lookup);
    return { db, journal };
  } catch (error) {
    db.close();
    if (error instanceof MolqError) throw error;
    throw new MolqError(`Cannot use the molq store ${path}: ${reason(error)}.`);
  }
}

/**
 * WAL's index is shared memory, which other hosts cannot see: on a network file system (or
 * one molq cannot identify) the store uses the rollback journal with full syncs. A WAL
 * store found there is switched when molq gets the file to itself, else used with a warning.
 */
function chooseJournal(
  db: DatabaseSync,
  path: string,
  fileSystem: FileSystemInfo | string,
): StoreJournal {
  const warnings: string[] = [];
  const shared = typeof fileSystem === "string" || fileSystem.network;
  if (typeof fileSystem === "string") {
    warnings.push(
      `Cannot tell which file system holds the molq store ${path} (${fileSystem}); using SQLite's rollback journal, which is safe everywhere.`,
    );
  } else if (fileSystem.hostLocalLocks.length > 0) {
    warnings.push(
      `WARNING: the molq store ${path} is on ${fileSystem.fsType} mounted with ${
        fileSystem.hostLocalLocks.join(", ")
      }, so its locks are not seen by other hosts: run molq from one host only, or set MOLQ_HOME to a directory on a file system with shared locks.`,
    );
  }
  if (!shared) {
    enableWal(db);
    db.exec("PRAGMA synchronous = NORMAL");
    return { fileSystem, mode: "wal", warnings };
  }
  db.exec("PRAGMA synchronous = FULL");
  if (journalMode(db) === "wal" && !leaveWal(db)) {
    const where = typeof fileSystem === "string"
      ? "an unidentified file system"
      : fileSystem.fsType;
    warnings.push(
      `The molq store ${path} is in WAL mode on ${where}, which is unsafe when several hosts use it; stop every other molq using it (cron, monitors, on every host) and run any molq command to switch it.`,
    );
    return { fileSystem, mode: "wal", warnings };
  }
  return { fileSystem, mode: journalMode(db), warnings };
}

function journalMode(db: DatabaseSync): string {
  return (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode
    .toLowerCase();
}

/** Switches a WAL store to the rollback journal; false while another connection has it open. */
function leaveWal(db: DatabaseSync): boolean {
  try {
    db.exec("PRAGMA journal_mode = DELETE");
    return journalMode(db) !== "wal";
  } catch {
    return false;
  }
}

/**
 * WAL is a property of the file, set once by whoever creates it. Switching to it needs
 * the file to itself, and SQLite does not wait for that (no busy handler), so when many
 * molq processes create a store at the same moment the losers retry briefly.
 */
function enableWal(db: DatabaseSync): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let delayMs = 5;; delayMs = Math.min(delayMs * 2, 200)) {
    try {
      const row = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
      if (row.journal_mode.toLowerCase() !== "wal") db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!/locked|busy/i.test(reason(error)) || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
    }
  }
}

function readVersion(db: DatabaseSync, path: string): number {
  try {
    // One statement, one snapshot: another molq creating this store at the same moment
    // commits its tables and its version together, and we must see both or neither.
    const row = db.prepare(
      `SELECT (SELECT user_version FROM pragma_user_version) AS version,
              (SELECT count(*) FROM sqlite_master) AS tables`,
    ).get() as { version: number; tables: number };
    // A non-empty file without our version is someone else's database.
    if (row.version === 0 && row.tables > 0) {
      throw new MolqError(`The file ${path} is an SQLite database, but not a molq store.`);
    }
    return row.version;
  } catch (error) {
    if (error instanceof MolqError) throw error;
    const why = reason(error);
    // Only SQLITE_NOTADB means "someone else's file"; a full disk or a read-only directory
    // (unable to open, I/O error) and a damaged store must not read as one.
    if (/not a database/.test(why)) {
      throw new MolqError(`The file ${path} is not a molq store (${why}).`);
    }
    if (/malformed|corrupt/.test(why)) {
      throw new MolqError(
        `The molq store ${path} is damaged (${why}): restore a backup or move it aside.`,
      );
    }
    throw new MolqError(`Cannot read the molq store ${path}: ${why}.`);
  }
}

function migrate(db: DatabaseSync, path: string, from: number): void {
  if (from > 0) backup(db, path, from);
  db.exec("BEGIN IMMEDIATE");
  try {
    // Another process may have migrated while we waited for the write lock.
    const current = (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version;
    for (let version = current; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]!);
    if (current > 0 && current < 3) {
      // Local jobs recorded before molq tracked hosts: the host that upgrades the store
      // judges the ones no other host proves to be running (see README, "Many login nodes").
      db.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES (?, ?)").run(
        LEGACY_LOCAL_HOST_KEY,
        Deno.hostname(),
      );
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw new MolqError(`Cannot migrate the molq store ${path}: ${reason(error)}.`);
  }
}

/**
 * A consistent copy beside the store, made before its schema changes. `VACUUM INTO` needs
 * ATTACH, which Deno allows only with every permission, so the copy is made row by row
 * inside one read transaction (a snapshot that concurrent writers cannot change).
 */
function backup(db: DatabaseSync, path: string, version: number): void {
  const target = `${path}.v${version}-${Date.now()}.bak`;
  Deno.writeFileSync(target, new Uint8Array(), { mode: 0o600, createNew: true });
  Deno.chmodSync(target, 0o600);
  const copy = new DatabaseSync(target);
  db.exec("BEGIN");
  try {
    const objects = db.prepare(
      `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL
        AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type = 'table' DESC`,
    ).all() as { type: string; name: string; sql: string }[];
    copy.exec("BEGIN");
    for (const { type, name, sql } of objects) {
      copy.exec(sql);
      if (type !== "table") continue;
      const rows = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`);
      rows.setReadBigInts(true);
      let insert: ReturnType<DatabaseSync["prepare"]> | undefined;
      for (const row of rows.iterate() as Iterable<Record<string, SQLInputValue>>) {
        const columns = Object.keys(row);
        insert ??= copy.prepare(
          `INSERT INTO "${name.replaceAll('"', '""')}" (${
            columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(", ")
          }) VALUES (${columns.map(() => "?").join(", ")})`,
        );
        insert.run(...Object.values(row));
      }
    }
    copy.exec(`PRAGMA user_version = ${version}`);
    copy.exec("COMMIT");
  } finally {
    db.exec("COMMIT");
    copy.close();
  }
}

export function ensurePrivateDir(path: string): void {
  try {
    Deno.mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new MolqError(`Cannot create the directory ${path}: ${reason(error)}.`);
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}
