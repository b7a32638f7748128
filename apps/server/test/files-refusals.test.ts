import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { registerUser } from './helpers/clients.ts';
import {
  authHeader,
  leftovers,
  makePixelBomb,
  makePng,
  nothingLeft,
  uploadRaw,
} from './helpers/files.ts';
import { startS3Server } from './helpers/s3-server.ts';
import { startTestServer } from './helpers/test-server.ts';
import { tusCreate, tusPatch } from './helpers/tus.ts';

const LIMIT = 256 * 1024;

describeEachDialect('refused uploads leave nothing behind', (dialect) => {
  for (const storage of ['disk', 's3'] as const) {
    it(`refuses oversized, lying and pixel-bomb uploads with clear errors [${storage}]`, async () => {
      await using s3 = storage === 's3' ? await startS3Server() : undefined;
      await using server = await startTestServer({
        dialect,
        env: { ...s3?.env, UPLOAD_MAX_BYTES: String(LIMIT), IMAGE_MAX_PIXELS: '4000000' },
      });
      const ada = await registerUser(server, 'Ada');
      const refused = async (res: Response, status: number, code: string, message: RegExp) => {
        expect(res.status).toBe(status);
        const body = (await res.json()) as { code: string; message: string };
        expect(body.code).toBe(code);
        expect(body.message).toMatch(message);
        expect(await leftovers(server)).toEqual(nothingLeft);
      };

      // Far over the limit by Content-Length: refused before the body is read. One byte over:
      // refused while streaming, when the file part passes the limit.
      for (const size of [LIMIT * 8, LIMIT + 1]) {
        await refused(
          await uploadRaw(server, ada, new Uint8Array(size), 'big.bin', 'application/octet-stream'),
          413,
          'PAYLOAD_TOO_LARGE',
          new RegExp(`limit of ${LIMIT} bytes`),
        );
      }
      // Streamed without any length (chunked).
      const boundary = 'parley-boundary';
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const chunks = [
        Buffer.from(head),
        ...Array.from({ length: 8 }, () => Buffer.alloc(64 * 1024)),
      ];
      const streamed = await fetch(`${server.url}/api/v1/files`, {
        method: 'POST',
        headers: {
          ...authHeader(ada),
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body: new ReadableStream({
          pull(controller) {
            const next = chunks.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      await refused(streamed, 413, 'PAYLOAD_TOO_LARGE', /larger than the limit/);

      // A PDF sent as a PNG; text sent as a JPEG.
      const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n');
      await refused(
        await uploadRaw(server, ada, pdf, 'cat.png', 'image/png'),
        415,
        'CONTENT_TYPE_MISMATCH',
        /sent as image\/png, but its bytes are application\/pdf/,
      );
      await refused(
        await uploadRaw(server, ada, Buffer.from('<html>hi</html>'), 'x.jpg', 'image/jpeg'),
        415,
        'CONTENT_TYPE_MISMATCH',
        /sent as image\/jpeg, but its bytes are text/,
      );

      // A 100,000 x 100,000 PNG of a few hundred bytes; and a real image over the pixel limit.
      const bomb = await makePixelBomb(100_000, 100_000);
      expect(bomb.length).toBeLessThan(1024);
      await refused(
        await uploadRaw(server, ada, bomb, 'bomb.png', 'image/png'),
        422,
        'IMAGE_TOO_LARGE',
        /100000x100000 pixels; the limit is 4000000/,
      );
      await refused(
        await uploadRaw(server, ada, await makePng(2100, 2000), 'big.png', 'image/png'),
        422,
        'IMAGE_TOO_LARGE',
        /2100x2000/,
      );

      // The same refusals over tus: at creation (size) and when the last byte arrives.
      const tooBig = await tusCreate(server, ada, { length: LIMIT + 1, name: 'big.bin' });
      expect(tooBig.status).toBe(413);
      for (const [bytes, type, status, code] of [
        [pdf, 'image/png', 415, 'CONTENT_TYPE_MISMATCH'],
        [bomb, 'image/png', 422, 'IMAGE_TOO_LARGE'],
      ] as const) {
        const created = await tusCreate(server, ada, { length: bytes.length, name: 'x', type });
        expect(created.status).toBe(201);
        const last = await tusPatch(server, ada, created.headers.get('location')!, 0, bytes);
        await refused(last, status, code, /./);
      }
    });
  }
});
