import { type Db, pingDb } from '@parley/db';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';

export interface HealthDeps {
  db: Db;
  dialect: string;
  redis: Redis | null;
  startedAt: number;
}

/** Liveness at /health; each dependency at /health/<name>, 503 when it fails. */
export function healthRoutes(deps: HealthDeps): Hono {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) }),
  );
  app.get('/db', async (c) => {
    const started = performance.now();
    try {
      await pingDb(deps.db);
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return c.json({ status: 'ok', dialect: deps.dialect, latencyMs });
    } catch (error) {
      return c.json({ status: 'error', dialect: deps.dialect, error: String(error) }, 503);
    }
  });
  app.get('/redis', async (c) => {
    if (!deps.redis) return c.json({ status: 'disabled', reason: 'REDIS_URL is not set' });
    const started = performance.now();
    try {
      await deps.redis.ping();
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return c.json({ status: 'ok', latencyMs });
    } catch (error) {
      return c.json({ status: 'error', error: String(error) }, 503);
    }
  });
  return app;
}
