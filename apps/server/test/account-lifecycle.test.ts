import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeEachDialect, tablesOf } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import {
  errorCode,
  httpClient,
  registerUser,
  registerUsers,
  type TestUser,
} from './helpers/clients.ts';
import { authHeader, filesUnder, upload } from './helpers/files.ts';
import { startSmtpServer } from './helpers/smtp.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** Every value of every row of every table of the server's database, as text. */
async function dumpDatabase(server: TestServer): Promise<string[]> {
  const { db } = server.server.db;
  const tables = await tablesOf(db);
  expect(tables).toEqual(expect.arrayContaining(['users', 'messages', 'events', 'files']));
  const values: string[] = [];
  for (const table of tables) {
    const rows = (await db
      .selectFrom(table as 'users')
      .selectAll()
      .execute()) as unknown as Record<string, unknown>[];
    for (const row of rows) {
      for (const value of Object.values(row)) {
        if (value === null || value === undefined) continue;
        if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
          values.push(Buffer.from(value).toString('latin1'));
        } else values.push(typeof value === 'object' ? JSON.stringify(value) : String(value));
      }
    }
  }
  return values;
}

function contains(values: string[], needle: string): string[] {
  const lower = needle.toLowerCase();
  return values.filter((v) => v.toLowerCase().includes(lower));
}

/** Files under DATA_DIR (blob store, staging) holding `bytes`; the database files excluded. */
async function blobsHolding(server: TestServer, bytes: Buffer): Promise<string[]> {
  const found: string[] = [];
  for (const path of await filesUnder(server.dataDir)) {
    if (/\.db(-wal|-shm)?$/.test(path)) continue;
    if ((await readFile(join(server.dataDir, path))).includes(bytes)) found.push(path);
  }
  return found;
}

function restGet(server: TestServer, user: TestUser, path: string) {
  return fetch(`${server.url}/api/v1${path}`, { headers: authHeader(user) });
}

describeEachDialect('sessions', (dialect) => {
  it('lists one session per login and revoking one stops its refresh at once', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const email = ada.auth.user.email;
    const anon = httpClient(server);
    const laptop = await anon.auth.login.mutate({ email, password: 'pw-Ada-long-enough' });
    const sessions = await ada.client.users.sessions.query();
    expect(sessions).toHaveLength(2);
    // Refreshing keeps the session (same family), it is not a new one.
    ada.auth = await anon.auth.refresh.mutate({ refreshToken: ada.auth.refreshToken });
    const after = await ada.client.users.sessions.query();
    expect(after.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());

    const res = await restGet(server, ada, '/users/me/sessions');
    expect(res.status).toBe(200);
    const laptopSession = after.find(
      (s) => s.createdAt === after.reduce((a, b) => (a.createdAt > b.createdAt ? a : b)).createdAt,
    )!;
    const revoke = await fetch(`${server.url}/api/v1/users/me/sessions/${laptopSession.id}`, {
      method: 'DELETE',
      headers: authHeader(ada),
    });
    expect(revoke.status).toBe(200);
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: laptop.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    // The other session still works; another user cannot touch or see it.
    ada.auth = await anon.auth.refresh.mutate({ refreshToken: ada.auth.refreshToken });
    expect(await ada.client.users.sessions.query()).toHaveLength(1);
    const eve = await registerUser(server, 'Eve');
    const [mine] = await ada.client.users.sessions.query();
    expect(await errorCode(eve.client.users.revokeSession.mutate({ sessionId: mine!.id }))).toBe(
      'NOT_FOUND',
    );
    ada.auth = await anon.auth.refresh.mutate({ refreshToken: ada.auth.refreshToken });
  });
});

