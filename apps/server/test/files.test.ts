import { describeEachDialect } from '@parley/db/testing';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { registerUser } from './helpers/clients.ts';
import { authHeader, download, makePng, upload } from './helpers/files.ts';
import { startS3Server } from './helpers/s3-server.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('files and attachments', (dialect) => {
  for (const storage of ['disk', 's3'] as const) {
    it(`A shares an image with B; C cannot see it; Range and ETag work [${storage}]`, async () => {
      await using s3 = storage === 's3' ? await startS3Server() : undefined;
      await using server = await startTestServer({ dialect, env: s3?.env });
      const ada = await registerUser(server, 'Ada');
      const ben = await registerUser(server, 'Ben');
      const cy = await registerUser(server, 'Cy');
      const png = await makePng(1200, 800);

      const file = await upload(server, ada, png, 'holiday/../beach photo.png', 'image/png');
      expect(file).toMatchObject({
        ownerId: ada.id,
        name: 'beach photo.png',
        contentType: 'image/png',
        size: png.length,
        width: 1200,
        height: 800,
        thumbnailSizes: [64, 256, 1024],
      });
      expect(file.placeholder).toMatch(/^[0-9A-Za-z#$%*+,-.:;=?@[\]^_{|}~]{20,}$/);

      // Not attached yet: only Ada can read it.
      expect((await download(server, ben, file.id)).status).toBe(404);

      const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
      const sent = await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'photo-1',
        attachments: [file.id],
      });
      expect(sent.text).toBe('');
      expect(sent.attachments).toEqual([file]);
      const seen = await ben.client.messages.list.query({ conversationId: chat.id });
      expect(seen.messages[0]?.attachments.map((a) => a.id)).toEqual([file.id]);

      // B downloads the original, byte for byte, with a safe disposition and a strong ETag.
      const full = await download(server, ben, file.id);
      expect(full.status).toBe(200);
      expect(Buffer.from(await full.arrayBuffer()).equals(png)).toBe(true);
      expect(full.headers.get('content-type')).toBe('image/png');
      expect(full.headers.get('content-length')).toBe(String(png.length));
      expect(full.headers.get('content-disposition')).toBe('inline; filename="beach photo.png"');
      expect(full.headers.get('x-content-type-options')).toBe('nosniff');
      const etag = full.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect((await download(server, ben, file.id, { 'if-none-match': etag })).status).toBe(304);

      // Range: exactly the requested bytes.
      const part = await download(server, ben, file.id, { range: 'bytes=100-1123' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-1123/${png.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(100, 1124))).toBe(true);
      const tail = await download(server, ben, file.id, { range: 'bytes=-10' });
      expect(Buffer.from(await tail.arrayBuffer()).equals(png.subarray(-10))).toBe(true);
      const past = await download(server, ben, file.id, { range: `bytes=${png.length}-` });
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${png.length}`);

      // B's thumbnail: a WebP that fits the box and keeps the aspect ratio.
      const thumb = await download(server, ben, `${file.id}/thumbnail/256`);
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 256, height: 171 });
      expect((await download(server, ben, `${file.id}/thumbnail/100`)).status).toBe(404);

      // C is in no conversation holding the file: 404 for bytes, thumbnail and metadata.
      for (const path of [file.id, `${file.id}/thumbnail/64`, `${file.id}/meta`]) {
        const res = await download(server, cy, path);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'File not found' });
      }
      expect((await download(server, cy, file.id, { range: 'bytes=0-1' })).status).toBe(404);
      // Without a token: 401.
      expect((await fetch(`${server.url}/api/v1/files/${file.id}`)).status).toBe(401);

      // The conversation's files, through tRPC and REST.
      const listed = await ben.client.files.listForConversation.query({ conversationId: chat.id });
      expect(listed.items).toEqual([
        { ...file, messageId: sent.id, messageSeq: sent.seq, senderId: ada.id },
      ]);
      const rest = await fetch(`${server.url}/api/v1/conversations/${chat.id}/files`, {
        headers: authHeader(ben),
      });
      expect(await rest.json()).toEqual(listed);
      expect(await cy.client.files.get.query({ fileId: file.id }).catch((e) => e.data.code)).toBe(
        'NOT_FOUND',
      );
    });
  }
});
