import { parseArgs } from 'node:util';

export const WORKLOADS = ['pairs', 'max', 'fanout', 'idle', 'catchup', 'sdk', 'light'] as const;
export type Workload = (typeof WORKLOADS)[number];

const HELP = `pnpm bench [flags]

Runs the floor reference (bench/floor) and Parley (apps/server, the real process) back to back
on 127.0.0.1 with the same open-loop generator, prints each figure for both and the ratio, and
writes bench/results/<date>-<dialect>.json. Load is bounded in count and time.

Workloads (--only, comma-separated; default all):
  pairs    1:1 pairs, offered --rate msg/s for --duration s: server CPU per 1,000 persisted
           messages, p50/p95/p99/max latency from the intended send time to the peer's receipt
  max      the pairs ramped over --rates (steps of --step s) until p99 > 200 ms or any loss
  fanout   connect a --group member group (time to subscribed and to a quiet server), vs
           connecting --group users in pairs; then --fanout-messages messages to everyone:
           completion time and server CPU per 1,000 deliveries
  idle     --idle subscribed idle WebSockets: server RSS at start and per connection, 1 s
           after they connected and after 45 s idle
  catchup  --catchup-devices devices each --catchup-events behind resume while
           --catchup-pairs pairs chat at --catchup-rate msg/s: the others' p99
  sdk      the pairs ramp through @parley/sdk, delivery acks on vs off (Parley only)
  light    one message in flight at a time: floor raw client vs Parley through the SDK

Flags:
  --quick                 small counts and short steps (a smoke run, under 2 minutes)
  --max                   the same as --only max
  --only <list>           workloads to run
  --database-url <url>    PostgreSQL (a fresh schema per run is created and dropped)
  --instances <n>         Parley server processes (clients split across them); needs --redis-url
  --redis-url <url>       Redis for the instances to share events and presence
  --sqlite-synchronous <NORMAL|FULL>  Parley's SQLITE_SYNCHRONOUS (default NORMAL)
  --send-batch-window <ms>  Parley's SEND_BATCH_WINDOW_MS, the group-commit window under load
                          (default: the server's, 4)
  --profile <dir>         write a V8 CPU profile of each Parley process to <dir> (node --cpu-prof)
  --heap-snapshots <dir>  idle: a V8 heap snapshot of Parley's (first) process before and after
                          the connections, in <dir>; diff them with src/heap-diff.ts (that
                          run's RSS per connection is not comparable: a snapshot grows the heap)
  --node-args=<flags>     Node/V8 flags for Parley's processes only, space-separated
                          (e.g. --node-args="--max-semi-space-size=64"; docs/benchmarks.md)
  --workers <n>           generator threads (default 2)
  --pairs <n>             1:1 pairs (default 500)
  --rate <msg/s>          offered rate of the pairs workload (default 2000)
  --duration <s>          length of the pairs workload (default 8)
  --rates <list>          ramp of the max workloads (default 50,100,250,500,1000,2000,4000,8000)
  --step <s>              length of one ramp step (default 3)
  --refine <n>            bisections between the last passing and the first failing rate
                          (default 2: the maximum is known to a quarter of that interval;
                          0 keeps the listed rates only)
  --group <n>             group members (default 2000)
  --fanout-messages <n>   messages sent to the group (default 5)
  --idle <n>              idle connections (default 5000)
  --catchup-devices <n>   (default 10)   --catchup-events <n> (default 5000)
  --catchup-pairs <n>     (default 100)  --catchup-rate <msg/s> (default 200)
  --light <n>             messages of the light-load latency (default 200)
  --sdk-pairs <n>         pairs of SDK clients (default = --pairs)
  --skip-floor            Parley only (ratios are then missing)
  --from-source           run Parley's source through tsx, not its production build
  --out <file>            where to write the JSON (default bench/results/<date>-<dialect>.json)
  --help
`;

export function readArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      max: { type: 'boolean' },
      only: { type: 'string' },
      'database-url': { type: 'string' },
      'sqlite-synchronous': { type: 'string' },
      'send-batch-window': { type: 'string' },
      profile: { type: 'string' },
      'node-args': { type: 'string' },
      'heap-snapshots': { type: 'string' },
      instances: { type: 'string' },
      'redis-url': { type: 'string' },
      workers: { type: 'string' },
      pairs: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      rates: { type: 'string' },
      step: { type: 'string' },
      refine: { type: 'string' },
      group: { type: 'string' },
      'fanout-messages': { type: 'string' },
      idle: { type: 'string' },
      'catchup-devices': { type: 'string' },
      'catchup-events': { type: 'string' },
      'catchup-pairs': { type: 'string' },
      'catchup-rate': { type: 'string' },
      light: { type: 'string' },
      'sdk-pairs': { type: 'string' },
      'skip-floor': { type: 'boolean' },
      'from-source': { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = Boolean(values.quick);
  const num = (v: string | undefined, full: number, small: number) => {
    const n = v === undefined ? (quick ? small : full) : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}`);
    return n;
  };
  const only = values.max
    ? ['max']
    : values.only
      ? values.only.split(',').map((s) => s.trim())
      : [...WORKLOADS];
  for (const w of only) {
    if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`unknown workload: ${w}`);
  }
  const instances = num(values.instances, 1, 1);
  if (instances > 1 && !values['redis-url']) {
    throw new Error('--instances > 1 needs --redis-url (instances share events through Redis)');
  }
  const pairs = num(values.pairs, 500, 100);
  return {
    quick,
    only: new Set(only as Workload[]),
    databaseUrl: values['database-url'],
    redisUrl: values['redis-url'],
    profileDir: values.profile,
    nodeArgs: values['node-args']?.split(' ').filter(Boolean) ?? [],
    heapSnapshotsDir: values['heap-snapshots'],
    fromSource: Boolean(values['from-source']),
    sqliteSynchronous:
      values['sqlite-synchronous'] === 'FULL' ? ('FULL' as const) : ('NORMAL' as const),
    sendBatchWindowMs: values['send-batch-window'],
    instances,
    workers: num(values.workers, 2, 2),
    pairs,
    rate: num(values.rate, 2000, 500),
    durationMs: num(values.duration, 8, 3) * 1000,
    rates: (
      values.rates ??
      (quick ? '50,100,250,500,1000,2000,4000' : '50,100,250,500,1000,2000,4000,8000')
    )
      .split(',')
      .map(Number),
    stepMs: num(values.step, 3, 2) * 1000,
    refine: values.refine === '0' ? 0 : Math.floor(num(values.refine, 2, 1)),
    group: num(values.group, 2000, 200),
    fanoutMessages: num(values['fanout-messages'], 5, 3),
    idle: num(values.idle, 5000, 500),
    catchupDevices: num(values['catchup-devices'], 10, 10),
    catchupEvents: num(values['catchup-events'], 5000, 500),
    catchupPairs: num(values['catchup-pairs'], 100, 50),
    catchupRate: num(values['catchup-rate'], 200, 100),
    light: num(values.light, 200, 50),
    sdkPairs: num(values['sdk-pairs'], pairs, Math.min(pairs, 50)),
    skipFloor: Boolean(values['skip-floor']),
    out: values.out,
  };
}

export type Args = ReturnType<typeof readArgs>;
