import type { BlobStore } from '@parley/api';
import { type Db, pingDb } from '@parley/db';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';

/** Where the instance is in its life: readiness is false except while `serving`. */
export type Phase = 'starting' | 'serving' | 'draining';

export interface HealthDeps {
  db: Db;
  dialect: string;
  redis: Redis | null;
  storage: BlobStore;
  startedAt: number;
  /** The instance's phase, read on every readiness probe. */
  phase: () => Phase;
  /** Live numbers for /health/detailed. */
  stats: () => Record<string, number>;
}

type CheckResult = { status: 'ok' | 'disabled' | 'error' } & Record<string, unknown>;

/** A dependency: what it is (reported either way), and a round trip to it (null: disabled). */
interface Check {
  info: Record<string, string>;
  ping: (() => Promise<unknown>) | null;
}

/** A probe never hangs longer than this on a dependency that does not answer. */
const CHECK_TIMEOUT_MS = 2_000;

/** Runs one check, timing it; a thrown error or a timeout is a failed check, not a crash. */
async function run({ info, ping }: Check): Promise<CheckResult> {
  if (!ping) return { status: 'disabled', ...info };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { status: 'ok', ...info, latencyMs };
  } catch (error) {
    return { status: 'error', ...info, error: String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * - `/health`, `/health/live`: liveness (the process answers; no dependency is checked, so a
 *   database outage never makes an orchestrator restart every instance).
 * - `/health/ready`: readiness: database, Redis when configured and storage all answer, and the
 *   instance is neither starting nor draining; 503 naming what fails otherwise.
 * - `/health/<db|redis|storage>`: one dependency (503 when it fails; `disabled` when not
 *   configured); `/health/detailed`: everything at once, with live numbers.
 * - any other path under /health: a JSON 404.
 */
export function healthRoutes(deps: HealthDeps): Hono {
  const { redis } = deps;
  const checks: Record<string, Check> = {
    db: { info: { dialect: deps.dialect }, ping: () => pingDb(deps.db) },
    redis: {
      info: {},
      // ioredis queues commands while reconnecting: a stopped Redis must fail the probe now.
      ping: redis
        ? () => {
            if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
            return redis.ping();
          }
        : null,
    },
    storage: { info: { backend: deps.storage.kind }, ping: () => deps.storage.ping() },
  };
  const uptimeSeconds = () => Math.round((Date.now() - deps.startedAt) / 1000);
  const runAll = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await run(check)] as const),
      ),
    );
  const app = new Hono();
  const live = (c: import('hono').Context) =>
    c.json({ status: 'ok', uptimeSeconds: uptimeSeconds() });
  app.get('/', live);
  app.get('/live', live);
  app.get('/ready', async (c) => {
    const phase = deps.phase();
    if (phase !== 'serving') return c.json({ status: phase, checks: {} }, 503);
    const results = await runAll();
    const failed = Object.entries(results)
      .filter(([, r]) => r.status === 'error')
      .map(([name]) => name);
    // Draining may have begun while the checks ran.
    const now = deps.phase();
    if (now !== 'serving') return c.json({ status: now, checks: results }, 503);
    if (failed.length > 0) return c.json({ status: 'degraded', failed, checks: results }, 503);
    return c.json({ status: 'ready', checks: results });
  });
  for (const [name, check] of Object.entries(checks)) {
    app.get(`/${name}`, async (c) => {
      const result = await run(check);
      return c.json(result, result.status === 'error' ? 503 : 200);
    });
  }
  app.get('/detailed', async (c) => {
    const results = await runAll();
    const failed = Object.values(results).some((r) => r.status === 'error');
    const memory = process.memoryUsage();
    return c.json(
      {
        status: failed ? 'degraded' : 'ok',
        phase: deps.phase(),
        uptimeSeconds: uptimeSeconds(),
        checks: results,
        live: deps.stats(),
        memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
        node: process.version,
      },
      failed ? 503 : 200,
    );
  });
  app.all('*', (c) => notFoundJson(c));
  return app;
}

/** The JSON 404 of paths the API owns (never the web demo's page). */
export function notFoundJson(c: import('hono').Context) {
  return c.json({ code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` }, 404);
}
