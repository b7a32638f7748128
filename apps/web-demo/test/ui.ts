import type { Locator, Page } from 'playwright-core';

// What a person sees and does in the demo, named the way the UI names it.

export const shown = (locator: Locator) => locator.waitFor({ state: 'visible' });
export const gone = (locator: Locator) => locator.waitFor({ state: 'hidden' });

export async function signUp(page: Page, name: string, email: string, password: string) {
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await shown(page.getByRole('navigation', { name: 'Conversations' }));
}

export async function signIn(page: Page, email: string, password: string) {
  await page.getByRole('tab', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await shown(page.getByRole('navigation', { name: 'Conversations' }));
}

/** A row of the conversation list, by the conversation's name. */
export const conversation = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Conversation list' }).getByRole('button', { name });

/** The open chat (the region beside the list; the whole app is the page's main landmark). */
export const chat = (page: Page) => page.getByRole('region', { name: 'Chat', exact: true });

export const chatTitle = (page: Page) => chat(page).getByRole('heading', { level: 2 });

/** A message of the open chat, by (part of) its text. */
export const message = (page: Page, text: string) =>
  page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });

export const tick = (page: Page, text: string, status: string) =>
  message(page, text).getByRole('img', { name: status, exact: true });

export const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });

export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** Clicks one of a message's actions (Reply, React, Edit, Delete). */
export async function act(page: Page, text: string, action: string) {
  await message(page, text).hover();
  await message(page, text).getByRole('button', { name: action, exact: true }).click();
}

export async function openDialog(page: Page, button: string, title: string) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: title });
  await shown(dialog);
  return dialog;
}
