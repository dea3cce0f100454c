/** Reading job logs as raw bytes: the last N lines, and new bytes since an offset. */

/** The last `lines` lines of a file (raw bytes; the file may hold anything). */
export function tailLines(path: string, lines: number): Uint8Array {
  const file = Deno.openSync(path, { read: true });
  try {
    const size = file.statSync().size;
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const bytes = readRange(file, start, size - start);
      const cut = lineStart(bytes, lines);
      if (cut > 0 || start === 0) return bytes.subarray(cut);
      chunk *= 4;
    }
  } finally {
    file.close();
  }
}

/** Offset of the first of the last `lines` lines (a final newline does not start a line). */
function lineStart(bytes: Uint8Array, lines: number): number {
  let seen = 0;
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (bytes[i] === 10 && ++seen === lines) return i + 1;
  }
  return 0;
}

export interface FollowState {
  offset: number;
  /** Inode identity, so a replaced file is read from its start. */
  ino: number | null;
}

/**
 * New bytes since `state.offset`; a missing file gives nothing yet, and a file that
 * shrank (truncated) or was replaced is read again from its start.
 */
export function readNew(path: string, state: FollowState): { bytes: Uint8Array; reset: boolean } {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return { bytes: new Uint8Array(), reset: false };
  }
  try {
    const stat = file.statSync();
    let reset = false;
    if (stat.size < state.offset || (state.ino !== null && stat.ino !== state.ino)) {
      state.offset = 0;
      reset = true;
    }
    state.ino = stat.ino;
    const bytes = readRange(file, state.offset, stat.size - state.offset);
    state.offset += bytes.length;
    return { bytes, reset };
  } finally {
    file.close();
  }
}

function readRange(file: Deno.FsFile, start: number, length: number): Uint8Array {
  const buffer = new Uint8Array(Math.max(0, length));
  file.seekSync(start, Deno.SeekMode.Start);
  let read = 0;
  while (read < buffer.length) {
    const n = file.readSync(buffer.subarray(read));
    if (n === null || n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
