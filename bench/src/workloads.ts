// The workloads, written once against the System interface and the generator pool, so the
// floor and Parley get exactly the same load.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Args } from './args.ts';
import type { Pool } from './pool.ts';
import { cpuMeter, rssBytes, selfCpuMs, untilQuiet } from './proc.ts';
import type { Running } from './server-process.ts';
import { summarize } from './stats.ts';
import type { System, User } from './systems.ts';
import { now, type SendSpec, type SlotSpec } from './worker.ts';

export interface Pair {
  a: number;
  b: number;
  conversationId: string;
}

/** Users by index, and what the setup created with them (per system). */
export interface Layout {
  users: User[];
  pairs: number[]; // first user index of each pair (a = i, b = i + 1)
  groupMembers: number[]; // [0] is the owner (the sender)
  stormPairs: number[];
  idle: number[];
  catchupDevices: number[];
  catchupSender: number;
}

export interface Built {
  pairs: Pair[];
  stormPairs: Pair[];
  groupId: string;
  catchupGroupId: string;
}

export function layout(args: Args, users: User[]): Layout {
  let next = 0;
  const take = (n: number) => Array.from({ length: n }, () => next++);
  const pairUsers = take(2 * Math.max(args.pairs, args.sdkPairs, args.catchupPairs));
  const groupMembers = take(args.group);
  const shared = take(Math.max(2 * Math.ceil(args.group / 2), args.idle));
  const catchupDevices = take(args.catchupDevices);
  const catchupSender = take(1)[0]!;
  if (next > users.length) throw new Error('not enough users');
  return {
    users,
    pairs: pairUsers.filter((i) => i % 2 === 0),
    groupMembers,
    stormPairs: shared.slice(0, 2 * Math.ceil(args.group / 2)).filter((_, j) => j % 2 === 0),
    idle: shared.slice(0, args.idle),
    catchupDevices,
    catchupSender,
  };
}

export function usersNeeded(args: Args): number {
  return (
    2 * Math.max(args.pairs, args.sdkPairs, args.catchupPairs) +
    args.group +
    Math.max(2 * Math.ceil(args.group / 2), args.idle) +
    args.catchupDevices +
    1
  );
}

export async function build(
  sys: System,
  url: string,
  lay: Layout,
  limit: <T, R>(items: T[], fn: (item: T) => Promise<R>) => Promise<R[]>,
): Promise<Built> {
  const u = lay.users;
  const direct = (starts: number[]) =>
    limit(starts, async (a) => ({
      a,
      b: a + 1,
      conversationId: await sys.openDirect(url, u[a]!, u[a + 1]!),
    }));
  const pairs = await direct(lay.pairs);
  const stormPairs = await direct(lay.stormPairs);
  const groupId = await sys.createGroup(
    url,
    u[lay.groupMembers[0]!]!,
    lay.groupMembers.map((i) => u[i]!),
  );
  const catchupGroupId = await sys.createGroup(
    url,
    u[lay.catchupSender]!,
    lay.catchupDevices.map((i) => u[i]!),
  );
  return { pairs, stormPairs, groupId, catchupGroupId };
}

