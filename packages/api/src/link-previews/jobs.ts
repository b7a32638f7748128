import type { DbOrTx } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { SendInput } from '../messages/send-batch.ts';

/** The first http(s) URL of a text, without trailing punctuation; at most 2,048 characters. */
export function firstUrl(text: string): string | null {
  const match = /\bhttps?:\/\/[^\s<>"'`]+/i.exec(text);
  if (!match) return null;
  const url = match[0].replace(/[.,;:!?)\]}]+$/, '');
  if (url.length > 2048) return null;
  try {
    const parsed = new URL(url);
    return parsed.hostname ? parsed.toString() : null;
  } catch {
    return null;
  }
}

/** The URL a new message should be unfurled for: null when previews are off or not wanted. */
export function previewUrlOf(deps: ApiDeps, input: SendInput): string | null {
  if (!deps.linkPreviews.unfurler || input.noPreview) return null;
  return firstUrl(input.text);
}

/** Written in the send's transaction: the job survives a crash between commit and fetch. */
export async function queuePreviewJob(
  trx: DbOrTx,
  messageId: string,
  url: string,
  at: string,
): Promise<void> {
  await trx
    .insertInto('link_preview_jobs')
    .values({ message_id: messageId, url, lease_until: at })
    .execute();
}
