/** Version and commit; scripts/compile.sh writes the commit for release builds. */
export const VERSION = "0.1.0";
export const COMMIT = "dev";
