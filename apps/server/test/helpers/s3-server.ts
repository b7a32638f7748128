import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3TestServer extends AsyncDisposable {
  endpoint: string;
  bucket: string;
  /** The server's S3_* configuration for this bucket. */
  env: Record<string, string>;
}

/**
 * A local S3-compatible server (s3rver, path-style, signature v4) on 127.0.0.1 and a free
 * port, with one empty bucket; `await using` stops it and removes its folder.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'parley-s3-'));
  const bucket = 'parley-test';
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      // s3rver's fixed development credentials.
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    /** Stops the server (a test may do it early, e.g. to see health checks fail). */
    [Symbol.asyncDispose]() {
      stopped ??= (async () => {
        await s3.close();
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
