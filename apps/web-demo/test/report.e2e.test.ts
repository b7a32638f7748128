import { beforeAll, describe, expect, test } from 'vitest';
import { ADA, BEN, openChatWith, useCast, userId } from './fixture.ts';
import { missingBrowser } from './harness.ts';
import { act, message, send, shown } from './ui.ts';

interface QueuedReport {
  reporterId: string;
  targetType: string;
  targetUserId: string;
  messageText: string | null;
  reason: string;
  comment: string;
}

// Ada reports one of Ben's messages and Ben himself; Cy, the server's admin, finds both in
// the moderators' queue.

describe.skipIf(missingBrowser)('web demo: reporting to the moderators', () => {
  const cast = useCast();
  let { demo, ada, ben, cy } = cast;
  beforeAll(() => {
    ({ demo, ada, ben, cy } = cast);
  });

  test('Ada and Ben chat', async () => {
    await openChatWith(ada, BEN.name);
    await send(ada, 'Hi Ben');
    await openChatWith(ben, ADA.name);
    await send(ben, 'You will regret this');
    await shown(message(ada, 'You will regret this'));
  });

  test("Ada reports Ben's message; her own has no Report action", async () => {
    // Only others' messages can be reported.
    await message(ada, 'Hi Ben').hover();
    expect(await message(ada, 'Hi Ben').getByRole('button', { name: 'Report' }).count()).toBe(0);

    await act(ada, 'You will regret this', 'Report');
    const form = ada.getByRole('form', { name: 'Report this message' });
    await form.getByLabel('Reason').selectOption({ label: 'Harassment' });
    await form.getByLabel('Comment (optional)').fill('a threat');
    await demo.screenshot(ada, '20-report-message');
    await form.getByRole('button', { name: 'Send report' }).click();
    await shown(ada.getByRole('status').getByText('Report sent. Thank you.'));
    await ada.getByRole('button', { name: 'Close', exact: true }).click();
  });

  test('Ada reports Ben himself from the chat header', async () => {
    await ada.getByRole('button', { name: `Report ${BEN.name}` }).click();
    const person = ada.getByRole('form', { name: `Report ${BEN.name}` });
    await person.getByLabel('Reason').selectOption({ label: 'Impersonation' });
    await person.getByRole('button', { name: 'Send report' }).click();
    await shown(ada.getByRole('status').getByText('Report sent. Thank you.'));
  });

  test('both reports reach the moderator queue', async () => {
    const queue = await cy.call<{ items: QueuedReport[] }>('GET', '/admin/reports');
    const [adaId, benId] = [await userId(ada), await userId(ben)];
    expect(queue.items).toEqual([
      expect.objectContaining({
        reporterId: adaId,
        targetType: 'message',
        targetUserId: benId,
        messageText: 'You will regret this',
        reason: 'harassment',
        comment: 'a threat',
      }),
      expect.objectContaining({
        reporterId: adaId,
        targetType: 'user',
        targetUserId: benId,
        reason: 'impersonation',
        comment: '',
      }),
    ]);
  });
});