describeEachDialect('data export', (dialect) => {
  it("contains exactly the user's data and nobody else's", async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cal] = await registerUsers(server, 'Ada Export', 'Ben Other', 'Cal Other');
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const group = await cal.client.groups.create.mutate({
      name: 'Trip',
      userIds: [ada.id, ben.id],
    });
    const adaFile = await upload(server, ada, Buffer.from('ada-notes'), 'notes.txt', 'text/plain');
    await upload(server, ben, Buffer.from('ben-notes'), 'ben.txt', 'text/plain');
    const mine = await ada.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'a1',
      text: 'ada says hello',
      attachments: [adaFile.id],
    });
    const theirs = await ben.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'b1',
      text: 'ben secret reply',
    });
    await cal.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'c1',
      text: 'cal group secret',
    });
    await ada.client.messages.react.mutate({ messageId: theirs.id, emoji: '👍' });
    await ben.client.messages.react.mutate({ messageId: mine.id, emoji: '🎉' });
    await ada.client.users.block.mutate({ userId: cal.id });
    await ben.client.users.block.mutate({ userId: ada.id });

    const res = await restGet(server, ada, '/users/me/export');
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the archive's shape is asserted field by field below
    const data = (await res.json()) as any;
    expect(data.profile).toMatchObject({ id: ada.id, email: ada.auth.user.email });
    expect(data.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [direct.id, group.id].sort(),
    );
    expect(data.messages).toEqual([
      expect.objectContaining({
        id: mine.id,
        text: 'ada says hello',
        attachmentFileIds: [adaFile.id],
      }),
    ]);
    expect(data.reactions).toEqual([
      expect.objectContaining({ messageId: theirs.id, emoji: '👍' }),
    ]);
    expect(data.files).toEqual([
      expect.objectContaining({
        id: adaFile.id,
        name: 'notes.txt',
        url: `/api/v1/files/${adaFile.id}`,
      }),
    ]);
    expect(data.blocks).toEqual([expect.objectContaining({ userId: cal.id })]);
    expect(data.sessions).toHaveLength(1);
    // The link downloads the file with the same token.
    const bytes = await restGet(server, ada, data.files[0].url.replace('/api/v1', ''));
    expect(await bytes.text()).toBe('ada-notes');
    // Nothing of anyone else: their texts, emails, names, files, reactions or blocks.
    const text = JSON.stringify(data);
    for (const other of [
      'ben secret reply',
      'cal group secret',
      ben.auth.user.email,
      cal.auth.user.email,
      'Ben Other',
      'Cal Other',
      'ben.txt',
      '🎉',
    ]) {
      expect(text).not.toContain(other);
    }
    expect(await ada.client.users.export.query()).toMatchObject({ profile: { id: ada.id } });
  });
});

