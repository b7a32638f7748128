import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileDto } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { Upload } from 'tus-js-client';
import { expect, it, vi } from 'vitest';
import { deferred, registerUser } from './helpers/clients.ts';
import { authHeader, download, leftovers, makePng } from './helpers/files.ts';
import { startS3Server } from './helpers/s3-server.ts';
import { startTestServer } from './helpers/test-server.ts';
import { tusCreate, tusOffset, tusPatch } from './helpers/tus.ts';

describeEachDialect('resumable uploads (tus)', (dialect) => {
  for (const storage of ['disk', 's3'] as const) {
    it(`a connection lost halfway resumes to a byte-identical file [${storage}]`, async () => {
      await using s3 = storage === 's3' ? await startS3Server() : undefined;
      await using server = await startTestServer({ dialect, env: s3?.env });
      const [ada, ben] = await Promise.all([
        registerUser(server, 'Ada'),
        registerUser(server, 'Ben'),
      ]);
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const half = Math.floor(bytes.length / 2);

      const created = await tusCreate(server, ada, {
        length: bytes.length,
        name: 'backup.bin',
        type: 'application/octet-stream',
      });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      const uploadId = location.split('/').pop()!;
      const staged = join(server.dataDir, 'uploads', 'tus', uploadId);

      // The first half goes out, then the network drops mid-request.
      const chunks = Array.from({ length: 16 }, (_, i) =>
        bytes.subarray((i * half) / 16, ((i + 1) * half) / 16),
      );
      const broken = tusPatch(
        server,
        ada,
        location,
        0,
        new ReadableStream({
          async pull(controller) {
            const next = chunks.shift();
            if (next) return controller.enqueue(next);
            await vi.waitFor(async () => expect((await stat(staged)).size).toBe(half));
            controller.error(new Error('network lost'));
          },
        }),
      );
      await expect(broken).rejects.toThrow();

      // Someone else cannot see or continue the upload.
      expect(await tusOffset(server, ben, location)).toBeNull();
      expect((await tusPatch(server, ben, location, half, bytes.subarray(half))).status).toBe(404);

      // The client asks where to go on, then sends the rest.
      expect(await tusOffset(server, ada, location)).toBe(half);
      const finished = await tusPatch(server, ada, location, half, bytes.subarray(half));
      expect(finished.status).toBe(200);
      const file = (await finished.json()) as FileDto;
      expect(file).toMatchObject({ id: uploadId, size: bytes.length, name: 'backup.bin' });
      expect(finished.headers.get('parley-file-id')).toBe(uploadId);

      const got = await download(server, ada, file.id);
      expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
      // The staged upload is gone; only the stored file remains.
      const left = await leftovers(server);
      expect(left.local).toEqual([]);
      expect(left.blobs).toEqual([`files/${file.id}/original`]);
    });
  }

  it('works with tus-js-client: pause after half, resume by URL, image finalized', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const png = await makePng(900, 600);
    const options = {
      endpoint: `${server.url}/api/v1/uploads`,
      headers: authHeader(ada),
      chunkSize: 16 * 1024,
      metadata: { filename: 'sunset.png', filetype: 'image/png' },
    };

    const paused = deferred<string>();
    const first: Upload = new Upload(png, {
      ...options,
      onChunkComplete(_chunk, accepted, total) {
        if (accepted >= total / 2) first.abort().then(() => paused.resolve(first.url!));
      },
      onError: paused.reject,
    });
    first.start();
    const url = await paused.promise;
    const offset = await tusOffset(server, ada, url);
    expect(offset).toBeGreaterThanOrEqual(png.length / 2);
    expect(offset).toBeLessThan(png.length);

    const done = deferred<FileDto>();
    const resumed = new Upload(png, {
      ...options,
      uploadUrl: url,
      onSuccess({ lastResponse }) {
        done.resolve(JSON.parse(lastResponse.getBody()) as FileDto);
      },
      onError: done.reject,
    });
    resumed.start();
    const file = await done.promise;
    expect(file).toMatchObject({ contentType: 'image/png', width: 900, height: 600 });
    expect(file.thumbnailSizes).toEqual([64, 256, 1024]);
    const got = await download(server, ada, file.id);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
  });
});

describeEachDialect('resumable uploads at their former path (issue 18)', (dialect) => {
  it('still accepts /api/v1/files/tus and answers with /api/v1/uploads locations', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const bytes = Buffer.from('%PDF-1.4\nlegacy tus path\n');
    const created = await fetch(`${server.url}/api/v1/files/tus`, {
      method: 'POST',
      headers: {
        ...authHeader(ada),
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${Buffer.from('doc.pdf').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9A-Z]{26}$/);
    const legacy = location.replace('/api/v1/uploads/', '/api/v1/files/tus/');
    expect(await tusOffset(server, ada, legacy)).toBe(0);
    const done = await tusPatch(server, ada, legacy, 0, bytes);
    expect(done.status).toBe(200);
    const file = (await done.json()) as FileDto;
    expect(Buffer.from(await (await download(server, ada, file.id)).arrayBuffer())).toEqual(bytes);
  });
});
