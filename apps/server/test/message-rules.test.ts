import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUser, rejection } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('message rules', (dialect) => {
  it('stores one message for a repeated clientMessageId, even when sent concurrently', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = () =>
      ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'once',
        text: 'only once',
      });
    const first = await send();
    const retry = await send();
    expect(retry.id).toBe(first.id);
    const burst = await Promise.all(
      [1, 2, 3].map(() =>
        ada.client.messages.send.mutate({
          conversationId: chat.id,
          clientMessageId: 'c',
          text: 'x',
        }),
      ),
    );
    expect(new Set(burst.map((m) => m.id)).size).toBe(1);
    const history = await ben.client.messages.list.query({ conversationId: chat.id });
    expect(history.messages.map((m) => m.clientMessageId)).toEqual(['once', 'c']);
    // Reusing the id for another conversation is a client bug, not a retry.
    const cy = await registerUser(server, 'Cy');
    const other = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    expect(
      await errorCode(
        ada.client.messages.send.mutate({
          conversationId: other.id,
          clientMessageId: 'once',
          text: 'hi',
        }),
      ),
    ).toBe('CONFLICT');
  });

  it('only lets the sender edit, only within the window; only the sender deletes', async () => {
    await using server = await startTestServer({ dialect, env: { EDIT_WINDOW_SECONDS: '60' } });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const msg = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'e1',
      text: 'original',
    });
    expect(await errorCode(ben.client.messages.edit.mutate({ messageId: msg.id, text: 'x' }))).toBe(
      'FORBIDDEN',
    );
    expect(await errorCode(ben.client.messages.delete.mutate({ messageId: msg.id }))).toBe(
      'FORBIDDEN',
    );
    await ada.client.messages.edit.mutate({ messageId: msg.id, text: 'in time' });
    server.clock.advance(61_000);
    expect(
      await errorCode(ada.client.messages.edit.mutate({ messageId: msg.id, text: 'late' })),
    ).toBe('PRECONDITION_FAILED');
    const unchanged = await ben.client.messages.get.query({ messageId: msg.id });
    expect(unchanged.text).toBe('in time');
    // Deleting has no window.
    await ada.client.messages.delete.mutate({ messageId: msg.id });
    expect(
      await errorCode(ada.client.messages.react.mutate({ messageId: msg.id, emoji: '👍' })),
    ).toBe('PRECONDITION_FAILED');
  });

  it('answers NOT_FOUND to non-members, exactly as for things that do not exist', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const eve = await registerUser(server, 'Eve');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const msg = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'p1',
      text: 'private',
    });
    const c = eve.client;
    // Each attempt's code is captured at once: the client batches them into one request.
    const attempts: Record<string, Promise<unknown>> = {
      get: c.conversations.get.query({ conversationId: chat.id }),
      list: c.messages.list.query({ conversationId: chat.id }),
      participants: c.conversations.participants.query({ conversationId: chat.id }),
      send: c.messages.send.mutate({ conversationId: chat.id, clientMessageId: 'x', text: 'hi' }),
      read: c.conversations.markRead.mutate({ conversationId: chat.id }),
      message: c.messages.get.query({ messageId: msg.id }),
      edit: c.messages.edit.mutate({ messageId: msg.id, text: 'x' }),
      del: c.messages.delete.mutate({ messageId: msg.id }),
      react: c.messages.react.mutate({ messageId: msg.id, emoji: '👍' }),
      missingChat: c.conversations.get.query({ conversationId: 'does-not-exist' }),
      missingMessage: c.messages.get.query({ messageId: 'does-not-exist' }),
    };
    const codes = await Promise.all(
      Object.entries(attempts).map(async ([name, attempt]) => [name, await errorCode(attempt)]),
    );
    expect(codes).toEqual(Object.keys(attempts).map((name) => [name, 'NOT_FOUND']));
    // A reply target must be in the same conversation.
    const other = await eve.client.conversations.openDirect.mutate({ userId: ada.id });
    expect(
      await errorCode(
        ada.client.messages.send.mutate({
          conversationId: other.id,
          clientMessageId: 'r',
          text: 'reply',
          replyToId: msg.id,
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      (await ben.client.messages.list.query({ conversationId: chat.id })).messages,
    ).toHaveLength(1);
  });

  it('rejects bad input with BAD_REQUEST and the zod issues', async () => {
    await using server = await startTestServer({ dialect, env: { MESSAGE_MAX_LENGTH: '10' } });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = (text: string) =>
      ada.client.messages.send.mutate({ conversationId: chat.id, clientMessageId: text, text });
    expect(await errorCode(send(''))).toBe('BAD_REQUEST');
    expect(await errorCode(send('   '))).toBe('BAD_REQUEST');
    expect(await errorCode(send('12345678901'))).toBe('BAD_REQUEST');
    expect((await send('1234567890')).seq).toBe(1);
    expect(await errorCode(ada.client.conversations.openDirect.mutate({ userId: ada.id }))).toBe(
      'BAD_REQUEST',
    );
    const res = await fetch(`${server.url}/trpc/messages.send`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ada.auth.accessToken}`,
      },
      body: JSON.stringify({ conversationId: chat.id, text: 42 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; data: { issues: unknown[] } } };
    expect(body.error.message).toContain('clientMessageId');
    expect(body.error.data.issues).toHaveLength(2);
  });

  it('limits sends per user with TOO_MANY_REQUESTS and a retry-after', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '3' } });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = (id: string) =>
      ada.client.messages.send.mutate({ conversationId: chat.id, clientMessageId: id, text: id });
    for (const id of ['a', 'b', 'c']) await send(id);
    const error = await rejection(send('d'));
    expect(error.data?.code).toBe('TOO_MANY_REQUESTS');
    expect(error.data?.retryAfterMs).toBeGreaterThan(0);
    // A retry of a stored message is not a new send and is not limited.
    expect((await send('a')).seq).toBe(1);
    // Ben has his own budget.
    await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'b1',
      text: 'hi',
    });
  });
});