describeEachDialect('account deletion', (dialect) => {
  it('leaves no personal data in the database or blob store; others keep their history', async () => {
    await using smtp = await startSmtpServer({ auth: { user: 'parley', pass: 's3cret' } });
    await using server = await startTestServer({
      dialect,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <login@parley.test>' },
    });
    const unique = randomBytes(4).toString('hex');
    const name = `Zoltraak Quixby${unique}`;
    const [ben, cal] = await registerUsers(server, 'Ben', 'Cal');
    const zed = await registerUser(server, name);
    const email = zed.auth.user.email;
    const fileBytes = Buffer.from(`private-bytes-${unique}-${randomBytes(16).toString('hex')}`);
    const direct = await zed.client.conversations.openDirect.mutate({ userId: ben.id });
    const group = await zed.client.groups.create.mutate({
      name: 'Zed group',
      userIds: [ben.id, cal.id],
    });
    const file = await upload(server, zed, fileBytes, `zed-${unique}.txt`, 'text/plain');
    const avatarFile = await upload(server, zed, fileBytes, `avatar-${unique}.txt`, 'text/plain');
    void avatarFile;
    const zedSaid = await zed.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'z1',
      text: `my phone is 555-${unique}`,
      attachments: [file.id],
    });
    await zed.client.messages.edit.mutate({ messageId: zedSaid.id, text: `edited 555-${unique}` });
    const benSaid = await ben.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'b1',
      text: 'ben keeps this',
    });
    await zed.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'z2',
      text: `group note ${unique}`,
    });
    const calSaid = await cal.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'c1',
      text: 'cal keeps this',
    });
    await zed.client.messages.react.mutate({ messageId: calSaid.id, emoji: '👍' });
    await zed.client.users.block.mutate({ userId: cal.id });
    await zed.client.users.updatePrivacy.mutate({ readReceipts: false });
    await zed.client.users.updateMe.mutate({ about: `about ${unique}` });
    // A second login and a spent email code: sessions and codes are personal data too.
    await httpClient(server).auth.login.mutate({ email, password: `pw-${name}-long-enough` });
    await vi.waitFor(async () => {
      // Indexed for search (SQLite indexes a moment later): the index must be erased too.
      const indexed = await ben.client.messages.search.query({ q: unique });
      expect(indexed.items.length).toBeGreaterThan(0);
    });
    // The scans below do find the data while it exists.
    const before = await dumpDatabase(server);
    for (const needle of [email, name, 'zoltraak', `555-${unique}`, `zed-${unique}`]) {
      expect(contains(before, needle)).not.toEqual([]);
    }
    expect(await blobsHolding(server, fileBytes)).not.toEqual([]);
    await using benPhone = await connectDevice(server, ben);

    // Re-authentication first: wrong password refused; a fresh email code works.
    expect(
      await errorCode(zed.client.users.reauthenticate.mutate({ password: 'wrong-password' })),
    ).toBe('UNAUTHORIZED');
    expect(
      await errorCode(zed.client.users.deleteAccount.mutate({ reauthToken: zed.auth.accessToken })),
    ).toBe('UNAUTHORIZED');
    await httpClient(server).auth.requestOtp.mutate({ email });
    await vi.waitFor(() => expect(smtp.mails.filter((m) => m.to.includes(email))).toHaveLength(1));
    const code = /\b(\d{6})\b/.exec(smtp.mails.at(-1)!.text)![1]!;
    const proof = await zed.client.users.reauthenticate.mutate({ code });
    // Nobody else can use the proof.
    expect(
      await errorCode(ben.client.users.deleteAccount.mutate({ reauthToken: proof.reauthToken })),
    ).toBe('UNAUTHORIZED');
    const res = await fetch(
      `${server.url}/api/v1/users/me?reauthToken=${encodeURIComponent(proof.reauthToken)}`,
      { method: 'DELETE', headers: authHeader(zed) },
    );
    expect(res.status).toBe(200);

    // Others were told live: Zed's message is a tombstone, Zed left the group.
    await vi.waitFor(() => {
      expect(benPhone.durable).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'message.deleted',
            message: expect.objectContaining({ id: zedSaid.id, text: '' }),
          }),
          expect.objectContaining({
            type: 'member.left',
            conversationId: group.id,
            userId: zed.id,
          }),
        ]),
      );
    });

    // Nothing personal anywhere in the database...
    const values = await dumpDatabase(server);
    for (const needle of [
      email,
      name,
      'Zoltraak',
      `555-${unique}`,
      `group note ${unique}`,
      `about ${unique}`,
      `zed-${unique}`,
      fileBytes.toString('latin1'),
    ]) {
      expect({ needle, found: contains(values, needle) }).toEqual({ needle, found: [] });
    }
    // ...nor in the blob store (disk), nor anywhere else under DATA_DIR but the database.
    expect(await blobsHolding(server, fileBytes)).toEqual([]);
    expect(await server.server.blobs.list(`files/${file.id}/`)).toEqual([]);

    // Others' history stays readable; the sender shows as "Deleted user".
    const history = await ben.client.messages.list.query({ conversationId: direct.id });
    expect(history.messages.map((m) => [m.id, m.text])).toEqual([
      [zedSaid.id, ''],
      [benSaid.id, 'ben keeps this'],
    ]);
    const groupHistory = await cal.client.messages.list.query({ conversationId: group.id });
    expect(groupHistory.messages.find((m) => m.id === calSaid.id)?.text).toBe('cal keeps this');
    expect(groupHistory.messages.find((m) => m.id === calSaid.id)?.reactions).toEqual([]);
    expect(groupHistory.messages.filter((m) => m.kind === 'system').map((m) => m.text)).toContain(
      'Deleted user created the group “Zed group”',
    );
    expect(await ben.client.users.get.query({ userId: zed.id })).toMatchObject({
      displayName: 'Deleted user',
      about: '',
      avatarFileId: null,
    });
    // The group works on, with a new admin.
    const participants = await cal.client.conversations.participants.query({
      conversationId: group.id,
    });
    expect(participants.map((p) => p.user.id).sort()).toEqual([ben.id, cal.id].sort());
    expect(participants.some((p) => p.role === 'admin')).toBe(true);
    await cal.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'c2',
      text: 'still here',
    });

    // Sessions are gone; the email is free for a new account.
    expect(
      await errorCode(
        httpClient(server).auth.refresh.mutate({ refreshToken: zed.auth.refreshToken }),
      ),
    ).toBe('UNAUTHORIZED');
    expect(await errorCode(zed.client.users.me.query())).toBe('UNAUTHORIZED');
    const again = await httpClient(server).auth.register.mutate({
      email,
      password: 'a-new-password-here',
      displayName: 'Someone New',
    });
    expect(again.user.id).not.toBe(zed.id);
    expect((await ben.client.users.search.query({ q: 'Deleted' })).items).toEqual([]);
    // The erased account's access token (valid until it expires) opens nothing.
    expect(await errorCode(zed.client.conversations.openDirect.mutate({ userId: cal.id }))).toBe(
      'UNAUTHORIZED',
    );
  });
});
