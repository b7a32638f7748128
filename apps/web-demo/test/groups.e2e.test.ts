import { beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { chatTitle, conversation, gone, message, openDialog, send, shown } from './ui.ts';

// Groups and broadcast lists: Ada runs them in her browser, Ben follows in his, and Cy
// (over REST) is the third person to add, remove and broadcast to.

describe.skipIf(missingBrowser)('groups and broadcast lists in Chromium', () => {
  const cast = useCast();
  let { demo, ada, ben, cy } = cast;
  beforeAll(() => {
    ({ demo, ada, ben, cy } = cast);
  });

  test('Ada creates a group with Ben; both chat in it', async () => {
    const dialog = await openDialog(ada, 'New group', 'New group');
    await dialog.getByLabel('Group name').fill('Trip planning');
    await dialog.getByLabel('Add people').fill('Ben');
    await dialog.getByRole('button', { name: `${BEN.name} Add` }).click();
    await shown(dialog.getByRole('list', { name: 'Chosen people' }).getByText(BEN.name));
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await gone(dialog);
    await shown(chatTitle(ada).getByText('Trip planning'));
    await shown(ada.getByText('2 members'));
    await shown(message(ada, 'created the group “Trip planning”'));

    await conversation(ben, 'Trip planning').click();
    await send(ben, 'Count me in!');
    await shown(message(ada, 'Count me in!').getByText(BEN.name));
  });

  test('Ada adds Cy, makes Ben an admin, and removes Cy; Ben sees each change', async () => {
    // Cy shares a chat with Ada, as people found by search usually do.
    await cy.call('POST', '/conversations', { userId: await userId(ada) });
    const info = await openDialog(ada, 'Group info', 'Trip planning');
    await info.getByLabel('Add members').fill('Cy');
    await info.getByRole('button', { name: 'Cy Add' }).click();
    const members = info.getByRole('list', { name: 'Members' });
    await shown(members.getByText('Cy', { exact: true }));
    await shown(message(ben, `${ADA.name} added Cy`));

    await info.getByRole('button', { name: `Make admin: ${BEN.name}` }).click();
    await shown(info.getByRole('button', { name: `Make member: ${BEN.name}` }));
    await shown(message(ben, `${ADA.name} made ${BEN.name} an admin`));
    await demo.screenshot(ada, '06-group-info');

    await info.getByRole('button', { name: 'Remove Cy' }).click();
    await gone(members.getByText('Cy', { exact: true }));
    await shown(message(ben, `${ADA.name} removed Cy`));
    await ada.keyboard.press('Escape');
    await gone(info);

    // Ben is an admin now: his group info offers the admin actions.
    const benInfo = await openDialog(ben, 'Group info', 'Trip planning');
    await shown(benInfo.getByRole('button', { name: `Remove ${ADA.name}` }));
    expect(await benInfo.getByRole('list', { name: 'Members' }).getByText('admin').count()).toBe(2);
    await ben.keyboard.press('Escape');
  });

  test('Ben leaves the group: it leaves his list, Ada sees him go', async () => {
    const info = await openDialog(ben, 'Group info', 'Trip planning');
    await info.getByRole('button', { name: 'Leave group' }).click();
    await gone(conversation(ben, 'Trip planning'));
    await shown(message(ada, `${BEN.name} left`));
    await shown(ada.getByText('1 member', { exact: true }));
  });

  test('broadcast list: Ada creates one and sends; Ben and Cy get it in their direct chats', async () => {
    const dialog = await openDialog(ada, 'Broadcasts', 'Broadcast lists');
    await shown(dialog.getByText('No lists yet.'));
    await dialog.getByLabel('List name').fill('Friends');
    for (const name of [BEN.name, 'Cy']) {
      await dialog.getByLabel('Recipients').fill(name.slice(0, 3));
      await dialog.getByRole('button', { name: `${name} Add` }).click();
    }
    await dialog.getByRole('button', { name: 'Create list' }).click();
    const list = dialog.getByRole('list', { name: 'Your lists' }).getByRole('listitem');
    await shown(list.getByText('2 recipients'));

    await dialog.getByLabel('Message to Friends').fill('Party on Friday!');
    await dialog.getByRole('button', { name: 'Send to list' }).click();
    await shown(dialog.getByText('Sent to 2 people.'));
    await demo.screenshot(ada, '07-broadcast');
    await ada.keyboard.press('Escape');

    await shown(conversation(ben, ADA.name).getByText('Party on Friday!'));
    await shown(conversation(ben, ADA.name).getByText('1 unread'));
    const cyChats = await cy.call<{ items: { lastMessage: { text: string } | null }[] }>(
      'GET',
      '/conversations',
    );
    expect(cyChats.items.map((c) => c.lastMessage?.text)).toContain('Party on Friday!');
  });
});
