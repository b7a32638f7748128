import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEachDialect } from '@parley/db/testing';
import { describe, expect, it } from 'vitest';
import { querySpanName } from '../src/tracing/index.ts';
import { registerUsers, wsClient } from './helpers/clients.ts';
import { type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { runMain } from './helpers/process.ts';
import { startTestServer, TEST_JWT_SECRET } from './helpers/test-server.ts';

const SERVER = 2;
const CLIENT = 3;
const moduleLog = fileURLToPath(new URL('./helpers/module-log.mjs', import.meta.url));

function only(spans: ReceivedSpan[], predicate: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(predicate);
  expect(found, `one span expected, got ${found.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

describeEachDialect('tracing (issue 18)', (dialect) => {
  it('traces a REST request and a WebSocket call: HTTP span > procedure span > query spans, a given traceparent continued, no secrets', async () => {
    await using receiver = await startOtlpReceiver();
    await using server = await startTestServer({
      dialect,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%20123',
        OTEL_SERVICE_NAME: 'parley-test',
      },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });

    // REST, inside a trace the caller started.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`${server.url}/api/v1/users/me`, {
      headers: {
        authorization: `Bearer ${ada.auth.accessToken}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': 'trace-probe-1',
      },
    });
    expect(res.status).toBe(200);
    // A refused tRPC call over HTTP (no token).
    expect((await fetch(`${server.url}/trpc/users.me`)).status).toBe(401);

    // tRPC over a real WebSocket: a query, and a message whose text must not be exported.
    {
      await using ws = wsClient(server, () => ben.auth.accessToken);
      expect((await ws.client.users.me.query()).id).toBe(ben.id);
      await ws.client.messages.send.mutate({
        conversationId: direct.id,
        clientMessageId: 'm1',
        text: 'the secret message text',
      });
    }
    // Closing exports what is buffered (the SDK's shutdown flushes); nothing is awaited by time.
    await server.server.close();

    const { spans } = receiver;
    expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(receiver.requests[0]?.headers['x-collector-key']).toBe('k 123');
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['parley-test']));

    // The REST request: the caller's trace, its span the parent.
    const http = only(spans, (s) => s.attributes['parley.request_id'] === 'trace-probe-1');
    expect(http).toMatchObject({
      name: 'GET /api/v1/users/me',
      kind: SERVER,
      traceId,
      parentSpanId: callerSpanId,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/v1/users/me',
        'http.response.status_code': 200,
        'enduser.id': ada.id,
      },
    });
    const procedure = only(childrenOf(spans, http), () => true);
    expect(procedure).toMatchObject({
      name: 'users.me',
      attributes: { 'rpc.system': 'trpc', 'rpc.method': 'users.me', 'trpc.type': 'query' },
    });
    const queries = childrenOf(spans, procedure);
    expect(queries.length).toBeGreaterThan(0);
    const system = dialect === 'postgres' ? 'postgresql' : 'sqlite';
    for (const query of queries) {
      expect(query.kind).toBe(CLIENT);
      expect(query.attributes['db.system']).toBe(system);
      expect(String(query.attributes['db.query.text'])).toMatch(/^\s*(select|with)\b/i);
    }
    expect(queries.map((q) => q.name)).toContain('SELECT users');
    // The user's id is a parameter: the statement text has a placeholder, not the value.
    expect(queries.some((q) => String(q.attributes['db.query.text']).includes(ada.id))).toBe(false);

    // The WebSocket query: a trace of its own, the procedure span its root, queries below.
    const wsQuery = only(
      spans,
      (s) => s.name === 'users.me' && s.attributes['enduser.id'] === ben.id && !s.parentSpanId,
    );
    expect(wsQuery.kind).toBe(SERVER);
    expect(childrenOf(spans, wsQuery).some((q) => q.name === 'SELECT users')).toBe(true);
    const send = only(spans, (s) => s.name === 'messages.send');
    expect(send).toMatchObject({ kind: SERVER, attributes: { 'trpc.type': 'mutation' } });
    expect(send.parentSpanId).toBeFalsy();

    // The refused call: its error code on the procedure span, which stays OK (an answer, not
    // a fault of the server), under the HTTP span of its request.
    const refusedHttp = only(spans, (s) => s.name === 'GET /trpc/users.me');
    expect(refusedHttp.attributes['http.response.status_code']).toBe(401);
    const refused = only(childrenOf(spans, refusedHttp), () => true);
    expect(refused).toMatchObject({
      name: 'users.me',
      kind: 1,
      attributes: { 'trpc.error_code': 'UNAUTHORIZED' },
    });
    expect(refused.status?.code ?? 0).toBe(0);

    // No token, password or message text anywhere in what was exported.
    const exported = receiver.everything();
    for (const secret of [
      ada.auth.accessToken,
      ada.auth.refreshToken,
      ben.auth.accessToken,
      'pw-Ada-long-enough',
      'the secret message text',
    ]) {
      expect(exported).not.toContain(secret);
    }
  }, 60_000);
});

describe('tracing on and off in a server process (issue 18)', () => {
  it('off by default: the SDK is never loaded and nothing is sent; on: http/protobuf spans arrive', async () => {
    await using receiver = await startOtlpReceiver();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-tracing-'));
    try {
      const run = async (env: Record<string, string>) => {
        const log = join(dataDir, `modules-${Object.keys(env).length}.log`);
        await using proc = runMain(
          {
            PORT: '0',
            HOST: '127.0.0.1',
            DATA_DIR: dataDir,
            JWT_SECRET: TEST_JWT_SECRET,
            PARLEY_MODULE_LOG: log,
            ...env,
          },
          { nodeArgs: ['--import', moduleLog] },
        );
        const url = await proc.listening;
        // Probes are not traced; an API request is.
        expect((await fetch(`${url}/health/live`)).status).toBe(200);
        expect((await fetch(`${url}/api/v1/users/me`)).status).toBe(401);
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(0);
        return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      };

      const off = await run({});
      expect(off.some((m) => m.includes('@opentelemetry/api/'))).toBe(true);
      expect(off.filter((m) => /@opentelemetry\/(?!api\/)/.test(m))).toEqual([]);
      expect(receiver.requests).toHaveLength(0);

      const on = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(on.some((m) => m.includes('@opentelemetry/sdk-trace-node/'))).toBe(true);
      expect(on.some((m) => m.includes('@opentelemetry/exporter-trace-otlp-proto/'))).toBe(true);
      expect(on.some((m) => m.includes('@opentelemetry/exporter-trace-otlp-http/'))).toBe(false);
      // The default protocol is http/protobuf; span names travel as UTF-8 strings in it.
      expect(receiver.requests.length).toBeGreaterThan(0);
      expect(receiver.requests[0]).toMatchObject({
        path: '/v1/traces',
        contentType: 'application/x-protobuf',
      });
      expect(receiver.everything()).toContain('GET /api/v1/users/me');
      expect(receiver.everything()).not.toContain('/health/live');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 240_000); // two start-ups of the server's TypeScript through tsx
});

describe('query span names', () => {
  it('name the operation and, for plain statements, the table', () => {
    expect(querySpanName('select "id" from "users" where "id" = ?')).toBe('SELECT users');
    expect(querySpanName('insert into "events" ("type") values ($1)')).toBe('INSERT events');
    expect(querySpanName('update "messages" set "text" = $1')).toBe('UPDATE messages');
    expect(querySpanName('delete from "sessions" where 1')).toBe('DELETE sessions');
    expect(querySpanName('begin')).toBe('BEGIN');
    expect(querySpanName('with x as (select 1) select * from x')).toBe('SELECT');
  });
});
