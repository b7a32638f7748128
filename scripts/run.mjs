#!/usr/bin/env node
// `npm start` / `npm test` on a machine with only Node and npm: installs the workspace with
// the pinned pnpm (through npx when pnpm is missing), then runs the pnpm script of that name.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Pinned here rather than in package.json#packageManager: pnpm 12 would then try to manage
// its own version and fetch platform binaries that the registry does not publish.
const PNPM_VERSION = '12.21.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [task, ...args] = process.argv.slice(2);

const env = { ...process.env };
// Native modules (better-sqlite3) compile against the running Node's own headers when no
// prebuilt binary can be downloaded, instead of fetching headers from the internet.
const nodePrefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node.h'))) {
  env.npm_config_nodedir = nodePrefix;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (probe.status === 0 && probe.stdout.trim() === PNPM_VERSION) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
}

function run(argv) {
  const [cmd, ...rest] = [...pnpmCommand(), ...argv];
  const result = spawnSync(cmd, rest, {
    cwd: root,
    env,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(['install']);
run(['run', task, ...args]);
