/** The machine something runs on: its name, and a boot id that changes when it restarts. */
export interface HostIdentity {
  hostname: string;
  /** Linux's boot_id, the boot time elsewhere; null where the system offers neither. */
  bootId: string | null;
}

/** `NAME BOOT_ID` as the job wrapper writes it; the boot id may be absent. */
export function parseHostLine(line: string): HostIdentity {
  const [hostname = "", ...boot] = line.trim().split(" ");
  return { hostname, bootId: boot.join(" ") || null };
}
