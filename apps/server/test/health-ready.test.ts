import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachDialect } from '@parley/db/testing';
import { describe, expect, it, vi } from 'vitest';
import { postgresBinDir, privatePostgres, privateRedis } from './helpers/private-services.ts';
import { runMain } from './helpers/process.ts';
import { startTestServer } from './helpers/test-server.ts';

const ready = async (url: string) => {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describeEachDialect('health (issue 18)', (dialect) => {
  it('answers liveness and readiness with every dependency checked', async () => {
    await using server = await startTestServer({ dialect });
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
    const { status, body } = await ready(server.url);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      checks: {
        db: { status: 'ok', dialect },
        redis: { status: 'disabled' },
        storage: { status: 'ok', backend: 'disk' },
      },
    });
  });

  it('answers JSON 404 for unknown health paths and probe aliases, never the demo page', async () => {
    await using server = await startTestServer({ dialect });
    for (const path of [
      '/healthz',
      '/readyz',
      '/livez',
      '/health/nope',
      '/health/ready/x',
      '/some/spa/route',
    ]) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('application/json');
      expect(await res.json(), path).toMatchObject({ code: 'NOT_FOUND' });
    }
  });
});

describe('readiness follows the real services (issue 18)', () => {
  it('goes 503 naming redis when Redis stops, and 200 again once it is back', async () => {
    await using redis = await privateRedis();
    await using server = await startTestServer({ env: { REDIS_URL: redis.url } });
    expect(await ready(server.url)).toMatchObject({
      status: 200,
      body: { checks: { redis: { status: 'ok' } } },
    });
    await redis.stop();
    await vi.waitFor(
      async () =>
        expect(await ready(server.url)).toMatchObject({
          status: 503,
          body: { status: 'degraded', failed: ['redis'], checks: { redis: { status: 'error' } } },
        }),
      { timeout: 10_000, interval: 100 },
    );
    // Liveness does not depend on Redis: the orchestrator must not restart the instance.
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    await redis.start();
    await vi.waitFor(async () => expect(await ready(server.url)).toMatchObject({ status: 200 }), {
      timeout: 15_000,
      interval: 200,
    });
  });

  const binDir = postgresBinDir();
  it.runIf(binDir)(
    'goes 503 naming db when PostgreSQL stops, and 200 again once it is back',
    async () => {
      await using pg = await privatePostgres(binDir!);
      await using server = await startTestServer({ env: { DATABASE_URL: pg.url } });
      expect(await ready(server.url)).toMatchObject({
        status: 200,
        body: { checks: { db: { status: 'ok', dialect: 'postgres' } } },
      });
      await pg.stop();
      await vi.waitFor(
        async () =>
          expect(await ready(server.url)).toMatchObject({
            status: 503,
            body: { status: 'degraded', failed: ['db'] },
          }),
        { timeout: 10_000, interval: 100 },
      );
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      await pg.start();
      await vi.waitFor(async () => expect(await ready(server.url)).toMatchObject({ status: 200 }), {
        timeout: 15_000,
        interval: 200,
      });
    },
    60_000,
  );

  it('is not ready from the moment of SIGTERM, while it still serves, then exits cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-drain-'));
    try {
      const proc = runMain({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        SHUTDOWN_READY_DELAY_MS: '5000',
      });
      const url = await proc.listening;
      expect((await ready(url)).status).toBe(200);
      proc.child.kill('SIGTERM');
      await vi.waitFor(async () =>
        expect(await ready(url)).toMatchObject({ status: 503, body: { status: 'draining' } }),
      );
      // Still serving meanwhile: liveness and the API answer.
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
      expect(await proc.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
