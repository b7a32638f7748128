import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

/** A logger whose JSON lines (and raw text) the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += String(chunk);
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines, raw: () => raw };
}

const METRICS_TOKEN = 'scrape-token-0123456789';

describeEachDialect('observability (issue 18)', (dialect) => {
  it('logs one access line per request and per WebSocket, with route, status, user and request id, never a token', async () => {
    const { logger, lines, raw } = capturedLogger();
    await using server = await startTestServer({ dialect, logger });
    const [ada] = await registerUsers(server, 'Ada');
    const token = ada.auth.accessToken;
    const res = await fetch(`${server.url}/api/v1/users/${ada.id}?token=secret-in-query`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'probe-1234' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('probe-1234');
    const generated = await fetch(`${server.url}/health/live`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    await vi.waitFor(() =>
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'request',
          kind: 'http',
          method: 'GET',
          route: '/api/v1/users/{userId}',
          status: 200,
          userId: ada.id,
          requestId: 'probe-1234',
          durationMs: expect.any(Number),
        }),
      ),
    );
    // A WebSocket connection: one line when it ends, with its user.
    const device = await connectDevice(server, ada);
    await device[Symbol.asyncDispose]();
    await vi.waitFor(() =>
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'websocket closed',
          kind: 'ws',
          route: '/trpc',
          userId: ada.id,
          requestId: expect.any(String),
        }),
      ),
    );
    expect(raw()).not.toContain(token);
    expect(raw()).not.toContain('secret-in-query');
    expect(raw()).not.toContain(ada.auth.refreshToken);
  });

  it('counts REST requests by route and status, rate-limit rejections, the outbox and the tailer', async () => {
    await using server = await startTestServer({
      dialect,
      env: { METRICS_TOKEN, LOGIN_RATE_LIMIT: '1' },
    });
    const [ada] = await registerUsers(server, 'Ada');
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${server.url}/api/v1/users/me`, {
        headers: { authorization: `Bearer ${ada.auth.accessToken}` },
      });
    }
    await fetch(`${server.url}/api/v1/users/me`);
    // The login limit (1 per window): the second attempt is refused.
    for (let i = 0; i < 2; i += 1) {
      await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password-1' }),
      });
    }
    const text = await (
      await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
    ).text();
    expect(text).toContain(
      'parley_http_requests_total{route="/api/v1/users/me",method="GET",status="200"} 3',
    );
    expect(text).toContain(
      'parley_http_requests_total{route="/api/v1/users/me",method="GET",status="401"} 1',
    );
    expect(text).toMatch(/parley_rate_limit_rejections_total\{limit="[^"]*login[^"]*"\} 1/);
    expect(text).toContain('parley_notification_outbox{state="pending"} 0');
    expect(text).toContain('parley_notification_outbox{state="failed"} 0');
    expect(text).toContain('parley_notification_outbox_oldest_due_seconds 0');
    expect(text).toMatch(/parley_event_tailer_lag_events \d+/);
    expect(text).toMatch(/parley_event_tailer_lag_seconds \d/);
    expect(text).toContain('parley_http_request_duration_seconds_bucket');

    // The Grafana dashboard in docs/ is built from metrics the server exports.
    const dashboard = await readFile(
      new URL('../../../docs/grafana-dashboard.json', import.meta.url),
      'utf8',
    );
    const used = new Set(
      [...dashboard.matchAll(/parley_\w+/g)].map(([name]) =>
        name.replace(/_(bucket|sum|count)$/, ''),
      ),
    );
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(text, name).toContain(`# HELP ${name} `);
  });
});

describeEachDialect('static files (issue 18)', (dialect) => {
  it('serves the demo precompressed with Vary, hashed assets immutable, index.html revalidated by ETag', async () => {
    const dist = await mkdtemp(join(tmpdir(), 'parley-demo-'));
    try {
      const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
      await mkdir(join(dist, 'assets'));
      await writeFile(join(dist, 'assets', 'index-Bq3x9Z1a.js'), script);
      await writeFile(
        join(dist, 'index.html'),
        `<!doctype html><script src="/assets/index-Bq3x9Z1a.js"></script>${' '.repeat(2000)}`,
      );
      await using server = await startTestServer({ dialect, env: { WEB_DEMO_DIR: dist } });

      const br = await fetch(`${server.url}/assets/index-Bq3x9Z1a.js`, {
        headers: { 'accept-encoding': 'br' },
      });
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(br.headers.get('vary')).toContain('Accept-Encoding');
      expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      // fetch decodes the body itself; the raw bytes are checked below over gzip.
      expect(await br.text()).toBe(script);
      const gz = await fetch(`${server.url}/assets/index-Bq3x9Z1a.js`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(Number(gz.headers.get('content-length'))).toBeLessThan(script.length / 4);
      const plain = await fetch(`${server.url}/assets/index-Bq3x9Z1a.js`, {
        headers: { 'accept-encoding': 'identity' },
      });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(Number(plain.headers.get('content-length'))).toBe(script.length);

      const index = await fetch(`${server.url}/`);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      const etag = index.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);

      // Swagger UI's files: compressed and revalidated the same way.
      const swagger = await fetch(`${server.url}/docs/swagger-ui.css`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(swagger.headers.get('content-encoding')).toBe('gzip');
      expect(swagger.headers.get('vary')).toContain('Accept-Encoding');
      expect(swagger.headers.get('cache-control')).toBe('no-cache');
      const swaggerEtag = swagger.headers.get('etag')!;
      const cached = await fetch(`${server.url}/docs/swagger-ui.css`, {
        headers: { 'if-none-match': swaggerEtag },
      });
      expect(cached.status).toBe(304);
      // Unknown paths stay JSON 404s even with the demo built.
      const unknown = await fetch(`${server.url}/some/spa/route`, {
        headers: { accept: 'text/html' },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/json');
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });
});
