import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../src/index.ts';
import { signedUpClient } from './helpers/sdk.ts';

describe('chat through the SDK', () => {
  it('sends optimistically and follows the message from pending to read', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    const outgoing = ada.parley.messages.send({ conversationId: chat.id, text: 'hi Ben' });
    expect(outgoing.status).toBe('pending');
    expect(ada.parley.messages.pending(chat.id)).toEqual([outgoing]);
    const stored = await outgoing.sent;
    expect(stored).toMatchObject({ text: 'hi Ben', clientMessageId: outgoing.clientMessageId });

    // Ben's device receives it and acknowledges delivery by itself; reading is Ben's call.
    await vi.waitFor(() => expect(ben.texts()).toEqual(['hi Ben']));
    await vi.waitFor(() => expect(outgoing.status).toBe('delivered'));
    await ben.parley.conversations.markRead({ conversationId: chat.id });
    await vi.waitFor(() => expect(outgoing.status).toBe('read'));
    const seen = ada.events.status.filter((s) => s === outgoing).length;
    expect(seen).toBe(4); // pending, sent, delivered, read
    expect(ada.parley.messages.pending()).toEqual([]);
    expect(await ada.parley.messages.status({ messageId: stored.id })).toMatchObject({
      status: 'read',
    });

    // Edits and reactions reach the other side as messageUpdated.
    await ada.parley.messages.edit({ messageId: stored.id, text: 'hi Ben!' });
    await ben.parley.messages.react({ messageId: stored.id, emoji: '👋' });
    await vi.waitFor(() =>
      expect(ben.events.messageUpdated.map((e) => e.type)).toEqual([
        'message.edited',
        'reaction.added',
      ]),
    );
    expect(ada.events.messageUpdated.map((e) => e.type)).toEqual([
      'message.edited',
      'reaction.added',
    ]);
  });

  it('signals typing (debounced) and shows presence', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const benId = ben.parley.session!.user.id;
    const chat = await ada.parley.conversations.openDirect({ userId: benId });

    for (let i = 0; i < 5; i++) ada.parley.typing(chat.id);
    await vi.waitFor(() =>
      expect(ben.events.typing).toEqual([
        expect.objectContaining({ conversationId: chat.id, isTyping: true }),
      ]),
    );
    ada.parley.typing(chat.id, false);
    await vi.waitFor(() => expect(ben.events.typing.at(-1)?.isTyping).toBe(false));
    expect(ben.events.typing).toHaveLength(2);

    expect(await ada.parley.presence.get({ userIds: [benId] })).toEqual([
      { userId: benId, online: true, lastSeenAt: null },
    ]);
  });

  it('throws typed errors; rate limits carry retryAfterMs', async () => {
    await using server = await startTestServer({ env: { LOGIN_RATE_LIMIT: '1' } });
    await using ada = await signedUpClient(server.url, 'Ada');

    const missing = await ada.parley.messages.get({ messageId: 'nope' }).catch((e) => e);
    expect(missing).toBeInstanceOf(ParleyError);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });

    const wrong = { email: ada.email, password: 'not-the-password' };
    expect(await ada.parley.auth.login(wrong).catch((e) => e)).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const limited = await ada.parley.auth.login(wrong).catch((e) => e);
    expect(limited).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    // A failed login leaves the current session alone.
    expect(ada.parley.session?.user.displayName).toBe('Ada');
  });
});
