import { beforeAll, describe, expect, test, vi } from 'vitest';
import { ADA, BEN, openChatWith, png, useCast } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { chatTitle, conversation, gone, message, openDialog, send, shown, signIn } from './ui.ts';

// Accounts and screens: profile name and picture, signing out and in again (password and
// email code), and the phone-sized layout where the list and the chat take turns.

/**
 * The code in the newest mail the development mailer kept for `email` (GET /dev/outbox),
 * once it is there: the click that asks for it returns before the server has sent it.
 */
function mailedCode(url: string, email: string): Promise<string> {
  return vi.waitFor(async () => {
    const res = await fetch(`${url}/dev/outbox?to=${encodeURIComponent(email)}`);
    const { mails } = (await res.json()) as { mails: { text: string }[] };
    const code = mails.at(-1)?.text.match(/\b\d{6}\b/)?.[0];
    if (!code) throw new Error(`no code mailed to ${email}`);
    return code;
  });
}

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

    const dialog = await openDialog(ben, `${BEN.name} profile`, 'Your profile');
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
    await ben.getByLabel('Email', { exact: true }).fill(BEN.email);
    await ben.getByLabel('Password').fill('not-the-password');
    await ben.getByRole('button', { name: 'Sign in', exact: true }).click();
    await shown(ben.getByRole('alert').getByText('Invalid email or password'));

    await signIn(ben, BEN.email, BEN.password);
    await conversation(ben, ADA.name).click();
    await shown(message(ben, 'Nice to meet you'));
  });

  test('email code: Dee signs up with a code; Ada signs in with one', async () => {
    const dee = await demo.open();
    await dee.getByRole('tab', { name: 'Email code' }).click();
    await dee.getByLabel('Email', { exact: true }).fill('dee@example.com');
    await dee.getByRole('button', { name: 'Email me a code' }).click();
    await shown(dee.getByText('We sent a code to dee@example.com'));
    const code = await mailedCode(demo.server.url, 'dee@example.com');
    await dee.getByLabel('6-digit code').fill(code === '000000' ? '111111' : '000000');
    await dee.getByRole('button', { name: 'Sign in with code' }).click();
    await shown(dee.getByRole('alert').getByText(/code/i));
    await dee.getByLabel('6-digit code').fill(code);
    await dee.getByLabel('Your name').fill('Dee Ramos');
    await dee.getByRole('button', { name: 'Sign in with code' }).click();
    await shown(dee.getByRole('button', { name: 'Profile' }).getByText('Dee Ramos'));

    // An existing account signs in the same way, and finds its chats.
    const ada2 = await demo.open();
    await ada2.getByRole('tab', { name: 'Email code' }).click();
    await ada2.getByLabel('Email', { exact: true }).fill(ADA.email);
    await ada2.getByRole('button', { name: 'Email me a code' }).click();
    await ada2.getByLabel('6-digit code').fill(await mailedCode(demo.server.url, ADA.email));
    await ada2.getByRole('button', { name: 'Sign in with code' }).click();
    await shown(conversation(ada2, 'Benjamin Carter'));
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
    expect(await chatTitle(phone).count()).toBe(0);
    await demo.screenshot(phone, '10-phone-list');
  });
});
