import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, openChatWith, useCast } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { conversation, gone, message, send, shown } from './ui.ts';

// Attachments go up through @parley/react's useUpload: progress shows while a file uploads, and
// a large one (tus, above the SDK's 4 MiB threshold, in 1 MiB chunks) goes on after a reload
// from the upload URL the SDK kept in the tab's storage.

const MiB = 1024 * 1024;
const TUS = /\/api\/v1\/uploads(\/|$)/;

/** Bytes no signature matches (a zero head, then noise): stored as application/octet-stream. */
const bytes = (size: number) => Buffer.concat([Buffer.alloc(16), randomBytes(size - 16)]);

/** Holds the `n`th tus PATCH of a page until `release()`; the others pass. */
async function holdPatch(page: Page, n: number) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let patches = 0;
  await page.route(TUS, async (route) => {
    if (route.request().method() === 'PATCH' && ++patches === n) await held;
    // The page may have gone (reloaded) meanwhile: the request died with it.
    await route.continue().catch(() => undefined);
  });
  return release;
}

describe.skipIf(missingBrowser)('attachment uploads in Chromium', () => {
  const cast = useCast();
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-uploads-'));
    await openChatWith(cast.ada, BEN.name);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('upload progress shows while an attachment uploads', async () => {
    const { ada, ben } = cast;
    const path = join(dir, 'survey.bin');
    await writeFile(path, bytes(6 * MiB));
    // The second chunk waits: the first one's progress stays on screen until it goes.
    const release = await holdPatch(ada, 2);
    await ada.getByLabel('Attach files').setInputFiles(path);
    const chips = ada.getByRole('list', { name: 'Attached files' });
    await shown(chips.getByText('Uploading survey.bin: 16%')); // 1 of 6 MiB
    // Sending now would go without the file: Send waits for the upload.
    const sendButton = ada.getByRole('button', { name: 'Send', exact: true });
    expect(await sendButton.isDisabled()).toBe(true);
    release();
    await gone(chips.getByText(/^Uploading/));
    expect(await sendButton.isDisabled()).toBe(false);
    await shown(chips.getByText('survey.bin'));
    await ada.unrouteAll();
    await send(ada, 'The survey data');
    await conversation(ben, ADA.name).click();
    const item = message(ben, 'The survey data');
    await shown(item.getByRole('button', { name: 'Download survey.bin' }));
  });

  test('a large upload goes on after a page reload, and the message is sent', async () => {
    const { ada, ben } = cast;
    const path = join(dir, 'field-recording.bin');
    const original = bytes(8 * MiB);
    await writeFile(path, original);
    const release = await holdPatch(ada, 3);
    await ada.getByLabel('Attach files').setInputFiles(path);
    const chips = ada.getByRole('list', { name: 'Attached files' });
    await shown(chips.getByText('Uploading field-recording.bin: 25%')); // 2 of 8 MiB

    // Reloaded mid-file: the session and the upload URL stay in the tab's storage.
    await ada.reload();
    release();
    await ada.unrouteAll({ behavior: 'ignoreErrors' });
    const requests: string[] = [];
    ada.on('request', (r) => {
      const { pathname } = new URL(r.url());
      if (TUS.test(pathname)) requests.push(`${r.method()} ${pathname}`);
    });
    await conversation(ada, BEN.name).click();
    await ada.getByLabel('Attach files').setInputFiles(path);
    await gone(chips.getByText(/^Uploading/));
    await shown(chips.getByText('field-recording.bin'));

    // Resumed: asked the server where it was (HEAD) and sent only the 6 MiB it lacked.
    expect(requests.filter((r) => r.startsWith('POST'))).toEqual([]);
    expect(requests.filter((r) => r.startsWith('HEAD'))).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(6);

    await send(ada, 'Recording attached');
    const item = message(ben, 'Recording attached');
    const [download] = await Promise.all([
      ben.waitForEvent('download'),
      item.getByRole('button', { name: 'Download field-recording.bin' }).click(),
    ]);
    expect((await readFile(await download.path())).equals(original)).toBe(true);
    await cast.demo.screenshot(ben, '12-resumed-upload');
  });
});
