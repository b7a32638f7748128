// Issue 14, item 8: the upload limit, refresh grace, unknown keys in REST bodies.
import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { registerUser } from './helpers/clients.ts';
import { uploadRaw } from './helpers/files.ts';
import { startTestServer } from './helpers/test-server.ts';
import { tusCreate, tusPatch } from './helpers/tus.ts';

const LIMIT = 64 * 1024;

describeEachDialect('small things (issue 14, item 8)', (dialect) => {
  it('accepts a file of exactly UPLOAD_MAX_BYTES and refuses one byte more (multipart and tus)', async () => {
    await using server = await startTestServer({
      dialect,
      env: { UPLOAD_MAX_BYTES: String(LIMIT) },
    });
    const ada = await registerUser(server, 'Ada');
    const exact = new Uint8Array(LIMIT).fill(7);
    const ok = await uploadRaw(server, ada, exact, 'exact.bin', 'application/octet-stream');
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { size: number }).size).toBe(LIMIT);
    const over = await uploadRaw(
      server,
      ada,
      new Uint8Array(LIMIT + 1),
      'over.bin',
      'application/octet-stream',
    );
    expect(over.status).toBe(413);

    const created = await tusCreate(server, ada, { length: LIMIT, name: 'exact.bin' });
    expect(created.status).toBe(201);
    const done = await tusPatch(server, ada, created.headers.get('location')!, 0, exact);
    expect(done.status).toBe(200);
    expect((await tusCreate(server, ada, { length: LIMIT + 1, name: 'over.bin' })).status).toBe(
      413,
    );
  });
});
