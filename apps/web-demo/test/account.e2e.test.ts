import { beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, openChatWith, png, useCast } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { chatTitle, conversation, gone, message, openDialog, send, shown, signIn } from './ui.ts';

// Accounts and screens: profile name and picture, signing out and in again, and the
// phone-sized layout where the list and the chat take turns.

describe.skipIf(missingBrowser)('profile, sessions and small screens in Chromium', () => {
  const cast = useCast();
  let { demo, ada, ben } = cast;
  beforeAll(() => {
    ({ demo, ada, ben } = cast);
  });

  test('profile: Ben changes his name and picture; Ada sees both', async () => {
    await openChatWith(ada, BEN.name);
    await send(ada, 'Nice to meet you');
    await shown(conversation(ben, ADA.name));

    const dialog = await openDialog(ben, 'Profile', 'Your profile');
    await dialog.getByLabel('Name').fill('Benjamin Carter');
    await dialog.getByLabel('About').fill('Mostly on trains');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await shown(dialog.getByText('Profile saved.'));
    await dialog.getByLabel('Change picture').setInputFiles({
      name: 'me.png',
      mimeType: 'image/png',
      buffer: await png(300, 300, 200),
    });
    await shown(dialog.getByText('Picture updated.'));
    await shown(dialog.locator('.avatar img'));
    await demo.screenshot(ben, '08-profile');
    await ben.keyboard.press('Escape');
    await shown(ben.getByRole('button', { name: 'Profile' }).getByText('Benjamin Carter'));

    // Profiles are read when a conversation loads: Ada's next visit shows the new ones.
    await ada.reload();
    const row = conversation(ada, 'Benjamin Carter');
    await shown(row);
    await shown(row.locator('.avatar img'));
    await row.click();
    await shown(chatTitle(ada).getByText('Benjamin Carter'));
  });

  test('sign out, then sign in again with the password: the chat is still there', async () => {
    await ben.getByRole('button', { name: 'Sign out' }).click();
    await shown(ben.getByRole('tab', { name: 'Sign in' }));
    await ben.getByRole('tab', { name: 'Sign in' }).click();
    await ben.getByLabel('Email').fill(BEN.email);
    await ben.getByLabel('Password').fill('not-the-password');
    await ben.getByRole('button', { name: 'Sign in', exact: true }).click();
    await shown(ben.getByRole('alert').getByText('Invalid email or password'));

    await signIn(ben, BEN.email, BEN.password);
    await conversation(ben, ADA.name).click();
    await shown(message(ben, 'Nice to meet you'));
  });

  test('a phone-sized screen shows the list and the chat one at a time', async () => {
    const phone = await demo.open({ width: 390, height: 780 });
    await signIn(phone, ADA.email, ADA.password);
    const list = phone.getByRole('navigation', { name: 'Conversations' });
    await shown(list);
    await conversation(phone, 'Benjamin Carter').click();
    await gone(list);
    await shown(message(phone, 'Nice to meet you'));
    await send(phone, 'Sent from my phone');
    await shown(message(ben, 'Sent from my phone'));
    await demo.screenshot(phone, '09-phone-chat');

    await phone.getByRole('button', { name: 'Back to conversations' }).click();
    await shown(list);
    await shown(conversation(phone, 'Benjamin Carter').getByText('You: Sent from my phone'));
    expect(await phone.getByRole('main').getByRole('heading').count()).toBe(0);
    await demo.screenshot(phone, '10-phone-list');
  });
});
