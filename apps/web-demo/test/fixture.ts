import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, expect, onTestFailed } from 'vitest';
import { type Demo, startDemo } from './harness.ts';
import { type RestUser, restUser } from './rest.ts';
import { signUp } from './ui.ts';

export const ADA = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'ada-password-1' };
export const BEN = { name: 'Ben Carter', email: 'ben@example.com', password: 'ben-password-1' };

export interface Cast {
  demo: Demo;
  /** Ada and Ben, each in their own browser context, signed up through the demo. */
  ada: Page;
  ben: Page;
  /** A third account, driven over REST. */
  cy: RestUser;
}

/**
 * One demo per test file: the server, Chromium, Ada and Ben signed up in the UI, Cy over REST.
 * A failing test leaves a screenshot of both screens in test-artifacts/screenshots.
 */
export function useCast(env: () => Record<string, string> = () => ({})): Cast {
  const cast = {} as Cast;
  beforeAll(async () => {
    cast.demo = await startDemo(env());
    [cast.ada, cast.ben] = await Promise.all([cast.demo.open(), cast.demo.open()]);
    cast.cy = await restUser(cast.demo.server, 'Cy');
    await Promise.all([
      signUp(cast.ada, ADA.name, ADA.email, ADA.password),
      signUp(cast.ben, BEN.name, BEN.email, BEN.password),
    ]);
  });
  beforeEach(({ task }) => {
    onTestFailed(async () => {
      const name = task.name.replace(/\W+/g, '-').slice(0, 40);
      await cast.demo.screenshot(cast.ada, `failed-${name}-ada`).catch(() => undefined);
      await cast.demo.screenshot(cast.ben, `failed-${name}-ben`).catch(() => undefined);
    });
  });
  // The demo works under the server's Content-Security-Policy: the browser refused nothing.
  afterEach(() => {
    expect(cast.demo.cspViolations).toEqual([]);
  });
  afterAll(async () => {
    await cast.demo?.[Symbol.asyncDispose]();
  });
  return cast;
}

/** A real PNG (a colour gradient), so the server makes real thumbnails. */
export function png(width: number, height: number, hue: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    pixels[i * 3] = (i % width) % 256;
    pixels[i * 3 + 1] = hue;
    pixels[i * 3 + 2] = Math.floor(i / width) % 256;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The signed-in user's id, as the demo's own SDK session stored it. */
export function userId(page: Page): Promise<string> {
  return page.evaluate("JSON.parse(sessionStorage.getItem('parley:session')).user.id");
}

/** Ada opens a direct chat with `name` through "New chat". */
export async function openChatWith(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'New chat' });
  await dialog.getByLabel('Search people').fill(name);
  await dialog.getByRole('button', { name: `${name} Start chat` }).click();
  await dialog.waitFor({ state: 'hidden' });
}
