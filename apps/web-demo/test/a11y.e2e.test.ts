import { beforeAll, describe, test } from 'vitest';
import { expectNoSeriousA11yViolations } from './a11y.ts';
import { ADA, BEN, openChatWith, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import {
  act,
  chatTitle,
  conversation,
  gone,
  message,
  openDialog,
  send,
  shown,
  signIn,
} from './ui.ts';

// axe-core on every screen of the demo (light and dark, wide and phone): no serious or
// critical violation anywhere.

describe.skipIf(missingBrowser)('accessibility of every screen (axe-core in Chromium)', () => {
  const cast = useCast();
  let { demo, ada, ben, cy } = cast;
  beforeAll(() => {
    ({ demo, ada, ben, cy } = cast);
  });

  test('sign-in, register and email code', async () => {
    const page = await demo.open();
    await shown(page.getByRole('tab', { name: 'Sign in' }));
    await expectNoSeriousA11yViolations(page, 'sign in');
    await page.getByRole('tab', { name: 'Create account' }).click();
    await expectNoSeriousA11yViolations(page, 'create account');
    await page.getByRole('tab', { name: 'Email code' }).click();
    await page.getByLabel('Email', { exact: true }).fill('new@example.com');
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await shown(page.getByLabel('6-digit code'));
    await expectNoSeriousA11yViolations(page, 'email code');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectNoSeriousA11yViolations(page, 'email code, dark');
  });

  test('empty chat list, new chat dialog, a chat with messages', async () => {
    await expectNoSeriousA11yViolations(ada, 'empty chat list');
    const dialog = await openDialog(ada, 'New chat', 'New chat');
    await dialog.getByLabel('Search people').fill('Ben');
    await shown(dialog.getByRole('list', { name: 'People found' }).getByRole('button'));
    await expectNoSeriousA11yViolations(ada, 'new chat dialog');
    await ada.keyboard.press('Escape');
    await gone(dialog);

    await openChatWith(ada, BEN.name);
    await send(ada, 'Hello Ben, the minutes are attached');
    await conversation(ben, ADA.name).click();
    await send(ben, 'Thanks Ada!');
    await act(ben, 'the minutes', 'React');
    await ben.getByRole('button', { name: 'React with 👍' }).click();
    await act(ada, 'Thanks Ada', 'Reply');
    await send(ada, 'You are welcome');
    await shown(message(ada, 'You are welcome'));
    await shown(message(ada, 'the minutes').getByRole('list', { name: 'Reactions' }));
    await expectNoSeriousA11yViolations(ada, 'chat with messages');
    await expectNoSeriousA11yViolations(ben, 'chat with messages (other side)');
    await ada.emulateMedia({ colorScheme: 'dark' });
    await expectNoSeriousA11yViolations(ada, 'chat with messages, dark');
    // The toolbar of a message, reached with the keyboard: one stop, the focus ring on "React".
    await ada
      .getByRole('listitem', { name: `${BEN.name}: Thanks Ada!` })
      .getByRole('button', { name: 'React', exact: true })
      .focus();
    await demo.screenshot(ada, '30-dark-keyboard');
    await ada.emulateMedia({ colorScheme: 'light' });
  });

  test('message actions: reaction picker, delete confirmation, report', async () => {
    await act(ada, 'You are welcome', 'React');
    await shown(ada.getByRole('group', { name: 'Pick a reaction' }));
    await expectNoSeriousA11yViolations(ada, 'reaction picker');
    await act(ada, 'You are welcome', 'Delete');
    await shown(ada.getByRole('group', { name: 'Delete for everyone?' }));
    await expectNoSeriousA11yViolations(ada, 'delete confirmation');
    await ada.getByRole('button', { name: 'Cancel', exact: true }).click();
    await act(ben, 'You are welcome', 'Report');
    await shown(ben.getByRole('form', { name: 'Report this message' }));
    await expectNoSeriousA11yViolations(ben, 'report a message');
    await ben.getByRole('button', { name: 'Cancel', exact: true }).click();
    await ben.getByRole('button', { name: `Report ${ADA.name}` }).click();
    await shown(ben.getByRole('form', { name: `Report ${ADA.name}` }));
    await expectNoSeriousA11yViolations(ben, 'report a person');
    await ben.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  test('pins and threads', async () => {
    await act(ada, 'the minutes', 'Pin');
    await shown(ada.getByRole('region', { name: 'Pinned messages' }));
    await act(ada, 'the minutes', 'Reply in thread');
    const thread = ada.getByRole('complementary', { name: 'Thread' });
    await thread.getByRole('textbox', { name: 'Reply in thread' }).fill('A thread reply');
    await thread.getByRole('button', { name: 'Reply', exact: true }).click();
    await shown(thread.getByText('A thread reply'));
    await expectNoSeriousA11yViolations(ada, 'pinned bar and thread');
    await thread.getByRole('button', { name: 'Close thread' }).click();
  });

  test('group info as an admin, profile, privacy, broadcasts', async () => {
    await cy.call('POST', '/conversations', { userId: await userId(ada) });
    const create = await openDialog(ada, 'New group', 'New group');
    await create.getByLabel('Group name').fill('Design review');
    await create.getByLabel('Add people').fill('Ben');
    await create.getByRole('button', { name: new RegExp(`^${BEN.name}`) }).click();
    await expectNoSeriousA11yViolations(ada, 'new group dialog');
    await create.getByRole('button', { name: 'Create group' }).click();
    await gone(create);
    await shown(chatTitle(ada).getByText('Design review'));
    const info = await openDialog(ada, 'Group info', 'Design review');
    await shown(info.getByRole('list', { name: 'Members' }).getByText(BEN.name));
    await info.getByLabel('Add members').fill('Cy');
    await shown(info.getByRole('list', { name: 'People found' }).getByRole('button'));
    await expectNoSeriousA11yViolations(ada, 'group info (admin)');
    await ada.keyboard.press('Escape');
    await gone(info);

    for (const [button, title] of [
      [`${ADA.name} profile`, 'Your profile'],
      ['Privacy', 'Privacy and account'],
      ['Broadcasts', 'Broadcast lists'],
    ] as const) {
      const d = await openDialog(ada, button, title);
      await expectNoSeriousA11yViolations(ada, title);
      await ada.keyboard.press('Escape');
      await gone(d);
    }
  });

  test('phone: list and chat', async () => {
    const phone = await demo.open({ width: 390, height: 780 });
    await signIn(phone, ADA.email, ADA.password);
    await expectNoSeriousA11yViolations(phone, 'phone: chat list');
    await conversation(phone, BEN.name).click();
    await shown(message(phone, 'the minutes'));
    await expectNoSeriousA11yViolations(phone, 'phone: chat');
    await phone.emulateMedia({ colorScheme: 'dark' });
    await expectNoSeriousA11yViolations(phone, 'phone: chat, dark');
    await demo.screenshot(phone, '31-phone-dark');
  });
});
