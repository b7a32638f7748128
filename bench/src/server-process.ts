import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPgSchema, type PgSchema } from '@parley/db/testing';

const serverDir = fileURLToPath(new URL('../../apps/server', import.meta.url));
const floorEntry = fileURLToPath(new URL('../floor/server.ts', import.meta.url));

/** apps/server/dist/main.js, which `pnpm build` (or `pnpm bench`, first) makes. */
function builtEntry(): string {
  const entry = join(serverDir, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: run \`pnpm build\` first, or pass --from-source`);
  }
  return entry;
}

/** A running system under test: one or more processes on 127.0.0.1. */
export interface Running {
  /** Base URLs (http://127.0.0.1:port), one per instance. */
  urls: string[];
  pids: number[];
  stop(): Promise<void>;
}

async function startProcess(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ready: (line: string) => string | undefined,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.at(-1)} did not start`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.at(-1)} exited with ${code}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const found = ready(line);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { url, child };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export interface ParleyOptions {
  jwtSecret: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  instances: number;
  /** SQLITE_SYNCHRONOUS of the server (durability vs. cost, see docs/benchmarks.md). */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** SEND_BATCH_WINDOW_MS (the server validates it); unset: the server's default. */
  sendBatchWindowMs?: string | undefined;
  /** Where each process writes a V8 CPU profile when it exits (`node --cpu-prof`). */
  profileDir?: string | undefined;
  /** Node and V8 flags for Parley's processes only (`--node-args`), e.g. a GC setting to try. */
  nodeArgs?: string[];
  /** METRICS_TOKEN, for a workload that reads /metrics (random otherwise). */
  metricsToken?: string;
  /** Run apps/server/src/main.ts through tsx instead of the production build (dist/main.js). */
  fromSource?: boolean;
}

/**
 * The real server as it is deployed (the production build, `node apps/server/dist/main.js`;
 * `pnpm bench` builds it first), or its source through tsx (`fromSource`), with the limits the
 * workloads need raised; `instances` processes share the database (and Redis, which they need
 * to talk).
 */
export async function startParley(options: ParleyOptions): Promise<Running> {
  // A fresh Redis prefix per start: nothing (presence, rate counters) leaks between phases.
  const prefix = `parley-bench-${randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: options.dataDir,
    JWT_SECRET: options.jwtSecret,
    SEND_RATE_LIMIT: '100000000',
    LOGIN_RATE_LIMIT: '100000000',
    OTP_IP_RATE_LIMIT: '100000000',
    REGISTER_RATE_LIMIT: '100000000',
    // Every bench client comes from 127.0.0.1.
    WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    // Production requires it; only workloads that read /metrics pass their own.
    METRICS_TOKEN: options.metricsToken ?? randomBytes(16).toString('hex'),
    GROUP_MAX_MEMBERS: '10000',
    DATABASE_POOL_SIZE: '10',
    REDIS_PREFIX: prefix,
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  env.SQLITE_SYNCHRONOUS = options.sqliteSynchronous;
  if (options.sendBatchWindowMs !== undefined) env.SEND_BATCH_WINDOW_MS = options.sendBatchWindowMs;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  try {
    // One after the other: the first migrates, the others find the schema ready.
    for (let i = 0; i < options.instances; i++) {
      const { url, child } = await startProcess(
        [
          ...(options.nodeArgs ?? []),
          ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
          ...(options.fromSource ? ['--import', 'tsx', 'src/main.ts'] : [builtEntry()]),
        ],
        serverDir,
        env,
        (line) =>
          line.includes('parley listening') ? (JSON.parse(line) as { url: string }).url : undefined,
      );
      children.push(child);
      urls.push(url);
    }
  } catch (error) {
    await Promise.all(children.map(stopProcess));
    throw error;
  }
  return {
    urls,
    pids: children.map((c) => c.pid!),
    async stop() {
      await Promise.all(children.map(stopProcess));
    },
  };
}

/** The floor reference server (bench/floor/server.ts) on its own SQLite file. */
export async function startFloor(options: { jwtSecret: string; dbFile: string }): Promise<Running> {
  const { url, child } = await startProcess(
    ['--import', 'tsx', floorEntry],
    fileURLToPath(new URL('..', import.meta.url)),
    { JWT_SECRET: options.jwtSecret, FLOOR_DB: options.dbFile, PORT: '0' },
    (line) => (line.startsWith('{"floor"') ? (JSON.parse(line) as { url: string }).url : undefined),
  );
  return { urls: [url], pids: [child.pid!], stop: () => stopProcess(child) };
}

export async function tempDir(tag: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `parley-bench-${tag}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL schema for this run (as the test suites make them), dropped at the end. */
export function pgSchema(baseUrl: string): Promise<PgSchema> {
  return createPgSchema(baseUrl, 'bench');
}
