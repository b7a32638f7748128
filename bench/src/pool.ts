import { Worker } from 'node:worker_threads';
import type { Request, Stats } from './worker.ts';

// Loader hooks are per thread in Node 20: each worker registers tsx before loading worker.ts.
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.resolve('./worker.ts'))}); });`;

/** The generator's threads. Devices are placed on threads by the workloads. */
export class Pool {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;

  constructor(readonly size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(BOOTSTRAP, { eval: true });
      worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m.result);
      });
      worker.on('exit', (code) => {
        const error = new Error(`generator thread exited with ${code}`);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      worker.on('error', (error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      return worker;
    });
  }

  call<T>(worker: number, req: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[worker]!.postMessage({ id, req });
    });
  }

  each<T>(req: (worker: number) => Request | null): Promise<T[]> {
    return Promise.all(
      this.workers.flatMap((_, i) => {
        const r = req(i);
        return r ? [this.call<T>(i, r)] : [];
      }),
    );
  }

  /** Everyone's counters merged (and reset when asked). */
  async stats(reset = true): Promise<Stats> {
    const all = await this.each<Stats>(() => ({ op: 'stats', reset }));
    const merged: Stats = {
      latencies: {},
      received: {},
      lastAt: {},
      acksOk: 0,
      acksFailed: 0,
      connections: 0,
    };
    for (const s of all) {
      for (const [tag, list] of Object.entries(s.latencies)) {
        const into = merged.latencies[tag] ?? [];
        merged.latencies[tag] = into;
        for (const v of list) into.push(v);
      }
      for (const [tag, n] of Object.entries(s.received))
        merged.received[tag] = (merged.received[tag] ?? 0) + n;
      for (const [tag, at] of Object.entries(s.lastAt))
        merged.lastAt[tag] = Math.max(merged.lastAt[tag] ?? 0, at);
      merged.acksOk += s.acksOk;
      merged.acksFailed += s.acksFailed;
      merged.connections += s.connections;
    }
    return merged;
  }

  async closeAll(): Promise<void> {
    await this.each(() => ({ op: 'closeAll' }));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
