import type { ApiDeps } from '../deps.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { withReactions } from '../messages/queries.ts';
import type { UnfurledLink } from '../ports/link-unfurler.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { LinkPreviewDto } from '../shared/schemas.ts';

/** A claimed job is this instance's for this long; then another instance may take it over. */
const LEASE_MS = 30_000;
/** Attempts per job (a crash mid-fetch costs one), then it is dropped. */
const MAX_ATTEMPTS = 3;
/** Jobs claimed per round. */
const BATCH = 8;

/** Path of a stored preview thumbnail (served by the server's link-preview route). */
export function previewImagePath(imageKey: string): string {
  return `/api/v1/link-previews/${imageKey.split('/').pop()}`;
}

function toPreview(url: string, link: UnfurledLink): LinkPreviewDto {
  return {
    url,
    title: link.title,
    description: link.description,
    siteName: link.siteName,
    imageUrl: link.imageKey ? previewImagePath(link.imageKey) : null,
  };
}

/**
 * Unfurls queued links off the send path: each instance claims jobs with a lease (a
 * conditional update, so one instance fetches a message's link), uses the URL's cached preview
 * when fresh, else fetches it, then attaches the preview to the message and emits
 * `message.updated` in one transaction, and drops the job. At least once: a job whose
 * instance died is taken over when its lease runs out.
 */
export function startLinkPreviewWorker(deps: ApiDeps, options: { pollMs: number }) {
  const { unfurler } = deps.linkPreviews;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  async function claim(): Promise<{ message_id: string; url: string }[]> {
    const now = nowIso(deps);
    const due = await deps.db
      .selectFrom('link_preview_jobs')
      .select(['message_id', 'url', 'lease_until', 'attempts'])
      .where('lease_until', '<=', now)
      .orderBy('lease_until')
      .limit(BATCH)
      .execute();
    const claimed = [];
    const lease = new Date(deps.clock.now() + LEASE_MS).toISOString();
    for (const job of due) {
      if (job.attempts >= MAX_ATTEMPTS) {
        await deps.db
          .deleteFrom('link_preview_jobs')
          .where('message_id', '=', job.message_id)
          .execute();
        continue;
      }
      const taken = await deps.db
        .updateTable('link_preview_jobs')
        .set({ lease_until: lease, attempts: job.attempts + 1 })
        .where('message_id', '=', job.message_id)
        .where('lease_until', '=', job.lease_until)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) claimed.push(job);
    }
    return claimed;
  }

  async function previewFor(url: string): Promise<LinkPreviewDto | null> {
    const cached = await deps.db
      .selectFrom('link_previews')
      .selectAll()
      .where('url', '=', url)
      .executeTakeFirst();
    if (cached && deps.clock.now() - Date.parse(cached.fetched_at) < deps.linkPreviews.cacheTtlMs) {
      return cached.preview ? (JSON.parse(cached.preview) as LinkPreviewDto) : null;
    }
    const link = await unfurler!.unfurl(url);
    const preview = link ? toPreview(url, link) : null;
    const row = { preview: preview ? JSON.stringify(preview) : null, fetched_at: nowIso(deps) };
    await deps.db
      .insertInto('link_previews')
      .values({ url, ...row })
      .onConflict((oc) => oc.column('url').doUpdateSet(row))
      .execute();
    return preview;
  }

  async function attach(messageId: string, preview: LinkPreviewDto | null): Promise<void> {
    await writeWithEvents(deps, async (trx, emit) => {
      await trx.deleteFrom('link_preview_jobs').where('message_id', '=', messageId).execute();
      if (!preview) return;
      const message = await trx
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', messageId)
        .executeTakeFirst();
      if (!message || message.deleted_at) return;
      const updated = { ...message, link_preview: JSON.stringify(preview) };
      await trx
        .updateTable('messages')
        .set({ link_preview: updated.link_preview })
        .where('id', '=', messageId)
        .execute();
      const [m] = await withReactions(trx, [updated]);
      emit({
        event: {
          type: 'message.updated',
          conversationId: message.conversation_id,
          message: toMessageDto(m!.message, m!.reactions, null, m!.attachments),
        },
      });
    });
  }

  async function round(): Promise<void> {
    for (;;) {
      const jobs = await claim();
      if (jobs.length === 0) return;
      await Promise.all(
        jobs.map(async (job) => {
          try {
            await attach(job.message_id, await previewFor(job.url));
          } catch (error) {
            // The lease runs out and the job is tried again (up to MAX_ATTEMPTS).
            deps.logger.error({ err: error, messageId: job.message_id }, 'link preview failed');
          }
        }),
      );
    }
  }

  function kick(): void {
    if (stopped || !unfurler) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'link preview round failed'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const unsubscribe = deps.linkPreviews.queued.subscribe(kick);
  const timer = unfurler ? setInterval(kick, options.pollMs) : null;
  timer?.unref();
  kick();
  return {
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe();
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
