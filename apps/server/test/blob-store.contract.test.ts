import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { BlobStore } from '@parley/api';
import { describe, expect, it } from 'vitest';
import { createDiskBlobStore } from '../src/adapters/disk-blob-store.ts';
import { createS3BlobStore } from '../src/adapters/s3-blob-store.ts';
import { startS3Server } from './helpers/s3-server.ts';

interface Fixture extends AsyncDisposable {
  store: BlobStore;
}

const adapters: Record<string, () => Promise<Fixture>> = {
  async disk() {
    const root = await mkdtemp(join(tmpdir(), 'parley-blobs-'));
    return {
      store: createDiskBlobStore(root),
      [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }),
    };
  },
  async s3() {
    const server = await startS3Server();
    const store = createS3BlobStore({
      bucket: server.bucket,
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    return { store, [Symbol.asyncDispose]: () => server[Symbol.asyncDispose]() };
  },
};

const body = (s: string) => Readable.from([Buffer.from(s)]);
const put = (store: BlobStore, key: string, s: string) =>
  store.put(key, body(s), { size: Buffer.byteLength(s), contentType: 'text/plain' });

/** One contract, every adapter: what the file routes rely on. */
describe.each(Object.keys(adapters))('blob store contract [%s]', (name) => {
  const open = adapters[name]!;

  it('stores, reads whole and by range, reports size, replaces', async () => {
    await using f = await open();
    await f.store.ping();
    await put(f.store, 'files/a/original', 'hello, blob store');
    expect(await f.store.head('files/a/original')).toEqual({ size: 17 });
    expect(await text((await f.store.get('files/a/original'))!)).toBe('hello, blob store');
    expect(await text((await f.store.get('files/a/original', { start: 7, end: 10 }))!)).toBe(
      'blob',
    );
    await put(f.store, 'files/a/original', 'v2');
    expect(await text((await f.store.get('files/a/original'))!)).toBe('v2');
  });

  it('answers null for missing keys and deletes by prefix, idempotently', async () => {
    await using f = await open();
    expect(await f.store.get('files/none/original')).toBeNull();
    expect(await f.store.head('files/none/original')).toBeNull();
    await put(f.store, 'files/a/original', 'a');
    await put(f.store, 'files/a/thumb-64.webp', 'a64');
    await put(f.store, 'files/ab/original', 'ab');
    expect((await f.store.list('files/')).sort()).toEqual([
      'files/a/original',
      'files/a/thumb-64.webp',
      'files/ab/original',
    ]);
    await f.store.deletePrefix('files/a/');
    expect(await f.store.list('files/')).toEqual(['files/ab/original']);
    await f.store.deletePrefix('files/a/');
    await f.store.deletePrefix('files/never/');
  });

  it('leaves nothing under the key when the body breaks or has the wrong length', async () => {
    await using f = await open();
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(1024, 1));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(
      f.store.put('files/b/original', broken, { size: 4096, contentType: 'text/plain' }),
    ).rejects.toThrow();
    if (name === 'disk') {
      await expect(
        f.store.put('files/c/original', body('too long'), { size: 3, contentType: 'text/plain' }),
      ).rejects.toThrow();
    }
    expect(await f.store.list('')).toEqual([]);
    expect(await f.store.head('files/b/original')).toBeNull();
  });

  it('refuses keys that escape the store', async () => {
    await using f = await open();
    if (name !== 'disk') return; // object keys are opaque strings on S3
    await expect(put(f.store, '../outside', 'x')).rejects.toThrow(/invalid blob key/);
    await expect(f.store.get('files/../../etc/passwd')).rejects.toThrow(/invalid blob key/);
  });
});

describe('disk blob store layout', () => {
  it('keeps no half-written file after a failed write', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-blobs-'));
    try {
      const store = createDiskBlobStore(root);
      const broken = Readable.from(
        (async function* () {
          yield Buffer.alloc(10);
          throw new Error('boom');
        })(),
      );
      await expect(
        store.put('files/x/original', broken, { size: 20, contentType: 'x' }),
      ).rejects.toThrow();
      expect(await readdir(join(root, '.partial'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
