import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, useCast } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { act, composer, conversation, message, openDialog, send, shown, signIn } from './ui.ts';

// The keyboard walk of the demo: where the focus goes after each action (never to <body>), the
// arrow keys inside a message's toolbar (one Tab stop per message), and the skip link. Plus the
// layout checks of a new user's first look (buttons that must not wrap, read ticks).

// Page functions reach the page through the element (the tests' TypeScript has no DOM globals).
interface Box {
  top: number;
  height: number;
  fontSize: number;
}

/** What has the focus: its tag, accessible-ish name, and id. */
const focused = (page: Page) =>
  page.evaluate<{ tag: string; text: string; label: string; id: string }>(`(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName.toLowerCase() : '',
      text: el ? (el.textContent || '').trim() : '',
      label: (el && el.getAttribute('aria-label')) || '',
      id: (el && el.id) || '',
    };
  })()`);

describe.skipIf(missingBrowser)('keyboard use of the demo in Chromium', () => {
  const cast = useCast();
  let { demo, ada, ben } = cast;
  beforeAll(() => {
    ({ demo, ada, ben } = cast);
  });

  test('a dialog focuses its first field; picking a person in "New chat" focuses the composer', async () => {
    const dialog = await openDialog(ada, 'New chat', 'New chat');
    expect(await focused(ada)).toMatchObject({ tag: 'input' });
    await ada.keyboard.type('Ben');
    const result = dialog.getByRole('button', { name: `${BEN.name} Start chat` });
    await shown(result);
    await result.focus();
    await ada.keyboard.press('Enter');
    await shown(composer(ada));
    await expect.poll(() => focused(ada)).toMatchObject({ id: 'composer-input' });

    const profile = await openDialog(ada, `${ADA.name} profile`, 'Your profile');
    expect(
      await profile.getByLabel('Name').evaluate((el) => el === el.ownerDocument.activeElement),
    ).toBe(true);
    await ada.keyboard.press('Escape');
    await expect.poll(async () => (await focused(ada)).text).toContain(ADA.name);
  });

  test('the skip link is the first Tab stop and lands in the message box', async () => {
    // Start where a keyboard user starts: at the top of the page, before the app.
    await ada.evaluate(`(() => {
      const start = document.createElement('button');
      start.id = 'test-start';
      document.body.prepend(start);
      start.focus();
    })()`);
    await ada.keyboard.press('Tab');
    await ada.evaluate(`document.getElementById('test-start').remove()`);
    expect(await focused(ada)).toMatchObject({ text: 'Skip to the message box' });
    await ada.keyboard.press('Enter');
    expect(await focused(ada)).toMatchObject({ id: 'composer-input' });
  });

  test("arrow keys move along a message's toolbar, which is one Tab stop", async () => {
    await send(ada, 'Keyboard test message');
    const item = message(ada, 'Keyboard test message');
    await shown(item);
    const toolbar = item.getByRole('toolbar', { name: 'Message actions' });
    // One button of the toolbar is in the Tab order, the others are reached with the arrows.
    const stops = () =>
      toolbar.evaluate((el) => [...el.querySelectorAll(':scope > button')].map((b) => b.tabIndex));
    expect((await stops()).filter((t) => t === 0)).toHaveLength(1);
    await toolbar.getByRole('button', { name: 'Reply', exact: true }).focus();
    await ada.keyboard.press('ArrowRight');
    expect((await focused(ada)).text).toBe('React');
    await ada.keyboard.press('End');
    expect((await focused(ada)).text).toBe('Delete');
    await ada.keyboard.press('ArrowRight');
    expect((await focused(ada)).text).toBe('Reply');
    await ada.keyboard.press('ArrowLeft');
    expect((await focused(ada)).text).toBe('Delete');
    await ada.keyboard.press('Home');
    expect((await focused(ada)).text).toBe('Reply');
    // The stop follows the focus: Tab leaves the toolbar instead of walking through it.
    await ada.keyboard.press('ArrowRight');
    expect((await stops()).indexOf(0)).toBe(1);
    await ada.keyboard.press('Tab');
    expect((await focused(ada)).text).not.toBe('Reply in thread');
    expect(await toolbar.evaluate((el) => el.contains(el.ownerDocument.activeElement))).toBe(false);
  });

  test('picking a reaction gives the focus back to "React"', async () => {
    const item = message(ada, 'Keyboard test message');
    await item.getByRole('button', { name: 'React', exact: true }).focus();
    await ada.keyboard.press('Enter');
    const pick = item.getByRole('button', { name: 'React with 🎉' });
    await shown(pick);
    await pick.focus();
    await ada.keyboard.press('Enter');
    await shown(item.getByRole('list', { name: 'Reactions' }).getByRole('button'));
    expect(await focused(ada)).toMatchObject({ tag: 'button', text: 'React' });
  });

  test('Escape closes the delete confirmation onto "Delete"; deleting keeps the focus on the message', async () => {
    const item = message(ada, 'Keyboard test message');
    await item.getByRole('button', { name: 'Delete', exact: true }).focus();
    await ada.keyboard.press('Enter');
    const confirm = item.getByRole('button', { name: 'Delete for everyone' });
    await shown(confirm);
    await ada.keyboard.press('Escape');
    expect(await focused(ada)).toMatchObject({ tag: 'button', text: 'Delete' });

    await ada.keyboard.press('Enter');
    await shown(confirm);
    // The confirmation sits under the message and its button stays on one line.
    const bubble = await item.locator('.bubble').boundingBox();
    const box = await confirm.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(bubble!.y + bubble!.height);
    expect(box!.height).toBeLessThan(40);
    await confirm.focus();
    await ada.keyboard.press('Enter');
    const deleted = ada.getByRole('listitem', { name: `You: Message deleted` }).last();
    await shown(deleted);
    expect(await focused(ada)).toMatchObject({ tag: 'li', label: 'You: Message deleted' });
  });

  test('read ticks differ from delivered by shape; message actions are at least 24 px high', async () => {
    await send(ada, 'Tick check');
    await shown(ada.getByRole('img', { name: 'Delivered', exact: true }).last());
    const delivered = await ada
      .getByRole('img', { name: 'Delivered', exact: true })
      .last()
      .evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor);
    await conversation(ben, ADA.name).click();
    await shown(message(ben, 'Tick check'));
    const read = message(ada, 'Tick check').getByRole('img', { name: 'Read', exact: true });
    await shown(read);
    expect(
      await read.evaluate(
        (el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor,
      ),
    ).not.toBe(delivered);

    await act(ada, 'Tick check', 'Reply');
    const heights = await message(ada, 'Tick check')
      .getByRole('toolbar')
      .evaluate((el) =>
        [...el.querySelectorAll('button')].map((b) => b.getBoundingClientRect().height),
      );
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(24);
    // The actions of a hovered message stay clear of the message above it.
    const aboveBottom = await message(ada, 'Tick check').evaluate(
      (el) => el.previousElementSibling!.getBoundingClientRect().bottom,
    );
    const bar = await message(ada, 'Tick check').getByRole('toolbar').boundingBox();
    expect(bar!.y).toBeGreaterThanOrEqual(aboveBottom);
    await composer(ada).press('Escape');
  });

  test("at 1200 px the sidebar's buttons stay on one line", async () => {
    const wide = await demo.open({ width: 1200, height: 800 });
    await signIn(wide, ADA.email, ADA.password);
    const boxes = await wide
      .getByRole('navigation', { name: 'Conversations' })
      .locator('.actions button')
      .evaluateAll((els) =>
        els.map((el): Box => {
          const r = el.getBoundingClientRect();
          const style = el.ownerDocument.defaultView!.getComputedStyle(el);
          return { top: r.top, height: r.height, fontSize: Number.parseFloat(style.fontSize) };
        }),
      );
    expect(boxes).toHaveLength(3);
    expect(new Set(boxes.map((b) => b.top)).size).toBe(1);
    // One line of text plus padding: two lines would be over 2.5 times the font size.
    for (const b of boxes) expect(b.height).toBeLessThan(2.5 * b.fontSize);
    await wide.close();
  });
});
