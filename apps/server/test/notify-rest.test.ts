import { describeEachDialect } from '@parley/db/testing';
import createClient from 'openapi-fetch';
import { expect, it } from 'vitest';
import webpush from 'web-push';
import type { paths } from './generated/parley-api.gen.ts';
import { registerUser } from './helpers/clients.ts';
import { createBrowserKeys } from './helpers/push-service.ts';
import { startTestServer } from './helpers/test-server.ts';

const vapid = webpush.generateVAPIDKeys();

describeEachDialect('email codes, muting and push subscriptions over REST', (dialect) => {
  it('works from a client generated from /openapi.json', async () => {
    await using server = await startTestServer({
      dialect,
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@parley.test',
      },
    });
    const baseUrl = `${server.url}/api/v1`;
    const anon = createClient<paths>({ baseUrl });
    const email = `rest.${Date.now()}@example.com`;

    const requested = await anon.POST('/auth/otp', { body: { email } });
    expect(requested.data).toEqual({ ok: true });
    const outbox = await fetch(`${server.url}/dev/outbox?to=${encodeURIComponent(email)}`);
    const { mails } = (await outbox.json()) as { mails: { text: string }[] };
    const code = /\b(\d{6})\b/.exec(mails[0]!.text)![1]!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await anon.POST('/auth/otp/verify', { body: { email, code: wrongCode } });
    expect(wrong.response.status).toBe(401);
    const signedIn = await anon.POST('/auth/otp/verify', {
      body: { email, code, displayName: 'Rest' },
    });
    expect(signedIn.data?.user).toMatchObject({ email, displayName: 'Rest' });

    const me = createClient<paths>({
      baseUrl,
      headers: { authorization: `Bearer ${signedIn.data!.accessToken}` },
    });
    const ben = await registerUser(server, 'Ben');
    const chat = await ben.client.conversations.openDirect.mutate({
      userId: signedIn.data!.user.id,
    });
    const params = { path: { conversationId: chat.id } };
    const muted = await me.POST('/conversations/{conversationId}/mute', { params, body: {} });
    expect(muted.data?.mutedUntil).toBe('9999-12-31T23:59:59.999Z');
    const unmuted = await me.DELETE('/conversations/{conversationId}/mute', { params });
    expect(unmuted.data?.mutedUntil).toBeNull();

    expect((await me.GET('/notifications/vapid-public-key')).data).toEqual({
      publicKey: vapid.publicKey,
    });
    const endpoint = 'https://fcm.googleapis.com/fcm/send/rest-test';
    const { keys } = createBrowserKeys();
    const registered = await me.POST('/notifications/push-subscriptions', {
      body: { endpoint, keys },
    });
    expect(registered.data).toEqual({ ok: true });
    const removed = await me.DELETE('/notifications/push-subscriptions', {
      params: { query: { endpoint } },
    });
    expect(removed.data).toEqual({ ok: true });
    const rows = await server.server.db.db.selectFrom('push_subscriptions').selectAll().execute();
    expect(rows).toEqual([]);
  });
});
