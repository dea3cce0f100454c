/**
 * Version and commit shown by `molq --version`. scripts/compile.sh rewrites the COMMIT line
 * (keep it one line, `export const COMMIT = "...";`) for a build and restores it afterwards.
 */
export const VERSION = "0.1.0";
export const COMMIT = "dev";
