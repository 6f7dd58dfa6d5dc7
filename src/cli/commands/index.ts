import type { Command } from '../command.js';

// Every command, in the order help lists them. Each module is loaded only when its command runs (or for help), so
// `camaudit identify` does not load fastify.
export const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./scan.js')).scanCommand,
  listen: async () => (await import('./listen.js')).listenCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  export: async () => (await import('./export.js')).exportCommand,
  identify: async () => (await import('./identify.js')).identifyCommand,
  import: async () => (await import('./import.js')).importCommand,
  devices: async () => (await import('./devices.js')).devicesCommand,
  device: async () => (await import('./device.js')).deviceCommand,
  scans: async () => (await import('./scans.js')).scansCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  agent: async () => (await import('./agent.js')).agentCommand,
  token: async () => (await import('./token.js')).tokenCommand,
};

/** `camaudit --help`: every command with every option. README "Usage" holds this text word for word. */
export async function overviewHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return [
    'camaudit: find network cameras, tell which are Hikvision or Dahua hardware under any brand.',
    '',
    ...commands.flatMap((command) => [command.synopsis(), `    ${command.summary}`]),
    '',
    '"camaudit COMMAND --help" describes each option of a command. Flags win over CAMAUDIT_* variables, variables',
    'over defaults. Logs go to stderr (CAMAUDIT_LOG_LEVEL=info|debug).',
  ].join('\n');
}
