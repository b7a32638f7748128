import { randomBytes } from 'node:crypto';
import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import { makePng } from '../../../apps/server/test/helpers/files.ts';
import { memoryStorage, ParleyError, type UploadProgress } from '../src/index.ts';
import { signedUpClient, testClient } from './helpers/sdk.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

// Small numbers so a test file of a megabyte takes the resumable path in many chunks.
const uploads = { resumableThreshold: 128 * 1024, chunkSize: 64 * 1024 };
const bytesOf = async (blob: Blob) => Buffer.from(await blob.arrayBuffer());

describeEachDialect('file uploads through the SDK', (dialect) => {
  it('uploads a small file in one request with progress; signed URLs need no bearer token', async () => {
    await using server = await startTestServer({ dialect });
    await using ada = await signedUpClient(server.url, 'Ada', { uploads });
    const png = await makePng(400, 300);
    const progress: UploadProgress[] = [];
    const file = await ada.parley.files.upload(new Blob([png], { type: 'image/png' }), {
      name: 'photo.png',
      onProgress: (p) => progress.push(p),
    });
    expect(file).toMatchObject({ name: 'photo.png', contentType: 'image/png', size: png.length });
    expect(progress.at(0)).toEqual({ loaded: 0, total: png.length });
    expect(progress.at(-1)).toEqual({ loaded: png.length, total: png.length });

    // A plain GET, as an <img src> makes it: no Authorization header.
    const url = await ada.parley.files.url(file.id);
    const plain = await fetch(url);
    expect(plain.status).toBe(200);
    expect((await bytesOf(await plain.blob())).equals(png)).toBe(true);
    const thumb = await fetch(await ada.parley.files.url(file.id, { thumbnail: 256 }));
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await ada.parley.files.download(file.id)).size).toBe(png.length);

    // Scoped: the same signature opens no other file, no other variant, no other expiry.
    const other = await ada.parley.files.upload(new Uint8Array(randomBytes(100)), { name: 'x' });
    const tampered = [
      url.replace(file.id, other.id),
      url.replace(`/files/${file.id}?`, `/files/${file.id}/thumbnail/256?`),
      url.replace(/expires=(\d+)/, (_, e) => `expires=${Number(e) + 60}`),
    ];
    for (const link of tampered) expect((await fetch(link)).status).toBe(403);
    // Expiring: after FILE_URL_TTL_SECONDS it stops working.
    server.clock.advance(601_000);
    expect(await fetch(url).then((r) => r.json())).toEqual({
      code: 'FORBIDDEN',
      message: 'Invalid or expired download link',
    });
    // A stranger cannot get a URL for someone else's file.
    await using ben = await signedUpClient(server.url, 'Ben');
    await expect(ben.parley.files.url(file.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("answers the server's refusals as ParleyErrors (413, 415, 422)", async () => {
    await using server = await startTestServer({
      dialect,
      env: { UPLOAD_MAX_BYTES: String(100 * 1024), IMAGE_MAX_PIXELS: '10000' },
    });
    await using ada = await signedUpClient(server.url, 'Ada', { uploads, maxSendAttempts: 1 });
    const cases = [
      // Too large: in one multipart request, and resumable (refused from Upload-Length).
      [new Uint8Array(randomBytes(110 * 1024)), {}, 413, 'PAYLOAD_TOO_LARGE'],
      // (tus answers this one itself, in plain text: no finer reason.)
      [new Blob([randomBytes(200 * 1024)]), {}, 413, undefined],
      // Declared PNG, but the bytes are text.
      [new TextEncoder().encode('hello'), { type: 'image/png' }, 415, 'CONTENT_TYPE_MISMATCH'],
      // An image over IMAGE_MAX_PIXELS.
      [await makePng(200, 200), { name: 'big.png' }, 422, 'IMAGE_TOO_LARGE'],
    ] as const;
    const codes = {
      413: 'PAYLOAD_TOO_LARGE',
      415: 'UNSUPPORTED_MEDIA_TYPE',
      422: 'UNPROCESSABLE_CONTENT',
    };
    for (const [source, options, status, reason] of cases) {
      const error = await ada.parley.files.upload(source, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParleyError);
      expect(error).toMatchObject({ code: codes[status], httpStatus: status, reason });
    }
  });

  it('a resumable upload survives a dropped connection and a new client', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    const storage = memoryStorage();
    const first = await signedUpClient(proxy.url, 'Ada', {
      uploads,
      storage,
      maxSendAttempts: 2,
    });
    const bytes = randomBytes(1024 * 1024 + 5);
    const total = bytes.length;

    // The network drops in the middle of the file: the upload asks where it was and goes on.
    let cut = false;
    const seen: number[] = [];
    const file = await first.parley.files.upload(bytes, {
      name: 'backup.bin',
      onProgress: ({ loaded }) => {
        seen.push(loaded);
        if (!cut && loaded >= total / 3) {
          cut = true;
          proxy.cut();
        }
      },
    });
    expect(cut).toBe(true);
    expect(seen.at(-1)).toBe(total);
    expect((await bytesOf(await first.parley.files.download(file.id))).equals(bytes)).toBe(true);

    // Now the network stays down after a third of a second file: the upload gives up...
    const second = randomBytes(900 * 1024);
    const failure = await first.parley.files
      .upload(new Blob([second]), {
        name: 'second.bin',
        onProgress: ({ loaded }) => {
          if (loaded >= second.length / 3) proxy.refuse('PATCH /api/v1/uploads');
        },
      })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'NETWORK_ERROR' });
    await first.parley.close(); // ...and the page is closed.

    // A new client (the page reloaded) uploads the same bytes: it continues, not restarts.
    proxy.refuse(null);
    await using again = testClient(proxy.url, { uploads, storage });
    const resumedFrom: number[] = [];
    const finished = await again.parley.files.upload(new Blob([second]), {
      name: 'second.bin',
      onProgress: ({ loaded }) => resumedFrom.push(loaded),
    });
    expect(resumedFrom[0]).toBeGreaterThanOrEqual(second.length / 3);
    expect(resumedFrom.at(-1)).toBe(second.length);
    const got = await bytesOf(await again.parley.files.download(finished.id));
    expect(got.equals(second)).toBe(true);
  });

  it('aborts through an AbortSignal and abandons the upload', async () => {
    await using server = await startTestServer({ dialect });
    await using ada = await signedUpClient(server.url, 'Ada', { uploads });
    const controller = new AbortController();
    const bytes = randomBytes(512 * 1024);
    const aborted = ada.parley.files.upload(bytes, {
      signal: controller.signal,
      onProgress: ({ loaded }) => {
        if (loaded > 0) controller.abort();
      },
    });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    // Aborted uploads are not resumed: the same bytes start from zero.
    const fresh: number[] = [];
    await ada.parley.files.upload(bytes, { onProgress: ({ loaded }) => fresh.push(loaded) });
    expect(fresh[0]).toBe(0);
  });

  it('an attachment sent while offline is uploaded and sent on reconnect', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada', { uploads });
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    proxy.refuse('HTTP/1.1'); // the network is gone: every new request and socket is refused
    proxy.cut();
    await vi.waitFor(() => expect(ada.parley.connection.status).not.toBe('connected'));
    const png = await makePng(64, 48);
    const big = randomBytes(300 * 1024);
    const outgoing = ada.parley.messages.send({
      conversationId: chat.id,
      text: 'holiday',
      attachments: [new Blob([png], { type: 'image/png' }), big],
    });
    expect(outgoing).toMatchObject({ status: 'pending', uploading: 2 });

    proxy.refuse(null); // back online
    const message = await outgoing.sent;
    expect(message.attachments.map((a) => a.size)).toEqual([png.length, big.length]);
    await vi.waitFor(() => expect(ben.texts()).toEqual(['holiday']));
    const [received] = ben.messages();
    expect(received!.attachments.map((a) => a.contentType)).toEqual([
      'image/png',
      'application/octet-stream',
    ]);
    const thumbnail = await ben.parley.files.download(received!.attachments[0]!.id);
    expect((await bytesOf(thumbnail)).equals(png)).toBe(true);
  });
});
