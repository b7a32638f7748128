import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('HTTP surface', (dialect) => {
  it('answers health checks with secure headers and an allowlisted CORS policy', async () => {
    await using server = await startTestServer({
      dialect,
      env: { CORS_ORIGINS: 'https://app.example.com', MAX_JSON_BODY_BYTES: '2048' },
    });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const db = await fetch(`${server.url}/health/db`);
    expect(await db.json()).toMatchObject({ status: 'ok', dialect });

    const preflight = (origin: string) =>
      fetch(`${server.url}/trpc/users.me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await preflight('https://evil.example.com');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const big = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(4096) }),
    });
    expect(big.status).toBe(413);
  });
});
