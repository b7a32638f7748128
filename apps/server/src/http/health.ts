import type { BlobStore } from '@parley/api';
import { type Db, pingDb } from '@parley/db';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';

export interface HealthDeps {
  db: Db;
  dialect: string;
  redis: Redis | null;
  storage: BlobStore;
  startedAt: number;
  /** Live numbers for /health/detailed. */
  stats: () => Record<string, number>;
}

type CheckResult = { status: 'ok' | 'disabled' | 'error' } & Record<string, unknown>;

/** A dependency: what it is (reported either way), and a round trip to it (null: disabled). */
interface Check {
  info: Record<string, string>;
  ping: (() => Promise<unknown>) | null;
}

/** Runs one check, timing it; a thrown error is a failed check, not a crash. */
async function run({ info, ping }: Check): Promise<CheckResult> {
  if (!ping) return { status: 'disabled', ...info };
  const started = performance.now();
  try {
    await ping();
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { status: 'ok', ...info, latencyMs };
  } catch (error) {
    return { status: 'error', ...info, error: String(error) };
  }
}

/**
 * Liveness at /health; each dependency at /health/<name> (503 when it fails; `disabled` when
 * not configured); everything at once, with live numbers, at /health/detailed.
 */
export function healthRoutes(deps: HealthDeps): Hono {
  const { redis } = deps;
  const checks: Record<string, Check> = {
    db: { info: { dialect: deps.dialect }, ping: () => pingDb(deps.db) },
    redis: { info: {}, ping: redis ? () => redis.ping() : null },
    storage: { info: { backend: deps.storage.kind }, ping: () => deps.storage.ping() },
  };
  const uptimeSeconds = () => Math.round((Date.now() - deps.startedAt) / 1000);
  const app = new Hono();
  app.get('/', (c) => c.json({ status: 'ok', uptimeSeconds: uptimeSeconds() }));
  for (const [name, check] of Object.entries(checks)) {
    app.get(`/${name}`, async (c) => {
      const result = await run(check);
      return c.json(result, result.status === 'error' ? 503 : 200);
    });
  }
  app.get('/detailed', async (c) => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await run(check)] as const),
    );
    const failed = entries.some(([, r]) => r.status === 'error');
    const memory = process.memoryUsage();
    return c.json(
      {
        status: failed ? 'degraded' : 'ok',
        uptimeSeconds: uptimeSeconds(),
        checks: Object.fromEntries(entries),
        live: deps.stats(),
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        node: process.version,
      },
      failed ? 503 : 200,
    );
  });
  return app;
}
