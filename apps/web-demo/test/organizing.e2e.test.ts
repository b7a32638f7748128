import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ADA, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { composer, conversation, gone, message, send, shown, signIn } from './ui.ts';

// Link previews, "read by N of M", pins, archive and drafts: Ada in her browser (and later on
// a second device), Ben in his, Cy over REST. The link points at a small local site.

const PAGE = `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Trip ideas for May">
<meta property="og:description" content="Ten towns by the sea, with trains between them.">
<meta property="og:site_name" content="Travel Notes">
</head><body>Hello</body></html>`;

let site: Server;
let sitePort = 0;

describe.skipIf(missingBrowser)('organizing conversations in Chromium', () => {
  beforeAll(async () => {
    site = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(PAGE);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
  });
  afterAll(async () => {
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  });
  const cast = useCast(() => ({
    LINK_PREVIEWS: 'true',
    LINK_PREVIEW_TEST_ALLOW: `127.0.0.1:${sitePort}`,
    LINK_PREVIEW_POLL_MS: '200',
  }));
  let groupId = '';

  test('a link gets a preview; Ada sees who read her group message, live', async () => {
    const { demo, ada, ben, cy } = cast;
    const [adaId, benId] = await Promise.all([userId(ada), userId(ben)]);
    groupId = (
      await cy.call<{ id: string }>('POST', '/groups', { name: 'Trip', userIds: [adaId, benId] })
    ).id;
    await conversation(ada, 'Trip').click();
    await send(ada, `Where next? http://127.0.0.1:${sitePort}/may`);
    const sent = message(ada, 'Where next?');
    await shown(sent.getByRole('link', { name: 'Link preview: Trip ideas for May' }));
    await shown(sent.getByText('Travel Notes'));
    await shown(sent.getByText('Read by 0 of 2'));

    await conversation(ben, 'Trip').click();
    await shown(message(ben, 'Where next?').getByText('Ten towns by the sea'));
    await shown(sent.getByText('Read by 1 of 2'));
    await cy.call('POST', `/conversations/${groupId}/read`, {});
    await shown(sent.getByText('Read by 2 of 2'));
    // The preview stays through the receipts.
    await shown(sent.getByRole('link', { name: 'Link preview: Trip ideas for May' }));
    await demo.screenshot(ada, '20-link-preview-read-by');
  });

  test('Ada pins a chat to the top and archives one; a new message brings it back', async () => {
    const { demo, ada, ben, cy } = cast;
    await cy.call('POST', '/conversations', { userId: await userId(ada) });
    await conversation(ada, 'Cy').click();
    await ada.getByRole('button', { name: 'Pin', exact: true }).click();
    await shown(conversation(ada, 'Pinned: Cy'));
    const rows = ada.getByRole('list', { name: 'Conversation list' }).getByRole('listitem');
    await shown(rows.first().getByText('Cy'));

    await conversation(ada, 'Trip').click();
    await ada.getByRole('button', { name: 'Archive', exact: true }).click();
    await gone(conversation(ada, 'Trip'));
    await ada.getByText('Archived chats').click();
    await shown(ada.getByRole('list', { name: 'Archived chats' }).getByText('Trip'));
    await demo.screenshot(ada, '21-pin-archive');

    await send(ben, 'Tickets are booked!');
    await shown(conversation(ada, 'Trip'));
    await gone(ada.getByRole('list', { name: 'Archived chats' }).getByText('Trip'));
  });

  test('a draft begun in one browser continues in the other', async () => {
    const { demo, ada } = cast;
    await conversation(ada, 'Cy').click();
    await composer(ada).fill('About the hotel, I think we');
    const laptop = await demo.open();
    await signIn(laptop, ADA.email, ADA.password);
    // Not open there: the list shows the draft; opened, the composer holds it.
    await shown(conversation(laptop, 'Cy').getByText('About the hotel, I think we'));
    await conversation(laptop, 'Cy').click();
    await shown(composer(laptop));
    await vi.waitFor(
      async () => expect(await composer(laptop).inputValue()).toBe('About the hotel, I think we'),
      { timeout: 10_000 },
    );
    // Ada goes on typing on the first device: the laptop follows while she is not typing there.
    await composer(ada).fill('About the hotel, I think we should book the one by the harbour');
    await vi.waitFor(
      async () => expect(await composer(laptop).inputValue()).toMatch(/by the harbour$/),
      { timeout: 10_000 },
    );
    await demo.screenshot(laptop, '22-draft-on-second-device');
    await composer(laptop).press('Enter');
    await shown(message(ada, 'by the harbour'));
  });
});
