/**
 * What `detectFileSystem` said about a store's directory, remembered in the store per host
 * for an hour: reading the mount table costs a process (Deno reads /proc only with every
 * permission), a few milliseconds of every command. The memo holds only while the
 * directory is the same one (its device and inode), so a store moved or a file system
 * mounted over it is looked at afresh.
 */
import type { DatabaseSync } from "node:sqlite";
import { detectFileSystem, type FileSystemInfo } from "./file_system.ts";

export const FILE_SYSTEM_MEMO_MS = 3_600_000;

interface Memo {
  dev: number;
  ino: number;
  at: number;
  fileSystem: FileSystemInfo;
}

const key = () => `file_system@${Deno.hostname()}`;

/** What `storeFileSystem` found, for `rememberFileSystem` when it was detected afresh. */
export interface FileSystemLookup {
  fileSystem: FileSystemInfo | string;
  memo: boolean;
  identity: { dev: number; ino: number } | null;
}

/** The directory's file system: remembered (`memo: true`), else detected now. */
export function storeFileSystem(
  db: DatabaseSync,
  dir: string,
  hasMeta: boolean,
  now = Date.now(),
): FileSystemLookup {
  const identity = directoryIdentity(dir);
  if (hasMeta && identity) {
    try {
      const row = db.prepare("SELECT value FROM store_meta WHERE key = ?").get(key());
      const memo = row ? JSON.parse(String(row.value)) as Memo : null;
      if (
        memo && memo.dev === identity.dev && memo.ino === identity.ino &&
        now - memo.at >= 0 && now - memo.at < FILE_SYSTEM_MEMO_MS
      ) {
        return { fileSystem: memo.fileSystem, memo: true, identity };
      }
    } catch {
      // An unreadable memo is no memo.
    }
  }
  return { fileSystem: detectFileSystem(dir), memo: false, identity };
}

/** Remembers a file system detected afresh; a store that cannot be written keeps no memo. */
export function rememberFileSystem(
  db: DatabaseSync,
  { fileSystem, memo: remembered, identity }: FileSystemLookup,
  now = Date.now(),
): void {
  if (remembered || typeof fileSystem === "string" || !identity) return;
  const memo: Memo = { ...identity, at: now, fileSystem };
  try {
    db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)").run(
      key(),
      JSON.stringify(memo),
    );
  } catch {
    // Read-only or busy: the next command looks again.
  }
}

function directoryIdentity(dir: string): { dev: number; ino: number } | null {
  try {
    const info = Deno.statSync(dir);
    return info.ino === null ? null : { dev: info.dev, ino: info.ino };
  } catch {
    return null;
  }
}
