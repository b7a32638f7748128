// One generator thread: holds a share of the devices and sends its share of the load. Driven by
// the main thread (pool.ts) with request/response messages. Timestamps are epoch milliseconds
// with sub-millisecond precision (timeOrigin + now), comparable across threads.
import { parentPort } from 'node:worker_threads';
import { type Conn, connect, type Kind } from './clients.ts';
import { connectSdk } from './sdk-client.ts';

export const now = () => performance.timeOrigin + performance.now();

export interface SlotSpec {
  slot: number;
  url: string;
  token: string;
  userId: string;
  after: string | null;
}
export interface SendSpec {
  slot: number;
  conversationId: string;
}

export type Request =
  | {
      op: 'connect';
      kind: Kind;
      slots: SlotSpec[];
      concurrency: number;
      sdk?: { acks: boolean };
      timeoutMs: number;
      /** No new connection is started after this long; the rest count as failed. */
      deadlineMs: number;
    }
  | { op: 'run'; sends: SendSpec[]; rate: number; startAt: number; durationMs: number }
  | { op: 'sendOne'; send: SendSpec; tag: string }
  | { op: 'fill'; send: SendSpec; count: number; window: number }
  | { op: 'waitCount'; tag: string; count: number; timeoutMs: number }
  | { op: 'pingpong'; send: SendSpec; count: number; gapMs: number; timeoutMs: number }
  | { op: 'stats'; reset: boolean }
  | { op: 'closeAll' };

export interface Stats {
  /** tag -> latencies (ms) from the intended send time to receipt. */
  latencies: Record<string, number[]>;
  received: Record<string, number>;
  lastAt: Record<string, number>;
  acksOk: number;
  acksFailed: number;
  connections: number;
}

const conns = new Map<number, Conn>();
let latencies: Record<string, number[]> = {};
let received: Record<string, number> = {};
let lastAt: Record<string, number> = {};
let acksOk = 0;
let acksFailed = 0;
let seq = 0;
/** Waiters re-checked on every receipt. */
let waiters: (() => void)[] = [];

function onMessage(text: string) {
  const at = now();
  const tag = text[0] ?? '?';
  received[tag] = (received[tag] ?? 0) + 1;
  lastAt[tag] = at;
  if (text.length > 1 && tag !== 'F') {
    const list = latencies[tag] ?? [];
    latencies[tag] = list;
    list.push(at - Number(text.slice(1)));
  }
  if (waiters.length) for (const w of waiters) w();
}
function onAck(ok: boolean) {
  if (ok) acksOk += 1;
  else acksFailed += 1;
  if (waiters.length) for (const w of waiters) w();
}

function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  if (check()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const waiter = () => {
      if (!check()) return;
      done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      waiters = waiters.filter((w) => w !== waiter);
      resolve(ok);
    };
    waiters.push(waiter);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(spec: SendSpec, text: string) {
  const conn = conns.get(spec.slot);
  if (!conn) throw new Error(`slot ${spec.slot} is not connected here`);
  conn.send(spec.conversationId, `b${process.pid}-${seq++}-${spec.slot}`, text);
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      const started = now();
      let failed = 0;
      let next = 0;
      const one = async () => {
        while (next < req.slots.length) {
          if (now() - started > req.deadlineMs) {
            failed += req.slots.length - next;
            next = req.slots.length;
            break;
          }
          const s = req.slots[next++]!;
          try {
            const common = {
              url: s.url,
              token: s.token,
              userId: s.userId,
              onMessage,
              onAck,
              timeoutMs: req.timeoutMs,
            };
            conns.set(
              s.slot,
              req.sdk
                ? await connectSdk({ ...common, acks: req.sdk.acks })
                : await connect({ ...common, kind: req.kind, after: s.after }),
            );
          } catch {
            failed += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: req.concurrency }, one));
      return { failed, ms: now() - started, lastAt: now() };
    }
    case 'run': {
      // Open loop: message k is due at startAt + k / rate, whatever the replies do. A late
      // generator sends the backlog at once, and the lateness counts in the latency.
      const total = Math.floor((req.rate * req.durationMs) / 1000);
      const interval = 1000 / req.rate;
      let k = 0;
      while (now() < req.startAt) await sleep(1);
      while (k < total) {
        const t = now();
        while (k < total && req.startAt + k * interval <= t) {
          const intended = req.startAt + k * interval;
          send(req.sends[k % req.sends.length]!, `L${intended}`);
          k += 1;
        }
        await sleep(1);
      }
      return { sent: k };
    }
    case 'sendOne': {
      send(req.send, `${req.tag}${now()}`);
      return { at: now() };
    }
    case 'fill': {
      // Closed loop on purpose: this only prepares a backlog, as fast as the server takes it.
      const started = now();
      const base = acksOk + acksFailed;
      for (let i = 0; i < req.count; i++) {
        await waitFor(() => base + i - (acksOk + acksFailed) < req.window, 120_000);
        send(req.send, 'F');
      }
      await waitFor(() => acksOk + acksFailed - base >= req.count, 120_000);
      return { ms: now() - started };
    }
    case 'waitCount': {
      const ok = await waitFor(() => (received[req.tag] ?? 0) >= req.count, req.timeoutMs);
      return { ok, count: received[req.tag] ?? 0, lastAt: lastAt[req.tag] ?? 0 };
    }
    case 'pingpong': {
      // One message in flight: send, wait for the peer's receipt, pause, repeat.
      for (let i = 0; i < req.count; i++) {
        const target = (received.P ?? 0) + 1;
        send(req.send, `P${now()}`);
        if (!(await waitFor(() => (received.P ?? 0) >= target, req.timeoutMs))) break;
        await sleep(req.gapMs);
      }
      return {};
    }
    case 'stats': {
      const stats: Stats = {
        latencies,
        received,
        lastAt,
        acksOk,
        acksFailed,
        connections: conns.size,
      };
      if (req.reset) {
        latencies = {};
        received = {};
        lastAt = {};
        acksOk = 0;
        acksFailed = 0;
      }
      return stats;
    }
    case 'closeAll': {
      for (const c of conns.values()) c.close();
      conns.clear();
      return {};
    }
  }
}

parentPort?.on('message', (message: { id: number; req: Request }) => {
  handle(message.req).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (error: unknown) =>
      parentPort!.postMessage({ id: message.id, error: String((error as Error)?.stack ?? error) }),
  );
});
