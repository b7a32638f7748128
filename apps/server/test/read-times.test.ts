import type { MessageDto } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import createClient from 'openapi-fetch';
import { expect, it, vi } from 'vitest';
import type { paths } from './generated/parley-api.gen.ts';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const MINUTE = 60_000;

describeEachDialect('read times', (dialect) => {
  it('GET /messages/{id}/status tells when each recipient got and read the message', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id, cy.id] });
    const conversationId = group.id;
    const at = () => new Date(server.clock.now()).toISOString();
    await using adaPhone = await connectDevice(server, ada);
    const m1 = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: '1',
      text: 'one',
    });
    const m2 = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: '2',
      text: 'two',
    });
    // The test clock runs (plus the offsets it is advanced by): a time is taken between two reads.
    const during = async (action: () => Promise<unknown>) => {
      const before = at();
      await action();
      return { before, after: at() };
    };
    const inside = (time: string | null | undefined, span: { before: string; after: string }) =>
      time !== null && time !== undefined && time >= span.before && time <= span.after;

    server.clock.advance(2 * MINUTE);
    const benGot = await during(() =>
      ben.client.conversations.markDelivered.mutate({ conversationId, upToSeq: m1.seq }),
    );
    server.clock.advance(2 * MINUTE);
    const benRead = await during(() =>
      ben.client.conversations.markRead.mutate({ conversationId, upToSeq: m2.seq }),
    );
    server.clock.advance(2 * MINUTE);
    // Cy's own message moves her watermarks: she has read what came before it.
    const cySent = await cy.client.messages.send.mutate({
      conversationId,
      clientMessageId: 'c',
      text: 'seen',
    });

    const rest = createClient<paths>({
      baseUrl: `${server.url}/api/v1`,
      headers: { authorization: `Bearer ${ada.auth.accessToken}` },
    });
    const status = await rest.GET('/messages/{messageId}/status', {
      params: { path: { messageId: m1.id } },
    });
    expect(status.data).toMatchObject({
      messageId: m1.id,
      seq: m1.seq,
      status: 'read',
      readCount: 2,
    });
    const byUser = (report: typeof status.data, userId: string) =>
      report?.recipients.find((r) => r.userId === userId);
    const benM1 = byUser(status.data, ben.id)!;
    expect(benM1.status).toBe('read');
    expect(inside(benM1.deliveredAt, benGot)).toBe(true);
    expect(inside(benM1.readAt, benRead)).toBe(true);
    expect(byUser(status.data, cy.id)).toEqual({
      userId: cy.id,
      status: 'read',
      deliveredAt: cySent.createdAt,
      readAt: cySent.createdAt,
    });
    // m2 was delivered to Ben with the read, not before.
    const second = await ada.client.messages.status.query({ messageId: m2.id });
    const benM2 = byUser(second, ben.id)!;
    expect(inside(benM2.deliveredAt, benRead)).toBe(true);
    expect(benM2.readAt).toBe(benM2.deliveredAt);

    // A later message: nobody has it yet.
    const m3 = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: '3',
      text: 'three',
    });
    const third = await ada.client.messages.status.query({ messageId: m3.id });
    expect(third.readCount).toBe(0);
    expect(third.recipients.every((r) => r.deliveredAt === null && r.readAt === null)).toBe(true);

    // "Read by N of M" live: the receipts Ada's device gets say who read m3.
    await ben.client.conversations.markRead.mutate({ conversationId });
    await vi.waitFor(() =>
      expect(
        adaPhone.durable.filter(
          (e) => e.type === 'receipt' && e.userId === ben.id && e.lastReadSeq >= m3.seq,
        ),
      ).toHaveLength(1),
    );
    expect((await ada.client.messages.status.query({ messageId: m3.id })).readCount).toBe(1);

    expect(await errorCode(eve.client.messages.status.query({ messageId: m1.id }))).toBe(
      'NOT_FOUND',
    );
  });

  it('keeps the history small: close moves coalesce, old ones are dropped, times never early', async () => {
    await using server = await startTestServer({
      dialect,
      // The clock moves hours ahead: tokens must outlive it.
      env: { SEND_RATE_LIMIT: '10000', ACCESS_TOKEN_TTL_SECONDS: String(24 * 3600) },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const conversationId = chat.id;
    const sent: MessageDto[] = [];
    for (let i = 0; i < 110; i++) {
      sent.push(
        await ada.client.messages.send.mutate({
          conversationId,
          clientMessageId: `m${i}`,
          text: `${i}`,
        }),
      );
    }
    const at = () => new Date(server.clock.now()).toISOString();
    const read = async (i: number) => {
      const before = at();
      await ben.client.conversations.markRead.mutate({ conversationId, upToSeq: sent[i]!.seq });
      return { before, after: at() };
    };
    const readAt = async (i: number) =>
      (await ada.client.messages.status.query({ messageId: sent[i]!.id })).recipients[0]!.readAt!;
    // Two reads within a minute: one point, at the later time.
    await read(0);
    server.clock.advance(10_000);
    const later = await read(1);
    expect(await readAt(0)).toBe(await readAt(1));
    expect((await readAt(0)) >= later.before).toBe(true);

    // 108 more reads two minutes apart: only the newest 100 points stay; the oldest messages
    // report the oldest kept time, later than the truth but never earlier.
    const spans: { before: string; after: string }[] = [];
    for (let i = 2; i < 110; i++) {
      server.clock.advance(2 * MINUTE);
      spans[i] = await read(i);
    }
    const within = (time: string, i: number) => time >= spans[i]!.before && time <= spans[i]!.after;
    expect(within(await readAt(109), 109)).toBe(true);
    expect(within(await readAt(50), 50)).toBe(true);
    expect(within(await readAt(0), 10)).toBe(true);
  });
});
