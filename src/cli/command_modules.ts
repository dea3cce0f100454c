/**
 * Where each command is defined, imported only when that command runs (or shows its help),
 * so a command loads its own module and what it needs, never the others'.
 */
import type { Command } from "./command_line/mod.ts";
import type { CliContext } from "./context.ts";

type Context = () => CliContext;

export const COMMAND_MODULES: Record<string, (context: Context) => Promise<Command>> = {
  submit: async (c) => (await import("./commands/submit.ts")).submitCommand(c),
  list: async (c) => (await import("./commands/list.ts")).listCommand(c),
  history: async (c) => (await import("./commands/history.ts")).historyCommand(c),
  status: async (c) => (await import("./commands/status.ts")).statusCommand(c),
  inspect: async (c) => (await import("./commands/inspect.ts")).inspectCommand(c),
  report: async (c) => (await import("./commands/report.ts")).reportCommand(c),
  logs: async (c) => (await import("./commands/logs.ts")).logsCommand(c),
  watch: async (c) => (await import("./commands/watch.ts")).watchCommand(c),
  cancel: async (c) => (await import("./commands/cancel.ts")).cancelCommand(c),
  refresh: async (c) => (await import("./commands/refresh.ts")).refreshCommand(c),
  daemon: async (c) => (await import("./commands/daemon.ts")).daemonCommand(c),
  clusters: async (c) => (await import("./commands/clusters.ts")).clustersCommand(c),
  connect: async (c) => (await import("./commands/connect.ts")).connectCommand(c),
  disconnect: async (c) => (await import("./commands/connect.ts")).disconnectCommand(c),
  cleanup: async (c) => (await import("./commands/cleanup.ts")).cleanupCommand(c),
  monitor: async (c) => (await import("./commands/monitor.ts")).monitorCommand(c),
  config: async (c) => (await import("./commands/config.ts")).configCommand(c),
  doctor: async (c) => (await import("./commands/doctor.ts")).doctorCommand(c),
  import: async (c) => (await import("./commands/import.ts")).importCommand(c),
  completions: async (c) => (await import("./commands/completions.ts")).completionsCommand(c),
};
