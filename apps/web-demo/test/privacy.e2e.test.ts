import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, openChatWith, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { chatTitle, conversation, message, openDialog, send, shown } from './ui.ts';

// Blocking a person (and hiding their group messages), the privacy screen, sessions, the data
// export, and deleting an account.

describe.skipIf(missingBrowser)('blocking, privacy and account deletion in Chromium', () => {
  const cast = useCast();
  let { ada, ben, cy } = cast;
  beforeAll(() => {
    ({ ada, ben, cy } = cast);
  });

  test('block: Ada blocks Ben; his group messages are collapsed until she unblocks', async () => {
    await openChatWith(ada, BEN.name);
    await send(ada, 'Hello Ben');
    await shown(conversation(ben, ADA.name));
    await cy.call('POST', '/groups', {
      name: 'Book club',
      userIds: [await userId(ada), await userId(ben)],
    });

    const header = ada.getByRole('main').locator('.chat-header');
    await header.getByRole('button', { name: 'Block', exact: true }).click();
    await shown(header.getByText('blocked', { exact: true }));
    await shown(header.getByRole('button', { name: 'Unblock' }));

    await conversation(ben, 'Book club').click();
    await send(ben, 'Ben in the group');
    await shown(message(ben, 'Ben in the group'));
    await conversation(ada, 'Book club').click();
    await shown(chatTitle(ada).getByText('Book club'));
    await shown(message(ada, 'Message from a blocked user'));
    expect(await message(ada, 'Ben in the group').count()).toBe(0);

    // The privacy screen lists him; unblocking there shows his messages again.
    const dialog = await openDialog(ada, 'Privacy', 'Privacy and account');
    await dialog.getByRole('button', { name: `Unblock ${BEN.name}` }).click();
    await shown(dialog.getByText('Nobody.'));
    await ada.keyboard.press('Escape');
    await shown(message(ada, 'Ben in the group'));
  });

  test('privacy screen: last seen and read receipts, sessions, download my data', async () => {
    const dialog = await openDialog(ada, 'Privacy', 'Privacy and account');
    await dialog.getByLabel('Who sees my last seen and online').selectOption('nobody');
    await shown(dialog.getByText('Privacy settings saved.'));
    // The box follows the saved setting, so it changes once the server has it.
    await dialog.getByLabel('Send read receipts').click();
    await expect.poll(() => dialog.getByLabel('Send read receipts').isChecked()).toBe(false);
    await shown(dialog.getByRole('button', { name: 'End session 1' }));
    const download = ada.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Download my data' }).click();
    const file = await (await download).path();
    const data = JSON.parse(await readFile(file, 'utf8'));
    expect(data.profile.email).toBe(ADA.email);
    expect(data.profile.privacy).toEqual({ lastSeen: 'nobody', readReceipts: false });
    expect(data.messages.map((m: { text: string }) => m.text)).toContain('Hello Ben');
    await ada.keyboard.press('Escape');

    // Cy, who shares a group with Ada, sees her offline with no last seen.
    const adaId = await userId(ada);
    const presence = await cy.call<{ online: boolean; lastSeenAt: string | null }[]>(
      'GET',
      `/presence?userIds=${adaId}`,
    );
    expect(presence).toEqual([{ userId: adaId, online: false, lastSeenAt: null }]);
  });

  test('delete account: Ben confirms with his password; Ada keeps her history', async () => {
    const dialog = await openDialog(ben, 'Privacy', 'Privacy and account');
    await dialog.getByLabel('Password to confirm').fill('not-the-password');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await shown(dialog.getByRole('alert'));
    await dialog.getByLabel('Password to confirm').fill(BEN.password);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await shown(ben.getByRole('tab', { name: 'Sign in' }));

    await ada.reload();
    await ada
      .getByRole('list', { name: 'Conversation list' })
      .getByRole('button')
      .filter({ hasText: 'You: Hello Ben' })
      .click();
    await shown(chatTitle(ada).getByText('Deleted user'));
    await shown(message(ada, 'Hello Ben'));
  });
});
