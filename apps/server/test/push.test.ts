import type { NotificationPayload } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { importJWK, jwtVerify } from 'jose';
import { expect, it, vi } from 'vitest';
import webpush from 'web-push';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { fastNotify, outbox, send } from './helpers/notify.ts';
import { createBrowserKeys, startPushService } from './helpers/push-service.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const vapid = webpush.generateVAPIDKeys();
const SUBJECT = 'mailto:ops@parley.test';

async function withPush(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const push = await startPushService();
  const server = await startTestServer({
    dialect,
    env: {
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: SUBJECT,
      PUSH_ENDPOINT_HOSTS: '127.0.0.1',
      ...fastNotify,
      ...env,
    },
  });
  return {
    push,
    server,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await push[Symbol.asyncDispose]();
    },
  };
}

function subscriptions(server: TestServer) {
  return server.server.db.db
    .selectFrom('push_subscriptions')
    .select(['user_id', 'endpoint'])
    .execute();
}

/** Checks the VAPID JWT (ES256, signed with the server's key) the way a push service does. */
async function verifyVapid(authorization: string, audience: string) {
  const match = /^vapid t=([^,]+), k=(.+)$/.exec(authorization);
  expect(match?.[2]).toBe(vapid.publicKey);
  const raw = Buffer.from(vapid.publicKey, 'base64url');
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const { payload } = await jwtVerify(match![1]!, key, { audience, subject: SUBJECT });
  expect(payload.exp! * 1000 - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
}

describeEachDialect('Web Push', (dialect) => {
  it('delivers an encrypted, VAPID-signed push to every browser of an offline member', async () => {
    await using t = await withPush(dialect, { NOTIFICATION_PREVIEW: 'true' });
    const { server, push } = t;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    expect(await ben.client.notifications.vapidPublicKey.query()).toEqual({
      publicKey: vapid.publicKey,
    });
    const phone = createBrowserKeys();
    const laptop = createBrowserKeys();
    for (const [name, browser] of [
      ['phone', phone],
      ['laptop', laptop],
    ] as const) {
      // What a browser's PushSubscription.toJSON() gives, extra fields included.
      const subscription = {
        endpoint: push.endpoint(name),
        expirationTime: null,
        keys: browser.keys,
      };
      expect(await ben.client.notifications.registerPush.mutate(subscription)).toEqual({
        ok: true,
      });
    }
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const message = await send(ada, chat.id, 'Hello Ben 👋');

    await vi.waitFor(() => expect(push.requests).toHaveLength(2));
    for (const request of push.requests) {
      expect(request.headers).toMatchObject({
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl: '86400',
        urgency: 'high',
        topic: message.id,
      });
      await verifyVapid(String(request.headers.authorization), push.origin);
      const browser = request.path === '/push/phone' ? phone : laptop;
      const notification = JSON.parse(browser.decrypt(request.body)) as NotificationPayload;
      expect(notification).toMatchObject({
        type: 'message.created',
        userId: ben.id,
        conversationId: chat.id,
        messageId: message.id,
        senderName: 'Ada',
        preview: 'Hello Ben 👋',
      });
      // Encrypted for this browser only: the other one's keys cannot open it.
      const other = browser === phone ? laptop : phone;
      expect(() => other.decrypt(request.body)).toThrow();
    }
    await vi.waitFor(async () =>
      expect((await outbox(server)).map((r) => [r.sink, r.state])).toEqual([['push', 'delivered']]),
    );
  });

  it('drops subscriptions the push service reports gone and retries other failures', async () => {
    await using t = await withPush(dialect);
    const { server, push } = t;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    for (const name of ['gone', 'flaky']) {
      await ben.client.notifications.registerPush.mutate({
        endpoint: push.endpoint(name),
        keys: createBrowserKeys().keys,
      });
    }
    let flakyFailures = 2;
    push.answer((path) => {
      if (path.endsWith('/gone')) return 410;
      if (flakyFailures > 0) {
        flakyFailures -= 1;
        return 500;
      }
      return 201;
    });
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await send(ada, chat.id);
    await vi.waitFor(
      async () =>
        expect(await outbox(server)).toMatchObject([
          { sink: 'push', state: 'delivered', attempts: 3 },
        ]),
      { timeout: 5000 },
    );
    expect(await subscriptions(server)).toEqual([
      { user_id: ben.id, endpoint: push.endpoint('flaky') },
    ]);
    const flaky = push.requests.filter((r) => r.path === '/push/flaky');
    expect(flaky).toHaveLength(3);
    expect(push.requests.filter((r) => r.path === '/push/gone')).toHaveLength(1);
  });

  it('accepts known push services and well-formed keys only; unregistering stops pushes', async () => {
    await using t = await withPush(dialect);
    const { server, push } = t;
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const { keys } = createBrowserKeys();
    for (const endpoint of [
      'http://10.0.0.5/push/x',
      'https://evil.example/push/x',
      `http://127.0.0.1.evil.example/push/x`,
      `http://user:pw@127.0.0.1:${new URL(push.origin).port}/push/x`,
      'not a url',
    ]) {
      expect(
        await errorCode(ben.client.notifications.registerPush.mutate({ endpoint, keys })),
      ).toBe('BAD_REQUEST');
    }
    const endpoint = push.endpoint('ben');
    for (const bad of [
      { ...keys, p256dh: keys.p256dh.slice(0, 40) },
      { ...keys, p256dh: Buffer.alloc(65, 4).toString('base64url') },
      { ...keys, auth: Buffer.alloc(8).toString('base64url') },
      { ...keys, auth: 'not base64url!' },
    ]) {
      expect(
        await errorCode(ben.client.notifications.registerPush.mutate({ endpoint, keys: bad })),
      ).toBe('BAD_REQUEST');
    }
    await ben.client.notifications.registerPush.mutate({ endpoint, keys });
    // Someone else cannot remove it.
    await eve.client.notifications.unregisterPush.mutate({ endpoint });
    expect(await subscriptions(server)).toHaveLength(1);
    await ben.client.notifications.unregisterPush.mutate({ endpoint });
    expect(await subscriptions(server)).toEqual([]);

    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await send(ada, chat.id);
    // No subscription, no push row.
    expect(await outbox(server)).toEqual([]);
  });

  it('is off without VAPID keys', async () => {
    await using server = await startTestServer({ dialect });
    const [ben] = await registerUsers(server, 'Ben');
    expect(await ben.client.notifications.vapidPublicKey.query()).toEqual({ publicKey: null });
    expect(
      await errorCode(
        ben.client.notifications.registerPush.mutate({
          endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
          keys: createBrowserKeys().keys,
        }),
      ),
    ).toBe('PRECONDITION_FAILED');
  });
});
