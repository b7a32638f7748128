import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { startServer } from '../src/index.ts';
import { registerWithEmail, restCall } from './helpers/admin.ts';
import { registerUser, registerUsers, type TestUser } from './helpers/clients.ts';
import { startTestServer, TestClock, type TestServer, testConfig } from './helpers/test-server.ts';

// Issue 15, item 4: integration webhooks, driven through the real server and a real receiver.

interface Received {
  id: string;
  type: string;
  createdAt: string;
  // biome-ignore lint/suspicious/noExplicitAny: each event type carries its own data.
  data: any;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A receiver on 127.0.0.1:0 that checks `Parley-Signature` the way docs/webhooks.md tells
 * integrators to (HMAC-SHA256 of `timestamp.body`, constant-time compare). `failing` makes it
 * answer 500 to every request until set back to 0; `failNext(n)` fails the next n only.
 */
async function startReceiver() {
  const state = { secret: '', failNext: 0, failing: false };
  const accepted: Received[] = [];
  const attempts: { eventId: string; status: number; signed: boolean }[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const timestamp = String(req.headers['parley-timestamp'] ?? '');
    const signature = String(req.headers['parley-signature'] ?? '');
    const expected = `v1=${createHmac('sha256', state.secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const signed =
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    const eventId = String(req.headers['parley-event-id'] ?? '');
    let status = 200;
    if (!signed) status = 401;
    else if (state.failing) status = 500;
    else if (state.failNext > 0) {
      state.failNext -= 1;
      status = 503;
    } else {
      const event = JSON.parse(body) as Received;
      expect(event.id).toBe(eventId);
      accepted.push(event);
    }
    attempts.push({ eventId, status, signed });
    res.statusCode = status;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/parley-events`,
    state,
    accepted,
    attempts,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const FAST = {
  ADMIN_EMAILS: 'ops@example.com',
  WEBHOOK_POLL_MS: '25',
  WEBHOOK_RETRY_BASE_MS: '10',
  WEBHOOK_RETRY_MAX_MS: '40',
};

async function setUp(server: TestServer) {
  const admin = await registerWithEmail(server, 'Ops', 'ops@example.com');
  const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
  return { admin, ada, ben, cy };
}

async function createHook(
  server: TestServer,
  admin: TestUser,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  events: string[],
) {
  const created = await restCall(server, admin.auth.accessToken, 'POST', '/admin/webhooks', {
    url: receiver.url,
    events,
    description: 'orders backend',
  });
  expect(created.status).toBe(200);
  expect(created.body.secret).toMatch(/^whsec_/);
  receiver.state.secret = created.body.secret;
  return created.body.id as string;
}

const deliveries = async (server: TestServer, admin: TestUser, hookId: string, query = '') =>
  (
    await restCall(
      server,
      admin.auth.accessToken,
      'GET',
      `/admin/webhooks/${hookId}/deliveries${query}`,
    )
  ).body;

describeEachDialect('integration webhooks', (dialect) => {
  it('delivers signed message, member and report events; admins only; bad input is 400', async () => {
    await using server = await startTestServer({ dialect, env: FAST });
    await using receiver = await startReceiver();
    const { admin, ada, ben, cy } = await setUp(server);

    // Not an admin: FORBIDDEN on every webhook path.
    const token = ada.auth.accessToken;
    const body = { url: receiver.url, events: ['*'] };
    expect((await restCall(server, token, 'POST', '/admin/webhooks', body)).status).toBe(403);
    expect((await restCall(server, token, 'GET', '/admin/webhooks')).status).toBe(403);
    expect((await restCall(server, token, 'GET', '/admin/webhooks/x/deliveries')).status).toBe(403);
    expect((await restCall(server, token, 'PATCH', '/admin/webhooks/x', {})).status).toBe(403);
    expect((await restCall(server, token, 'DELETE', '/admin/webhooks/x')).status).toBe(403);

    // Bad input: 400.
    const bad = (payload: unknown) =>
      restCall(server, admin.auth.accessToken, 'POST', '/admin/webhooks', payload);
    expect((await bad({ url: 'ftp://example.com/x', events: ['*'] })).status).toBe(400);
    expect((await bad({ url: 'https://user:pw@example.com/x', events: ['*'] })).status).toBe(400);
    expect((await bad({ url: 'not a url', events: ['*'] })).status).toBe(400);
    expect((await bad({ url: receiver.url, events: [] })).status).toBe(400);
    expect((await bad({ url: receiver.url, events: ['message.exploded'] })).status).toBe(400);
    expect((await bad({ url: receiver.url, events: ['*'], extra: 1 })).status).toBe(400);
    const missing = await restCall(
      server,
      admin.auth.accessToken,
      'PATCH',
      '/admin/webhooks/nope',
      {
        enabled: true,
      },
    );
    expect(missing.status).toBe(404);

    const hookId = await createHook(server, admin, receiver, [
      'message.created',
      'message.edited',
      'message.deleted',
      'member.added',
      'member.removed',
      'report.created',
      'report.resolved',
    ]);
    const listed = await restCall(server, admin.auth.accessToken, 'GET', '/admin/webhooks');
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        id: hookId,
        url: receiver.url,
        enabled: true,
        consecutiveFailures: 0,
      }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(receiver.state.secret);

    const group = await ada.client.groups.create.mutate({ name: 'Orders', userIds: [ben.id] });
    const sent = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'm1',
      text: 'order #1 shipped',
    });
    // A message event carries the message as it is when the hook's event is read from the log
    // (docs/webhooks.md): edit it once its `message.created` went out.
    await vi.waitFor(() =>
      expect(receiver.accepted.some((e) => e.data.message?.id === sent.id)).toBe(true),
    );
    await ada.client.messages.edit.mutate({ messageId: sent.id, text: 'order #1 delivered' });
    await ada.client.groups.addMembers.mutate({ groupId: group.id, userIds: [cy.id] });
    await ada.client.groups.removeMember.mutate({ groupId: group.id, userId: cy.id });
    const report = await ben.client.reports.create.mutate({
      targetType: 'message',
      targetId: sent.id,
      reason: 'spam',
    });
    await restCall(server, admin.auth.accessToken, 'POST', `/admin/reports/${report.id}/resolve`, {
      action: 'delete_message',
    });

    await vi.waitFor(
      () => {
        expect(new Set(receiver.accepted.map((e) => e.type))).toEqual(
          new Set([
            'message.created',
            'message.edited',
            'message.deleted',
            'member.added',
            'member.removed',
            'report.created',
            'report.resolved',
          ]),
        );
      },
      { timeout: 15_000 },
    );
    expect(receiver.attempts.every((a) => a.signed)).toBe(true);
    // System messages ("Ada added Cy") are message.created events too, with kind 'system'.
    const byType = (type: string) =>
      receiver.accepted.filter((e) => e.type === type && e.data.message?.kind !== 'system');
    expect(byType('message.created')).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          conversationId: group.id,
          message: expect.objectContaining({ id: sent.id, text: 'order #1 shipped' }),
        }),
      }),
    ]);
    expect(byType('message.edited')[0]!.data.message.text).toBe('order #1 delivered');
    expect(byType('member.added')[0]!.data).toMatchObject({
      conversationId: group.id,
      userIds: [cy.id],
    });
    // One event per removal (the removed user's own copy is not sent again).
    expect(byType('member.removed')).toHaveLength(1);
    expect(byType('member.removed')[0]!.data).toMatchObject({ userId: cy.id, reason: 'removed' });
    expect(byType('report.created')[0]!.data).toMatchObject({
      reportId: report.id,
      messageId: sent.id,
      reason: 'spam',
    });
    expect(byType('report.resolved')[0]!.data).toMatchObject({
      reportId: report.id,
      action: 'delete_message',
    });
    expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(receiver.accepted.length);

    // The delivery log: one delivered attempt per event, paged.
    // (Each entry is written after the receiver answered: wait for the last one.)
    await vi.waitFor(async () => {
      const log = await deliveries(server, admin, hookId, '?limit=3');
      expect(log.items).toHaveLength(3);
      expect(log.items[0]).toMatchObject({ attempt: 1, outcome: 'delivered', statusCode: 200 });
      const rest = await deliveries(server, admin, hookId, `?cursor=${log.nextCursor}&limit=100`);
      expect(log.items.length + rest.items.length).toBe(receiver.accepted.length);
    });

    // Only the chosen types: a hook for reports alone gets no message events.
    await using second = await startReceiver();
    await createHook(server, admin, second, ['report.created']);
    await ben.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'm2',
      text: 'hi',
    });
    await ben.client.reports.create.mutate({
      targetType: 'user',
      targetId: ada.id,
      reason: 'other',
    });
    await vi.waitFor(() => expect(second.accepted.map((e) => e.type)).toEqual(['report.created']));

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/parley_webhooks\{state="active"\} 2/);
    expect(metrics).toContain('parley_webhook_outbox_pending');

    // DELETE removes it and its log.
    const deleted = await restCall(
      server,
      admin.auth.accessToken,
      'DELETE',
      `/admin/webhooks/${hookId}`,
    );
    expect(deleted.body).toEqual({ ok: true });
    const after = await restCall(
      server,
      admin.auth.accessToken,
      'GET',
      `/admin/webhooks/${hookId}/deliveries`,
    );
    expect(after.status).toBe(404);
  }, 60_000);

  it('retries a failing receiver with backoff, then delivers the same event id', async () => {
    await using server = await startTestServer({ dialect, env: FAST });
    await using receiver = await startReceiver();
    const { admin, ada, ben } = await setUp(server);
    // Created first: its system message ("Ada created the group") is not the event under test.
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    const hookId = await createHook(server, admin, receiver, ['message.created']);
    receiver.state.failNext = 2;
    const sent = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'r1',
      text: 'retry me',
    });
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1), { timeout: 15_000 });
    expect(receiver.accepted[0]!.data.message.id).toBe(sent.id);
    expect(receiver.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(new Set(receiver.attempts.map((a) => a.eventId))).toEqual(
      new Set([receiver.accepted[0]!.id]),
    );
    // (Each entry is written after the receiver answered: wait for the last one.)
    await vi.waitFor(async () => {
      const log = await deliveries(server, admin, hookId);
      expect(
        log.items.map((d: { attempt: number; outcome: string; statusCode: number }) => [
          d.attempt,
          d.outcome,
          d.statusCode,
        ]),
      ).toEqual([
        [3, 'delivered', 200],
        [2, 'retrying', 503],
        [1, 'retrying', 503],
      ]);
    });
    const hook = await restCall(server, admin.auth.accessToken, 'GET', '/admin/webhooks');
    expect(hook.body.items[0]).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  }, 60_000);

  it('a delivery pending when the server stops is delivered after a restart on the same database', async () => {
    // Retries an hour apart: the second attempt can only come from the restarted server.
    await using server = await startTestServer({
      dialect,
      env: { ...FAST, WEBHOOK_RETRY_BASE_MS: '3600000', WEBHOOK_RETRY_MAX_MS: '3600000' },
    });
    await using receiver = await startReceiver();
    const { admin, ada, ben } = await setUp(server);
    // Created first: its system message ("Ada created the group") is not the event under test.
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    const hookId = await createHook(server, admin, receiver, ['message.created']);
    receiver.state.failing = true;
    await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'p1',
      text: 'survive a restart',
    });
    await vi.waitFor(() => expect(receiver.attempts).toHaveLength(1), { timeout: 15_000 });
    await vi.waitFor(async () => {
      expect((await deliveries(server, admin, hookId)).items).toEqual([
        expect.objectContaining({ outcome: 'retrying', statusCode: 500 }),
      ]);
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('parley_webhook_outbox_pending 1');

    await server.restart();
    receiver.state.failing = false;
    server.clock.advance(2 * 3600_000);
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1), { timeout: 15_000 });
    expect(receiver.accepted[0]!.data.message.text).toBe('survive a restart');
    expect(receiver.accepted[0]!.id).toBe(receiver.attempts[0]!.eventId);
  }, 60_000);

  it('repeated failure disables the hook (GET, delivery log, metrics); PATCH re-enables it', async () => {
    await using server = await startTestServer({
      dialect,
      env: { ...FAST, WEBHOOK_DISABLE_AFTER_FAILURES: '3' },
    });
    await using receiver = await startReceiver();
    const { admin, ada, ben } = await setUp(server);
    // Created first: its system message ("Ada created the group") is not the event under test.
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    const hookId = await createHook(server, admin, receiver, ['message.created']);
    receiver.state.failing = true;
    await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'd1',
      text: 'nobody home',
    });
    const hooks = () => restCall(server, admin.auth.accessToken, 'GET', '/admin/webhooks');
    await vi.waitFor(
      async () => {
        expect((await hooks()).body.items[0]).toMatchObject({ enabled: false });
      },
      { timeout: 15_000 },
    );
    const disabled = (await hooks()).body.items[0];
    expect(disabled.disabledReason).toContain('3 consecutive failed deliveries');
    expect(disabled.disabledAt).toEqual(expect.any(String));
    const log = await deliveries(server, admin, hookId);
    expect(log.items.map((d: { outcome: string }) => d.outcome)).toEqual([
      'hook_disabled',
      'retrying',
      'retrying',
    ]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_webhooks\{state="disabled"\} 1/);
    expect(metrics).toMatch(/parley_webhook_deliveries_total\{outcome="hook_disabled"\} 1/);
    // Disabled: no more attempts.
    const tried = receiver.attempts.length;
    expect(tried).toBe(3);

    // Re-enabled (with a new secret): the event it still owed arrives, signed with the new one.
    receiver.state.failing = false;
    const patched = await restCall(
      server,
      admin.auth.accessToken,
      'PATCH',
      `/admin/webhooks/${hookId}`,
      {
        enabled: true,
        rotateSecret: true,
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: true,
      consecutiveFailures: 0,
      disabledReason: null,
    });
    expect(patched.body.secret).toMatch(/^whsec_/);
    receiver.state.secret = patched.body.secret;
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1), { timeout: 15_000 });
    expect(receiver.accepted[0]!.data.message.text).toBe('nobody home');
  }, 60_000);
});

