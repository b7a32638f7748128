// `pnpm bench`: the floor reference and Parley back to back, same generator, same workloads.
// See `pnpm bench --help` and docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type Args, readArgs, type Workload } from './args.ts';
import { Pool } from './pool.ts';
import { rowsOf, table } from './report.ts';
import { pgSchema, type Running, tempDir } from './server-process.ts';
import {
  floorSystem,
  mapLimit,
  mintTokens,
  newUserIds,
  parleySystem,
  type System,
  seedParleyUsers,
} from './systems.ts';
import {
  type Built,
  build,
  type Ctx,
  catchupWorkload,
  fanoutWorkload,
  idleWorkload,
  layout,
  lightWorkload,
  maxWorkload,
  pairsStormWorkload,
  pairsWorkload,
  sdkWorkload,
  usersNeeded,
} from './workloads.ts';

const args: Args = readArgs(process.argv.slice(2));
const dialect = args.databaseUrl ? 'postgres' : 'sqlite';
const started = Date.now();
const loadAtStart = loadavg();
const log = (message: string) =>
  console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}`);

const jwtSecret = randomBytes(32).toString('base64url');
const data = await tempDir('run');
const schema = args.databaseUrl ? await pgSchema(args.databaseUrl) : null;
const pool = new Pool(args.workers);

const parley = parleySystem({
  jwtSecret,
  dataDir: data.path,
  databaseUrl: schema?.url,
  redisUrl: args.redisUrl,
  instances: args.instances,
  sqliteSynchronous: args.sqliteSynchronous,
  sendBatchWindowMs: args.sendBatchWindowMs,
  profileDir: args.profileDir,
  nodeArgs: [
    ...args.nodeArgs,
    ...(args.heapSnapshotsDir
      ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${args.heapSnapshotsDir}`]
      : []),
  ],
  fromSource: args.fromSource,
});
const systems: System[] = args.skipFloor
  ? [parley]
  : [floorSystem({ jwtSecret, dataDir: data.path }), parley];

const results: Record<string, Record<string, unknown>> = {};
const record = (workload: string, kind: string, value: unknown) => {
  results[workload] ??= {};
  results[workload][kind] = value;
};

let current: Running | null = null;
async function withServer<T>(sys: System, fn: (run: Running) => Promise<T>): Promise<T> {
  current = await sys.start();
  try {
    return await fn(current);
  } finally {
    await pool.closeAll().catch(() => undefined);
    await current.stop();
    current = null;
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping servers`);
    void (async () => {
      await current?.stop();
      await schema?.drop().catch(() => undefined);
      await data.remove();
      process.exit(130);
    })();
  });
}

try {
  const users = await mintTokens(jwtSecret, newUserIds(usersNeeded(args)));
  const lay = layout(args, users);
  const built = new Map<System, Built>();
  for (const sys of systems) {
    log(`${sys.kind}: setting up ${users.length} users and their conversations`);
    await withServer(sys, async (run) => {
      if (sys.kind === 'parley')
        await seedParleyUsers(
          { databaseUrl: schema?.url, dataDir: data.path },
          users.map((u) => u.id),
        );
      built.set(
        sys,
        await build(sys, run.urls[0]!, lay, (items, fn) => mapLimit(items, 8, (item) => fn(item))),
      );
    });
  }

  const run = async (
    workload: Workload,
    key: string,
    sys: System,
    fn: (ctx: Ctx) => Promise<unknown>,
  ) => {
    if (interrupted) return;
    log(`${key} [${sys.kind}]`);
    const value = await withServer(sys, (r) =>
      fn({ args, pool, sys, lay, built: built.get(sys)!, run: r }),
    );
    record(key, sys.kind, value);
    void workload;
  };

  for (const sys of systems) {
    // Nothing connected: the server as it starts.
    if (args.only.has('idle')) await run('idle', 'idle', sys, idleWorkload);
  }
  if (args.only.has('pairs'))
    for (const sys of systems) await run('pairs', 'pairs', sys, pairsWorkload);
  if (args.only.has('max')) for (const sys of systems) await run('max', 'max', sys, maxWorkload);
  if (args.only.has('fanout')) {
    for (const sys of systems) await run('fanout', 'fanout', sys, fanoutWorkload);
    for (const sys of systems) await run('fanout', 'pairsStorm', sys, pairsStormWorkload);
  }
  if (args.only.has('catchup'))
    for (const sys of systems) await run('catchup', 'catchup', sys, catchupWorkload);
  if (args.only.has('light')) {
    for (const sys of systems) await run('light', 'light', sys, (ctx) => lightWorkload(ctx, false));
    await run('light', 'lightSdk', parley, (ctx) => lightWorkload(ctx, true));
  }
  if (args.only.has('sdk')) {
    await run('sdk', 'sdkAcksOn', parley, (ctx) => sdkWorkload(ctx, true));
    await run('sdk', 'sdkAcksOff', parley, (ctx) => sdkWorkload(ctx, false));
  }
} finally {
  await pool.terminate();
  await schema?.drop().catch((error) => log(`could not drop the schema: ${error}`));
  await data.remove();
}

const report = {
  date: new Date().toISOString(),
  dialect,
  instances: args.instances,
  quick: args.quick,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  generatorWorkers: args.workers,
  // Other work on the machine: 1/5/15-minute load averages at the start and at the end.
  loadAverage: { start: loadAtStart, end: loadavg() },
  args: { ...args, only: [...args.only] },
  seconds: Math.round((Date.now() - started) / 1000),
  results,
  table: rowsOf(results),
};
console.log(table(report.table));
const name = `${report.date.slice(0, 10)}-${dialect}${args.instances > 1 ? `-${args.instances}x` : ''}${args.quick ? '-quick' : ''}.json`;
const out = args.out ?? new URL(`../results/${name}`, import.meta.url).pathname;
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
log(`wrote ${out}`);
process.exit(0);
