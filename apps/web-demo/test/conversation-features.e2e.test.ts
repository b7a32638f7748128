import { beforeAll, describe, test } from 'vitest';
import { ADA, BEN, openChatWith, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { act, chatTitle, composer, conversation, message, shown } from './ui.ts';

// Mentions with autocomplete, threads, pins and forwarding: Ada and Ben in their browsers, Cy
// over REST as the third person in a group.

describe.skipIf(missingBrowser)('mentions, threads, pins and forwarding in Chromium', () => {
  const cast = useCast();
  let { demo, ada, ben, cy } = cast;
  beforeAll(() => {
    ({ demo, ada, ben, cy } = cast);
  });

  test('Ada mentions Ben with the autocomplete; Ben sees the mention highlighted', async () => {
    await openChatWith(ada, BEN.name);
    await shown(chatTitle(ada).getByText(BEN.name));
    await composer(ada).fill('Lunch, @Be');
    await ada
      .getByRole('list', { name: 'Mention someone' })
      .getByRole('button', { name: `@${BEN.name}` })
      .click();
    await composer(ada).pressSequentially('at noon?');
    await composer(ada).press('Enter');
    await conversation(ben, ADA.name).click();
    const mention = message(ben, 'at noon?').locator('mark.mention-me');
    await shown(mention);
    await shown(mention.getByText(`@${BEN.name}`));
  });

  test('Ben pins the message: both see it in the pinned bar, with the system message', async () => {
    await act(ben, 'at noon?', 'Pin');
    for (const page of [ada, ben]) {
      const bar = page.getByRole('region', { name: 'Pinned messages' });
      await shown(bar.getByText('at noon?'));
      await shown(message(page, `${BEN.name} pinned a message`));
    }
    await demo.screenshot(ada, '10-mentions-and-pins');
  });

  test('Ben replies in a thread; Ada sees the reply count and opens the thread', async () => {
    await act(ben, 'at noon?', 'Reply in thread');
    const thread = ben.getByRole('complementary', { name: 'Thread' });
    await thread
      .getByRole('textbox', { name: 'Reply in thread' })
      .fill('Noon works, the usual place');
    await thread.getByRole('button', { name: 'Reply', exact: true }).click();
    await shown(thread.getByRole('list', { name: 'Replies' }).getByText('Noon works'));
    // Not sent to the conversation: only the thread shows it.
    await shown(message(ada, 'at noon?').getByRole('button', { name: '1 reply' }));
    await message(ada, 'at noon?').getByRole('button', { name: '1 reply' }).click();
    const adaThread = ada.getByRole('complementary', { name: 'Thread' });
    await shown(adaThread.getByText('Noon works, the usual place'));
    await adaThread.getByRole('textbox', { name: 'Reply in thread' }).fill('See you there');
    await adaThread.getByLabel('Also send to conversation').check();
    await adaThread.getByRole('button', { name: 'Reply', exact: true }).click();
    await shown(message(ben, 'See you there'));
    await shown(thread.getByText('See you there'));
    await demo.screenshot(ada, '11-thread');
    await adaThread.getByRole('button', { name: 'Close thread' }).click();
  });

  test('Ada forwards the message to a group; Cy gets it marked as forwarded', async () => {
    await cy.call('POST', '/conversations', { userId: await userId(ada) });
    const group = await cy.call<{ id: string }>('POST', '/groups', {
      name: 'Lunch club',
      userIds: [await userId(ada)],
    });
    await shown(conversation(ada, 'Lunch club'));
    await act(ada, 'at noon?', 'Forward');
    const panel = ada.getByRole('group', { name: 'Forward to' });
    await panel.getByLabel('Lunch club').check();
    await panel.getByRole('button', { name: 'Forward', exact: true }).click();
    await conversation(ada, 'Lunch club').click();
    await shown(message(ada, 'at noon?').locator('.forwarded'));
    const history = await cy.call<{ messages: { text: string; forwarded: boolean }[] }>(
      'GET',
      `/conversations/${group.id}/messages`,
    );
    const forwarded = history.messages.find((m) => m.forwarded);
    if (!forwarded?.text.includes('at noon?')) throw new Error('Cy did not get the forward');
    await demo.screenshot(ada, '12-forwarded');
  });
});