export interface Ctx {
  args: Args;
  pool: Pool;
  sys: System;
  lay: Layout;
  built: Built;
  run: Running;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function slot(ctx: Ctx, index: number, after: string | null = null): SlotSpec {
  const user = ctx.lay.users[index]!;
  return {
    slot: index,
    url: ctx.run.urls[index % ctx.run.urls.length]!,
    token: user.token,
    userId: user.id,
    after,
  };
}

/** Connects devices, each on the thread `place(index)`; returns when all are subscribed. */
export async function connectAll(
  ctx: Ctx,
  devices: { index: number; worker: number; after?: string | null }[],
  sdk?: { acks: boolean },
  deadlineMs = 120_000,
) {
  const started = now();
  const results = await ctx.pool.each<{ failed: number; lastAt: number }>((w) => {
    const mine = devices.filter((d) => d.worker === w);
    if (mine.length === 0) return null;
    return {
      op: 'connect',
      kind: ctx.sys.kind,
      slots: mine.map((d) => slot(ctx, d.index, d.after ?? null)),
      concurrency: sdk ? 10 : 25,
      sdk,
      timeoutMs: Math.min(30_000, deadlineMs),
      deadlineMs,
    };
  });
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  return { failed, ms: lastAt - started, started };
}

function pairDevices(ctx: Ctx, pairs: Pair[]) {
  return pairs.flatMap((p, i) => [
    { index: p.a, worker: i % ctx.pool.size },
    { index: p.b, worker: i % ctx.pool.size },
  ]);
}

/** Open-loop 1:1 load at `rate` for `durationMs`, then a bounded drain. */
export async function pairsPhase(ctx: Ctx, pairs: Pair[], rate: number, durationMs: number) {
  const { pool } = ctx;
  await pool.stats(true);
  const sendsOf = (w: number): SendSpec[] =>
    pairs
      .filter((_, i) => i % pool.size === w)
      .map((p) => ({ slot: p.a, conversationId: p.conversationId }));
  const cpu = cpuMeter(ctx.run.pids);
  const gen0 = selfCpuMs();
  const startAt = now() + 100;
  const sent = await pool.each<{ sent: number }>((w) => {
    const sends = sendsOf(w);
    if (sends.length === 0) return null;
    return { op: 'run', sends, rate: (rate * sends.length) / pairs.length, startAt, durationMs };
  });
  const total = sent.reduce((n, s) => n + s.sent, 0);
  const sendEnd = now();
  // Drain: until everything arrived, or 3 s (anything later counts as lost).
  let stats = await pool.stats(false);
  while ((stats.received.L ?? 0) < total && now() - sendEnd < 3000) {
    await sleep(50);
    stats = await pool.stats(false);
  }
  const { cpuMs, wallMs } = cpu.elapsed();
  const genCpu = selfCpuMs() - gen0;
  stats = await pool.stats(true);
  const delivered = stats.received.L ?? 0;
  const latency = summarize(stats.latencies.L ?? []);
  return {
    offeredPerSecond: rate,
    pairs: pairs.length,
    seconds: durationMs / 1000,
    sent: total,
    persisted: stats.acksOk,
    failed: stats.acksFailed,
    delivered,
    lost: total - delivered,
    latencyMs: latency,
    serverCpuMs: Math.round(cpuMs),
    serverCpuPer1000: round((cpuMs / Math.max(1, stats.acksOk)) * 1000),
    serverCpuPercent: round((cpuMs / wallMs) * 100),
    generatorCpuPercent: round((genCpu / wallMs) * 100),
  };
}

export type PhaseResult = Awaited<ReturnType<typeof pairsPhase>>;

export async function pairsWorkload(ctx: Ctx) {
  const pairs = ctx.built.pairs.slice(0, ctx.args.pairs);
  const connected = await connectAll(ctx, pairDevices(ctx, pairs));
  await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
  const result = await pairsPhase(ctx, pairs, ctx.args.rate, ctx.args.durationMs);
  return { connectFailed: connected.failed, ...result };
}

/**
 * Steps through the rates until p99 > 200 ms, a loss or a failed send, then bisects
 * (`--refine` times) between the last rate that held and the first that did not. A failing step
 * is run once more before it counts: on a shared machine one stall of another process can fail
 * a step.
 */
export async function ramp(ctx: Ctx, pairs: Pair[]) {
  const steps: PhaseResult[] = [];
  let best = 0;
  const passes = (step: PhaseResult) =>
    step.latencyMs.p99 <= 200 && step.lost === 0 && step.failed === 0;
  const attempt = async (rate: number) => {
    const step = await pairsPhase(ctx, pairs, rate, ctx.args.stepMs);
    steps.push(step);
    console.error(
      `  ${ctx.sys.kind} ${rate} msg/s: p99 ${step.latencyMs.p99} ms, lost ${step.lost}, failed ${step.failed}, server ${step.serverCpuPercent}% cpu, generator ${step.generatorCpuPercent}%`,
    );
    await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
    return passes(step);
  };
  const holds = async (rate: number) => (await attempt(rate)) || (await attempt(rate));
  let failing: number | undefined;
  for (const rate of ctx.args.rates) {
    if (!(await holds(rate))) {
      failing = rate;
      break;
    }
    best = rate;
  }
  // The listed rates double: alone they can tell two servers' maxima apart only by factors of
  // two. Bisect between the last rate that held and the first that did not.
  let below = best;
  let above = failing;
  for (let i = 0; above !== undefined && below > 0 && i < ctx.args.refine; i++) {
    const mid = Math.round((below + above) / 2 / 50) * 50;
    if (mid <= below || mid >= above) break;
    if (await holds(mid)) best = below = mid;
    else above = mid;
  }
  return { maxSustainedPerSecond: best, steps };
}

export async function maxWorkload(ctx: Ctx) {
  const pairs = ctx.built.pairs.slice(0, ctx.args.pairs);
  await connectAll(ctx, pairDevices(ctx, pairs));
  await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
  return ramp(ctx, pairs);
}

export async function sdkWorkload(ctx: Ctx, acks: boolean) {
  const pairs = ctx.built.pairs.slice(0, ctx.args.sdkPairs);
  const connected = await connectAll(ctx, pairDevices(ctx, pairs), { acks });
  await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
  return { acks, connectFailed: connected.failed, ...(await ramp(ctx, pairs)) };
}

/** Connect storm: time until all are subscribed and until the server is quiet again. */
async function storm(ctx: Ctx, devices: { index: number; worker: number }[]) {
  const cpu = cpuMeter(ctx.run.pids);
  // Bounded: a server that cannot take the storm shows as failed connections, not a hang.
  const connected = await connectAll(ctx, devices, undefined, ctx.args.quick ? 20_000 : 45_000);
  const quiet = await untilQuiet(ctx.run.pids, {
    timeoutMs: ctx.args.quick ? 20_000 : 45_000,
  });
  return {
    devices: devices.length,
    failed: connected.failed,
    subscribedMs: Math.round(connected.ms),
    settledMs: Math.round(quiet.settledAt - (connected.started - performance.timeOrigin)),
    settleTimedOut: quiet.timedOut,
    serverCpuMs: Math.round(cpu.elapsed().cpuMs),
  };
}

export async function fanoutWorkload(ctx: Ctx) {
  const { pool } = ctx;
  const members = ctx.lay.groupMembers;
  const devices = members.map((index, i) => ({ index, worker: i % pool.size }));
  const groupStorm = await storm(ctx, devices);
  const owner = devices[0]!;
  const perWorker = Array.from(
    { length: pool.size },
    (_, w) => devices.filter((d, i) => i > 0 && d.worker === w).length,
  );
  // Only the devices that did connect can receive (a storm may have left some out).
  const connectedPerWorker = (
    await pool.each<{ connections: number }>(() => ({ op: 'stats', reset: false }))
  ).map((s) => s.connections);
  for (let w = 0; w < pool.size; w++) {
    const ownerHere = owner.worker === w ? 1 : 0;
    perWorker[w] = Math.min(perWorker[w]!, (connectedPerWorker[w] ?? 0) - ownerHere);
  }
  await pool.stats(true);
  const cpu = cpuMeter(ctx.run.pids);
  const completion: number[] = [];
  let timedOut = false;
  for (let k = 1; k <= ctx.args.fanoutMessages; k++) {
    const { at } = await pool.call<{ at: number }>(owner.worker, {
      op: 'sendOne',
      send: { slot: owner.index, conversationId: ctx.built.groupId },
      tag: 'G',
    });
    const waits = await pool.each<{ ok: boolean; lastAt: number }>((w) =>
      perWorker[w]
        ? { op: 'waitCount', tag: 'G', count: k * perWorker[w]!, timeoutMs: 20_000 }
        : null,
    );
    if (waits.some((r) => !r.ok)) timedOut = true;
    completion.push(Math.max(...waits.map((r) => r.lastAt)) - at);
  }
  const { cpuMs } = cpu.elapsed();
  const stats = await pool.stats(true);
  const deliveries = stats.received.G ?? 0;
  return {
    members: members.length,
    messages: ctx.args.fanoutMessages,
    deliveries,
    expectedDeliveries: ctx.args.fanoutMessages * perWorker.reduce((a, b) => a + b, 0),
    timedOut,
    completionMs: summarize(completion),
    deliveryLatencyMs: summarize(stats.latencies.G ?? []),
    serverCpuMs: Math.round(cpuMs),
    serverCpuPer1000Deliveries: round((cpuMs / Math.max(1, deliveries)) * 1000),
    connect: groupStorm,
  };
}

export async function pairsStormWorkload(ctx: Ctx) {
  const devices = pairDevices(ctx, ctx.built.stormPairs);
  return storm(ctx, devices);
}

/** How long the idle workload waits, connections open, before its settled reading. */
const SETTLE_MS = 45_000;

export async function idleWorkload(ctx: Ctx) {
  const sum = () => ctx.run.pids.reduce((n, pid) => n + rssBytes(pid), 0);
  await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
  const atStart = sum();
  await heapSnapshot(ctx);
  const devices = ctx.lay.idle.map((index, i) => ({ index, worker: i % ctx.pool.size }));
  const connected = await connectAll(ctx, devices);
  await untilQuiet(ctx.run.pids, { timeoutMs: 30_000 });
  await sleep(1000);
  const after = sum();
  await heapSnapshot(ctx);
  // Idle for a while: V8's memory reducer gives back the young generation the connection storm
  // grew and compacts (the floor's RSS falls too), so this is what an idle connection costs.
  await sleep(SETTLE_MS);
  const settled = sum();
  const count = devices.length - connected.failed;
  return {
    connections: count,
    failed: connected.failed,
    connectMs: Math.round(connected.ms),
    rssAtStartMb: round(atStart / 1048576),
    rssAfterMb: round(after / 1048576),
    kbPerConnection: round((after - atStart) / Math.max(1, count) / 1024, 2),
    kbPerConnectionSettled: round((settled - atStart) / Math.max(1, count) / 1024, 2),
  };
}

/**
 * With `--heap-snapshots`: Parley's first process writes a heap snapshot (its
 * `--heapsnapshot-signal`), and this waits until the file is complete. After the RSS reading,
 * since taking one collects garbage and grows the heap.
 */
async function heapSnapshot(ctx: Ctx): Promise<void> {
  const dir = ctx.args.heapSnapshotsDir;
  if (!dir || ctx.sys.kind !== 'parley') return;
  const known = new Set(await readdir(dir));
  process.kill(ctx.run.pids[0]!, 'SIGUSR2');
  for (let size = -1; ; ) {
    await sleep(1000);
    const file = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot') && !known.has(f));
    if (!file) continue;
    const now = (await stat(join(dir, file))).size;
    if (now > 0 && now === size) return;
    size = now;
  }
}

export async function catchupWorkload(ctx: Ctx) {
  const { pool, args } = ctx;
  const url = ctx.run.urls[0]!;
  const sender = ctx.lay.catchupSender;
  const head = await ctx.sys.head(url, ctx.lay.users[sender]!);
  // The backlog: `catchupEvents` messages into the devices' group while they are offline.
  await connectAll(ctx, [{ index: sender, worker: 0 }]);
  const fill = await pool.call<{ ms: number }>(0, {
    op: 'fill',
    send: { slot: sender, conversationId: ctx.built.catchupGroupId },
    count: args.catchupEvents,
    window: 64,
  });
  const others = ctx.built.pairs.slice(0, args.catchupPairs);
  await connectAll(ctx, pairDevices(ctx, others));
  await untilQuiet(ctx.run.pids, { timeoutMs: 10_000 });
  await pool.stats(true);
  const durationMs = Math.max(args.durationMs, 4000);
  const load = pairsPhase(ctx, others, args.catchupRate, durationMs);
  await sleep(Math.min(1000, durationMs / 4));
  const devices = ctx.lay.catchupDevices.map((index, i) => ({
    index,
    worker: i % pool.size,
    after: head,
  }));
  const resumeStarted = now();
  await connectAll(ctx, devices);
  const perWorker = Array.from(
    { length: pool.size },
    (_, w) => devices.filter((d) => d.worker === w).length * args.catchupEvents,
  );
  const caught = await pool.each<{ ok: boolean; lastAt: number; count: number }>((w) =>
    perWorker[w] ? { op: 'waitCount', tag: 'F', count: perWorker[w]!, timeoutMs: 120_000 } : null,
  );
  const others_ = await load;
  return {
    devices: devices.length,
    eventsBehind: args.catchupEvents,
    fillMs: Math.round(fill.ms),
    caughtUp: caught.every((c) => c.ok),
    catchUpMs: Math.round(Math.max(...caught.map((c) => c.lastAt)) - resumeStarted),
    others: others_,
  };
}

/** One message in flight at a time; the floor through its raw client, Parley through the SDK. */
export async function lightWorkload(ctx: Ctx, sdk: boolean) {
  const pair = ctx.built.pairs[0]!;
  await connectAll(
    ctx,
    [
      { index: pair.a, worker: 0 },
      { index: pair.b, worker: 0 },
    ],
    sdk ? { acks: true } : undefined,
  );
  await ctx.pool.stats(true);
  await ctx.pool.call(0, {
    op: 'pingpong',
    send: { slot: pair.a, conversationId: pair.conversationId },
    count: ctx.args.light,
    gapMs: 5,
    timeoutMs: 5000,
  });
  const stats = await ctx.pool.stats(true);
  return { client: sdk ? 'sdk' : 'raw', latencyMs: summarize(stats.latencies.P ?? []) };
}
