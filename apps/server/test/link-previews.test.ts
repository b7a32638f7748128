import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageDto } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import sharp from 'sharp';
import { expect, it, vi } from 'vitest';
import { registerUsers, type TestUser } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const ogPage = (imagePath: string) => `<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="Parley &amp; friends">
<meta property="og:description" content="Chat that keeps up.">
<meta property="og:site_name" content="Parley Blog">
<meta property="og:image" content="${imagePath}">
</head><body><p>${'text '.repeat(50)}</p></body></html>`;

/** A small site with real pages, counting the requests each path got. */
async function startSite() {
  const hits = new Map<string, number>();
  const image = await sharp({
    create: { width: 800, height: 400, channels: 3, background: '#3366ff' },
  })
    .png()
    .toBuffer();
  const slowClosed: Promise<void>[] = [];
  let onSlowClosed: (() => void) | undefined;
  slowClosed.push(
    new Promise<void>((resolve) => {
      onSlowClosed = resolve;
    }),
  );
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.headers.cookie) res.statusCode = 400;
    switch (path) {
      case '/og':
      case '/og-again':
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(ogPage('/image.png'));
        return;
      case '/twitter':
        res.setHeader('content-type', 'text/html');
        res.end(
          '<html><head><meta name="twitter:title" content="Tweet title"><meta name="description" content="Plain description"></head></html>',
        );
        return;
      case '/image.png':
        res.setHeader('content-type', 'image/png');
        res.end(image);
        return;
      case '/big':
        res.setHeader('content-type', 'text/html');
        res.end(ogPage('/image.png') + 'x'.repeat(1_100_000));
        return;
      case '/big-chunked':
        // No content-length: the cap must hold while reading.
        res.setHeader('content-type', 'text/html');
        res.write(ogPage('/image.png'));
        for (let i = 0; i < 30; i++) res.write('y'.repeat(64 * 1024));
        res.end();
        return;
      case '/slow':
        res.setHeader('content-type', 'text/html');
        res.write('<html><head>');
        // Never finishes: the fetcher's deadline must end it.
        req.socket.on('close', () => onSlowClosed?.());
        return;
      case '/json':
        res.setHeader('content-type', 'application/json');
        res.end('{"title":"not html"}');
        return;
      default:
        if (path.startsWith('/redirect?to=')) {
          res.statusCode = 302;
          res.setHeader('location', decodeURIComponent(path.slice('/redirect?to='.length)));
          res.end();
          return;
        }
        res.statusCode = 404;
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    hits,
    slowClosed: slowClosed[0]!,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A server that must never be reached (a loopback port the policy does not allow). */
async function startTrap() {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.end('<html><head><title>trapped</title></head></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function jobsLeft(server: TestServer): Promise<number> {
  const row = await server.server.db.db
    .selectFrom('link_preview_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachDialect('link previews', (dialect) => {
  it('unfurls the first link after the send, live and on resume, with a thumbnail; cached by URL', async () => {
    await using site = await startSite();
    await using server = await startTestServer({
      dialect,
      env: {
        LINK_PREVIEWS: 'true',
        LINK_PREVIEW_TEST_ALLOW: `127.0.0.1:${site.port}`,
        LINK_PREVIEW_POLL_MS: '200',
      },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const from = (await ben.client.events.head.query()).lastEventId ?? '';
    await using benPhone = await connectDevice(server, ben);

    const sent = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'og',
      text: `Read this: ${site.url('/og')}. And ${site.url('/twitter')}`,
    });
    // The send answers at once, without the preview.
    expect(sent.linkPreview).toBeNull();
    const expected = {
      url: site.url('/og'),
      title: 'Parley & friends',
      description: 'Chat that keeps up.',
      siteName: 'Parley Blog',
      imageUrl: expect.stringMatching(/^\/api\/v1\/link-previews\/[0-9a-f]{64}\.webp$/),
    };
    await vi.waitFor(() =>
      expect(benPhone.durable.filter((e) => e.type === 'message.updated')).toEqual([
        expect.objectContaining({
          conversationId: chat.id,
          message: expect.objectContaining({ id: sent.id, linkPreview: expected }),
        }),
      ]),
    );
    const stored = await ben.client.messages.get.query({ messageId: sent.id });
    expect(stored.linkPreview).toEqual(expected);

    // The thumbnail: a WebP at most 320 px, for signed-in users.
    const imageUrl = `${server.url}${stored.linkPreview!.imageUrl}`;
    const thumb = await fetch(imageUrl, {
      headers: { authorization: `Bearer ${ben.auth.accessToken}` },
    });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 320, height: 160 });
    expect((await fetch(imageUrl)).status).toBe(401);

    // The same URL again: the cached preview, no second fetch. noPreview: no preview at all.
    const again = await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'again',
      text: site.url('/og'),
    });
    const none = await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'none',
      text: `no preview please ${site.url('/og-again')}`,
      noPreview: true,
    });
    await vi.waitFor(async () =>
      expect((await ada.client.messages.get.query({ messageId: again.id })).linkPreview).toEqual(
        expected,
      ),
    );
    expect(site.hits.get('/og')).toBe(1);
    expect(site.hits.get('/image.png')).toBe(1);
    expect(site.hits.get('/og-again')).toBeUndefined();
    expect(await jobsLeft(server)).toBe(0);
    expect((await ada.client.messages.get.query({ messageId: none.id })).linkPreview).toBeNull();

    // A device that was away gets the message, then its update.
    await using laptop = await connectDevice(server, ben, from);
    await vi.waitFor(() =>
      expect(
        laptop.durable.filter((e) => 'message' in e && e.message.id === sent.id).map((e) => e.type),
      ).toEqual(['message.created', 'message.updated']),
    );
  });

  it('never fetches private addresses, and gives up on big, slow and non-HTML pages', async () => {
    await using site = await startSite();
    await using trap = await startTrap();
    await using server = await startTestServer({
      dialect,
      env: {
        LINK_PREVIEWS: 'true',
        LINK_PREVIEW_TEST_ALLOW: `127.0.0.1:${site.port}`,
        LINK_PREVIEW_POLL_MS: '200',
        LINK_PREVIEW_TIMEOUT_MS: '1500',
        SEND_RATE_LIMIT: '1000',
      },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = (user: TestUser, text: string, i: number) =>
      user.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: `m${i}`,
        text,
      });
    const trapUrl = `http://127.0.0.1:${trap.port}/`;
    const texts = [
      // Resolves to 127.0.0.1 (a port the policy does not open), or is a private literal.
      `http://localhost:${trap.port}/page`,
      trapUrl,
      'http://10.1.2.3/internal',
      'http://[::1]:1/',
      'http://169.254.169.254/latest/meta-data/',
      // Redirects into private space are checked again before connecting.
      site.url(`/redirect?to=${encodeURIComponent(trapUrl)}`),
      site.url(`/redirect?to=${encodeURIComponent('http://10.0.0.1/admin')}`),
      // Too many redirects.
      site.url(
        `/redirect?to=${encodeURIComponent(site.url(`/redirect?to=${encodeURIComponent(site.url(`/redirect?to=${encodeURIComponent(site.url(`/redirect?to=${encodeURIComponent(site.url('/og'))}`))}`))}`))}`,
      ),
      site.url('/big'),
      site.url('/big-chunked'),
      site.url('/json'),
      site.url('/slow'),
      'ftp://example.com/file',
    ];
    const sent: MessageDto[] = [];
    for (const [i, text] of texts.entries()) sent.push(await send(ada, `see ${text}`, i));
    await site.slowClosed; // the deadline cut the slow page off
    await vi.waitFor(async () => expect(await jobsLeft(server)).toBe(0), { timeout: 15_000 });
    for (const message of sent) {
      expect(
        (await ben.client.messages.get.query({ messageId: message.id })).linkPreview,
      ).toBeNull();
    }
    expect(trap.hits()).toBe(0);
    expect(site.hits.get('/og')).toBeUndefined(); // the fourth redirect was not followed
    expect(site.hits.get('/big')).toBe(1);
  });

  it('is off unless configured', async () => {
    await using site = await startSite();
    await using server = await startTestServer({
      dialect,
      env: { LINK_PREVIEW_TEST_ALLOW: `127.0.0.1:${site.port}` },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'x',
      text: site.url('/og'),
    });
    expect(await jobsLeft(server)).toBe(0);
    expect(site.hits.size).toBe(0);
  });
});