describeEachDialect('integration webhooks on several instances', (dialect) => {
  it('two instances on one database deliver every event exactly once', async () => {
    await using receiver = await startReceiver();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-hooks-'));
    const pg = dialect === 'postgres' ? await createPgSchema() : undefined;
    // Both poll constantly, so both keep reading the log and claiming the same rows.
    const config = testConfig(dataDir, pg?.url, {
      ...FAST,
      WEBHOOK_POLL_MS: '5',
      SEND_RATE_LIMIT: '1000',
    });
    const clock = new TestClock();
    const one = await startServer(config, { clock });
    const two = await startServer(config, { clock });
    try {
      const address = (url: string) => ({ url, wsUrl: `${url}/trpc` });
      const admin = await registerWithEmail(address(one.url), 'Ops', 'ops@example.com');
      const ada = await registerUser(address(one.url), 'Ada');
      const readers = await registerUsers(address(two.url), 'Ben', 'Cy', 'Di');
      const chats = await Promise.all(
        readers.map((r) => ada.client.conversations.openDirect.mutate({ userId: r.id })),
      );
      const created = await restCall(
        address(two.url),
        admin.auth.accessToken,
        'POST',
        '/admin/webhooks',
        {
          url: receiver.url,
          events: ['message.created'],
        },
      );
      receiver.state.secret = created.body.secret;
      const sent: string[] = [];
      for (let round = 0; round < 8; round += 1) {
        const batch = await Promise.all(
          chats.map((c, i) =>
            ada.client.messages.send.mutate({
              conversationId: c.id,
              clientMessageId: `m-${round}-${i}`,
              text: `round ${round}`,
            }),
          ),
        );
        sent.push(...batch.map((m) => m.id));
      }
      await vi.waitFor(() => expect(receiver.accepted).toHaveLength(sent.length), {
        timeout: 20_000,
      });
      const ids = receiver.accepted.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(receiver.accepted.map((e) => e.data.message.id).sort()).toEqual([...sent].sort());
      expect(receiver.attempts).toHaveLength(sent.length);
      // Settled after the receiver answered: wait for the last settle to commit.
      await vi.waitFor(async () => {
        const rows = await one.db.db
          .selectFrom('webhook_outbox')
          .select(['state', 'attempts'])
          .execute();
        expect(rows).toHaveLength(sent.length);
        expect(rows.every((r) => r.state === 'delivered' && Number(r.attempts) === 1)).toBe(true);
      });
    } finally {
      await one.close();
      await two.close();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
