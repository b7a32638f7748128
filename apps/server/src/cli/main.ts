// `pnpm parley <command> [args]`: operations commands next to the server (same configuration,
// same environment). Each command is a module of its own in this folder, registered below.
import { ConfigError } from '../config.ts';

export interface Command {
  /** One line for `pnpm parley help`. */
  summary: string;
  usage: string;
  /** Resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<{ command: Command }>> = {
  admin: () => import('./admin.ts'),
  backup: () => import('./backup.ts'),
};

function help(): string {
  return [
    'Usage: pnpm parley <command> [args]   (production image: node apps/server/dist/cli.js ...)',
    '',
    'Commands:',
    ...Object.keys(commands).map((name) => `  ${name}`),
  ].join('\n');
}

const [name, ...args] = process.argv.slice(2);
const load = name ? commands[name] : undefined;
if (!load) {
  console.error(help());
  process.exit(name && name !== 'help' ? 64 : 0); // EX_USAGE
}
try {
  const { command } = await load();
  // Exit at once: a one-shot command must not wait on the SQLite checkpoint worker.
  process.exit(await command.run(args));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}
