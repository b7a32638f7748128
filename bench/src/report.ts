// The summary table: each figure for the floor and for Parley, the ratio, and the target.

export interface Row {
  metric: string;
  floor: number | null;
  parley: number | null;
  /** parley / floor, or a ratio between two Parley runs (then `floor` holds the reference). */
  ratio: number | null;
  target: string;
}

type Results = Record<string, Record<string, unknown>>;

/** Reads a dotted path (`max.parley.maxSustainedPerSecond`) from the results, or null. */
function at(results: Results, path: string): number | null {
  let value: unknown = results;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;

export function rowsOf(results: Results): Row[] {
  const rows: Row[] = [];
  const both = (metric: string, path: string, target: string) => {
    const floor = at(results, path.replace('*', 'floor'));
    const parley = at(results, path.replace('*', 'parley'));
    if (floor === null && parley === null) return;
    rows.push({ metric, floor, parley, ratio: ratio(parley, floor), target });
  };
  both('server CPU ms per 1,000 persisted 1:1 messages', 'pairs.*.serverCpuPer1000', '<= 2x');
  both('pairs: p50 send-to-deliver (ms)', 'pairs.*.latencyMs.p50', '');
  both('pairs: p99 send-to-deliver (ms)', 'pairs.*.latencyMs.p99', '<= 10 ms');
  both('pairs: max send-to-deliver (ms)', 'pairs.*.latencyMs.max', '');
  both('pairs: lost', 'pairs.*.lost', '0');
  both('pairs: generator CPU % (of one core)', 'pairs.*.generatorCpuPercent', '');
  both('max sustained 1:1 msg/s', 'max.*.maxSustainedPerSecond', '>= 0.5x');
  both(
    'fan-out: server CPU ms per 1,000 deliveries',
    'fanout.*.serverCpuPer1000Deliveries',
    '<= 1.5x',
  );
  both('fan-out: one message to all members, p50 (ms)', 'fanout.*.completionMs.p50', '');
  both('connect group members: all subscribed (ms)', 'fanout.*.connect.subscribedMs', '');
  both('connect group members: connections that failed', 'fanout.*.connect.failed', '0');
  both('connect group members: server quiet (ms)', 'fanout.*.connect.settledMs', '');
  both('connect users in pairs: all subscribed (ms)', 'pairsStorm.*.subscribedMs', '');
  both('connect users in pairs: server quiet (ms)', 'pairsStorm.*.settledMs', '');
  for (const kind of ['floor', 'parley']) {
    const group = at(results, `fanout.${kind}.connect.settledMs`);
    const pairs = at(results, `pairsStorm.${kind}.settledMs`);
    if (group !== null && pairs !== null) {
      rows.push({
        metric: `${kind}: connect group vs pairs (settled), ratio`,
        floor: pairs,
        parley: group,
        ratio: ratio(group, pairs),
        target: kind === 'parley' ? '<= 1.2x' : '',
      });
    }
  }
  both('idle server RSS at start (MB)', 'idle.*.rssAtStartMb', '<= 100 MB');
  both('RSS per idle subscribed connection, 1 s after (KB)', 'idle.*.kbPerConnection', '');
  both(
    'RSS per idle subscribed connection, 45 s idle (KB)',
    'idle.*.kbPerConnectionSettled',
    '<= 12 KB',
  );
  both("catch-up: others' p99 (ms)", 'catchup.*.others.latencyMs.p99', '<= 50 ms');
  both('catch-up: all devices caught up (ms)', 'catchup.*.catchUpMs', '');
  const light = at(results, 'light.floor.latencyMs.p50');
  const lightSdk = at(results, 'lightSdk.parley.latencyMs.p50');
  if (light !== null || lightSdk !== null) {
    rows.push({
      metric: 'light load p50 (floor raw client, Parley SDK) (ms)',
      floor: light,
      parley: lightSdk,
      ratio: ratio(lightSdk, light),
      target: '<= 2 ms',
    });
  }
  both('light load p50, raw clients (ms)', 'light.*.latencyMs.p50', '');
  const on = at(results, 'sdkAcksOn.parley.maxSustainedPerSecond');
  const off = at(results, 'sdkAcksOff.parley.maxSustainedPerSecond');
  if (on !== null || off !== null) {
    rows.push({
      metric: 'SDK max sustained msg/s, acks on (parley) vs off (floor column)',
      floor: off,
      parley: on,
      ratio: ratio(on, off),
      target: '>= 0.6x',
    });
  }
  return rows;
}

export function table(rows: Row[]): string {
  const fmt = (n: number | null) => (n === null ? '-' : String(n));
  const lines = [
    '| metric | floor | parley | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) => `| ${r.metric} | ${fmt(r.floor)} | ${fmt(r.parley)} | ${fmt(r.ratio)} | ${r.target} |`,
    ),
  ];
  return lines.join('\n');
}
