import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, refreshTokens, registerUser } from './helpers/clients.ts';
import { authHeader, download, makePng, upload } from './helpers/files.ts';
import { startS3Server } from './helpers/s3-server.ts';
import { startTestServer } from './helpers/test-server.ts';

const DAY_MS = 24 * 3600_000;
const text = (s: string) => new TextEncoder().encode(s);

describeEachDialect('file lifecycle', (dialect) => {
  it('attach rules, message delete, soft delete, paging and the 24 h sweep', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = (clientMessageId: string, attachments: string[], body = '') =>
      ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId,
        text: body,
        attachments,
      });

    const notes = await upload(server, ada, text('meeting notes'), 'notes.txt', 'text/plain');
    expect(notes).toMatchObject({ contentType: 'text/plain', width: null, thumbnailSizes: [] });
    const bens = await upload(server, ben, text('bens'), 'b.txt', 'text/plain');

    // Only your own, live files; each once; at most 10; text or attachments required.
    expect(await errorCode(send('x1', [bens.id]))).toBe('NOT_FOUND');
    expect(await errorCode(send('x2', [notes.id, notes.id]))).toBe('BAD_REQUEST');
    expect(await errorCode(send('x3', Array(11).fill(notes.id)))).toBe('BAD_REQUEST');
    expect(await errorCode(send('x4', []))).toBe('BAD_REQUEST');

    const files = [notes];
    for (let i = 0; i < 4; i++) {
      files.push(await upload(server, ada, text(`file ${i}`), `f${i}.txt`, 'text/plain'));
    }
    const first = await send('m1', [files[0]!.id, files[1]!.id], 'two files');
    const second = await send('m2', [files[2]!.id, files[3]!.id, files[4]!.id]);
    expect(second.attachments.map((f) => f.id)).toEqual(files.slice(2).map((f) => f.id));
    expect(first.text).toBe('two files');

    // Newest message first, attachments in order, three per page.
    const p1 = await ben.client.files.listForConversation.query({
      conversationId: chat.id,
      limit: 3,
    });
    const p2 = await ben.client.files.listForConversation.query({
      conversationId: chat.id,
      limit: 3,
      cursor: p1.nextCursor,
    });
    expect([...p1.items, ...p2.items].map((f) => f.name)).toEqual([
      'f1.txt',
      'f2.txt',
      'f3.txt',
      'notes.txt',
      'f0.txt',
    ]);
    expect(p2.nextCursor).toBeNull();

    // Deleting the message clears its attachments: Ben loses access, Ada keeps her files.
    const tombstone = await ada.client.messages.delete.mutate({ messageId: first.id });
    expect(tombstone.attachments).toEqual([]);
    expect((await download(server, ben, notes.id)).status).toBe(404);
    expect((await download(server, ada, notes.id)).status).toBe(200);

    // Soft delete: only the uploader; the file leaves messages and its bytes go.
    expect(await errorCode(ben.client.files.delete.mutate({ fileId: files[2]!.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await errorCode(ben.client.files.delete.mutate({ fileId: notes.id }))).toBe('NOT_FOUND');
    const deleted = await fetch(`${server.url}/api/v1/files/${files[2]!.id}`, {
      method: 'DELETE',
      headers: authHeader(ada),
    });
    expect(await deleted.json()).toEqual({ ok: true });
    expect((await download(server, ada, files[2]!.id)).status).toBe(404);
    const after = await ben.client.messages.get.query({ messageId: second.id });
    expect(after.attachments.map((f) => f.id)).toEqual([files[3]!.id, files[4]!.id]);
    expect(await server.server.blobs.list(`files/${files[2]!.id}/`)).toEqual([]);
    expect(await errorCode(send('x5', [files[2]!.id]))).toBe('NOT_FOUND');

    // The sweep: never-attached uploads older than 24 h go; attached and young ones stay.
    const stray = await upload(server, ada, text('forgotten'), 'stray.txt', 'text/plain');
    server.clock.advance(DAY_MS + 1000);
    await refreshTokens(server, ada);
    await refreshTokens(server, ben);
    const young = await upload(server, ada, text('just now'), 'young.txt', 'text/plain');
    const swept = await server.server.sweepFiles();
    expect(swept.files).toBe(2); // the stray one and Ben's unused upload
    expect((await download(server, ada, stray.id)).status).toBe(404);
    expect(await server.server.blobs.list(`files/${stray.id}/`)).toEqual([]);
    expect((await download(server, ada, young.id)).status).toBe(200);
    expect((await download(server, ben, files[3]!.id)).status).toBe(200);
    expect((await download(server, ada, notes.id)).status).toBe(200); // was attached once
    expect((await server.server.sweepFiles()).files).toBe(0);
  });

  it('avatars: own images only, visible to everyone signed in', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const photo = await upload(server, ada, await makePng(300, 300), 'me.png', 'image/png');
    const doc = await upload(server, ada, text('not an image'), 'cv.txt', 'text/plain');
    const bens = await upload(server, ben, await makePng(50, 50), 'ben.png', 'image/png');

    expect(await errorCode(ada.client.users.updateMe.mutate({ avatarFileId: doc.id }))).toBe(
      'BAD_REQUEST',
    );
    expect(await errorCode(ada.client.users.updateMe.mutate({ avatarFileId: bens.id }))).toBe(
      'NOT_FOUND',
    );
    const me = await ada.client.users.updateMe.mutate({ avatarFileId: photo.id });
    expect(me.avatarFileId).toBe(photo.id);
    expect((await ben.client.users.get.query({ userId: ada.id })).avatarFileId).toBe(photo.id);
    expect((await download(server, ben, `${photo.id}/thumbnail/64`)).status).toBe(200);
    // An avatar is attached: the sweep keeps it.
    server.clock.advance(2 * DAY_MS);
    await refreshTokens(server, ada);
    await refreshTokens(server, ben);
    await server.server.sweepFiles();
    expect((await download(server, ben, photo.id)).status).toBe(200);
    expect((await ada.client.users.updateMe.mutate({ avatarFileId: null })).avatarFileId).toBe(
      null,
    );
    expect((await download(server, ben, photo.id)).status).toBe(404);
  });
});

it('reports storage health and can redirect downloads to presigned S3 URLs', async () => {
  await using s3 = await startS3Server();
  await using server = await startTestServer({
    env: { ...s3.env, S3_PRESIGNED_DOWNLOADS: 'true', S3_PRESIGN_TTL_SECONDS: '30' },
  });
  const health = await fetch(`${server.url}/health/storage`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', backend: 's3' });

  const ada = await registerUser(server, 'Ada');
  const bytes = text('presigned bytes');
  const file = await upload(server, ada, bytes, 'p.txt', 'text/plain');
  const res = await download(server, ada, file.id, {});
  // fetch followed the redirect to S3 (dropping our Authorization header on the way).
  expect(res.redirected).toBe(true);
  expect(new URL(res.url).searchParams.get('X-Amz-Expires')).toBe('30');
  expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  expect(res.headers.get('content-disposition')).toBe('attachment; filename="p.txt"');

  await s3[Symbol.asyncDispose]();
  const down = await fetch(`${server.url}/health/storage`);
  expect(down.status).toBe(503);
  expect(await down.json()).toMatchObject({ status: 'error', backend: 's3' });
});

it('reports disk storage health', async () => {
  await using server = await startTestServer();
  const res = await fetch(`${server.url}/health/storage`);
  expect(await res.json()).toMatchObject({ status: 'ok', backend: 'disk' });
});
