/**
 * Pointers to `molq import` for users of the Python molq: a Python store where molq keeps
 * its own (versions up to 0.4 used `~/.molq/jobs.db` too) is refused with the way forward,
 * and an empty store says where the Python molq's jobs are.
 */
import { MolqError, UsageError } from "../core/errors.ts";
import { hasNoMolqVersion, pythonStoreJobCount, pythonStorePath } from "../store/python_store.ts";
import type { JobStore } from "../store/job_store.ts";

/** Called before molq opens its store: a Python store there is refused, naming `molq import`. */
export function refusePythonStoreAt(path: string): void {
  // A header read first: only a file without molq's schema version is opened to look.
  if (!hasNoMolqVersion(path) || pythonStoreJobCount(path) === null) return;
  throw new MolqError(
    `The file ${path} is a store of the Python molq, not of this molq: move it aside and import its jobs (mv ${path} ${path}.python && molq import ${path}.python).`,
  );
}

/** One sentence about the Python molq's jobs when this store has none and that store has some. */
export function pythonStoreNote(store: JobStore): string | null {
  if (store.prepare("SELECT 1 FROM jobs LIMIT 1").get() !== undefined) return null;
  const path = pythonStorePath();
  const count = path === null ? null : pythonStoreJobCount(path);
  if (path === null || count === null || count === 0) return null;
  return `The Python molq's store ${path} holds ${count} jobs: \`molq import ${path}\` brings them here.`;
}

/** Adds that sentence as the hint of an "Unknown job" error. */
export function withPythonStoreHint<T>(context: { store: JobStore }, lookup: () => T): T {
  try {
    return lookup();
  } catch (error) {
    if (!(error instanceof UsageError) || !error.message.startsWith("Unknown job")) throw error;
    const note = pythonStoreNote(context.store);
    if (note === null) throw error;
    throw new UsageError(error.message, note);
  }
}
