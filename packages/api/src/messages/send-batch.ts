import type { FileRow, MessageRow, SqliteConnection } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { DurableEvent } from '../live/events.ts';
import type { CommittedEvent, EventHub } from '../live/hub.ts';
import { streamEventOf } from '../live/wire.ts';
import { markOnlineRecipients } from '../notifications/queue.ts';
import type { MentionDto } from '../shared/schemas.ts';
import { writeSendsGeneral } from './send-general.ts';
import { storedKey, storedPairs, writeSendsPostgres } from './send-postgres.ts';
import { storedOnSqlite, writeSendsSqlite } from './send-sqlite.ts';

export interface SendInput {
  conversationId: string;
  clientMessageId: string;
  text: string;
  replyToId?: string | null;
  /** File ids (the sender's own uploads); with attachments the text may be empty. */
  attachments?: string[];
  /** Mention ranges, already checked against the text (sorted by start). */
  mentions?: MentionDto[] | null;
  /** A thread reply: the root message of the thread. */
  threadRootId?: string | null;
  /** A thread reply that also shows in the conversation. */
  alsoSendToConversation?: boolean;
  /** A forward: the message whose text and attachments are copied (`text` is ignored). */
  forwardFromId?: string | null;
  /** No link preview for this message. */
  noPreview?: boolean;
}

export interface PendingSend {
  senderId: string;
  input: SendInput;
  /** Members with a connected device, when notification sinks are configured (else null). */
  online: Set<string> | null;
  /** The URL to unfurl after the commit (a durable job written with the message), or null. */
  previewUrl?: string | null;
}

/** A member's watermarks and join point, as a send reads them in its transaction. */
export interface MemberMark {
  user_id: string;
  joined_seq: number;
  joined_after_event_id: string;
  last_delivered_seq: number;
  last_read_seq: number;
}

/** What one send of a batch came to. */
export type SendOutcome =
  | {
      kind: 'stored';
      row: MessageRow;
      files: FileRow[];
      /** The other members, read in the transaction (their watermarks give the status). */
      others: MemberMark[];
      /** Who receives the event: members who joined before it. */
      recipients: string[];
      /** The `message.created` event, its stored JSON and its log id. */
      eventId: string;
      event: DurableEvent;
      payload: string;
      /** Further events of the same send (a thread's `thread.updated`), after `event`. */
      extra?: { eventId: string; event: DurableEvent; payload: string }[];
    }
  /** A retry: this (sender, clientMessageId) was stored before, in this conversation. */
  | { kind: 'existing'; row: MessageRow }
  | { kind: 'failed'; error: unknown };

/** What the writer of a batch returns: outcomes in order, and the log id before the batch. */
export interface BatchResult {
  outcomes: SendOutcome[];
  previousEventId: string;
  at: string;
  /** Notification rows queued (wakes the dispatcher). */
  queued: number;
  /** Link-preview jobs queued (wakes the preview worker). */
  previews?: number;
}

export interface SendBatcher {
  submit(send: PendingSend): Promise<SendOutcome>;
  /**
   * Whether this (sender, clientMessageId) is stored already: asked only for a send over the
   * rate limit, which may pass if it is a retry (the batch itself settles retries, under the
   * writer's lock).
   */
  isStored(senderId: string, clientMessageId: string): Promise<boolean>;
}

/** Sends per transaction at most; the rest wait for the next one. */
const MAX_BATCH = 256;
/**
 * Under load (the last commit ended less than `windowMs` ago) the next batch waits out the rest
 * of that interval to collect more sends: a commit costs about as much as several sends, so
 * bigger batches are cheaper. An idle server commits at once (light-load latency). The default
 * (SEND_BATCH_WINDOW_MS) trades ~2 ms of latency under load for CPU (docs/benchmarks.md,
 * "The group-commit window").
 */
export const DEFAULT_SEND_BATCH_WINDOW_MS = 4;

/**
 * Batches in flight at once on PostgreSQL (each on its own pooled connection; the event-log lock
 * serializes only their last step). SQLite has one connection and one writer: one batch.
 */
const POSTGRES_BATCHES_IN_FLIGHT = 4;

/**
 * Group commit for `messages.send`: sends that arrive together share one transaction (each in
 * its own savepoint, so one bad send fails alone), one event-log read and one commit. While a
 * batch is being written, new sends queue for the next one. SQLite text sends run as prepared
 * statements with no await while the connection is held; PostgreSQL text sends as a few
 * set-based statements per batch (`send-postgres.ts`); everything else (attachments, offline
 * notifications, mentions, threads, forwards) runs the same steps through Kysely. On PostgreSQL a few
 * batches are written at once, never two with the same conversation (so a conversation's sends
 * keep their arrival order).
 */
export function createSendBatcher(
  deps: ApiDeps,
  hub: EventHub,
  sqlite: SqliteConnection | null,
  options: { windowMs?: number } = {},
): SendBatcher {
  const windowMs = options.windowMs ?? DEFAULT_SEND_BATCH_WINDOW_MS;
  type Queued = { send: PendingSend; resolve: (outcome: SendOutcome) => void };
  const maxInFlight = sqlite ? 1 : POSTGRES_BATCHES_IN_FLIGHT;
  let queue: Queued[] = [];
  let scheduled = false;
  let inFlight = 0;
  /** Conversations with a send in a batch being written. */
  const busy = new Set<string>();
  let lastCommitAt = 0;

  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight || queue.length === 0) return;
    scheduled = true;
    const wait = windowMs - (performance.now() - lastCommitAt);
    if (wait > 0 && queue.length < MAX_BATCH) setTimeout(flush, wait);
    else setImmediate(flush);
  }

  /** The next batch: queued sends (in order) whose conversation no batch in flight holds. */
  function takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const rest: Queued[] = [];
    for (const q of queue) {
      if (batch.length < MAX_BATCH && !busy.has(q.send.input.conversationId)) batch.push(q);
      else rest.push(q);
    }
    queue = rest;
    return batch;
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = takeBatch();
    // Everything queued waits for a conversation in flight; its batch's end schedules again.
    if (batch.length === 0) return;
    inFlight++;
    const conversations = new Set(batch.map((b) => b.send.input.conversationId));
    for (const id of conversations) busy.add(id);
    schedule();
    try {
      await writeBatch(batch);
    } finally {
      for (const id of conversations) busy.delete(id);
      inFlight--;
      lastCommitAt = performance.now();
      schedule();
    }
  }

  /** Who is online first (members or presence unreadable: the batch fails, unwritten). */
  async function writeBatch(batch: Queued[]): Promise<void> {
    try {
      await markOnlineRecipients(
        deps,
        batch.map((b) => b.send),
      );
    } catch (error) {
      for (const b of batch) b.resolve({ kind: 'failed', error });
      return;
    }
    await writePart(
      batch.filter((b) => isSimple(b.send)),
      true,
    );
    await writePart(
      batch.filter((b) => !isSimple(b.send)),
      false,
    );
  }

  async function writePart(part: Queued[], fast: boolean): Promise<void> {
    if (part.length === 0) return;
    let result: BatchResult;
    try {
      result = await write(
        part.map((b) => b.send),
        fast,
      );
    } catch (error) {
      // The whole transaction failed (e.g. the database is gone): its sends fail with it.
      for (const b of part) b.resolve({ kind: 'failed', error });
      return;
    }
    deps.metrics.sendBatchCommitted(part.length);
    handOver(result);
    for (const [i, b] of part.entries()) b.resolve(result.outcomes[i]!);
  }

  /**
   * After the commit: this instance's subscribers get the events straight from the writer;
   * other instances (and this one's tailer, if the hand-over was not taken) hear that the log
   * advanced.
   */
  function handOver(result: BatchResult): void {
    const committed: CommittedEvent[] = [];
    for (const outcome of result.outcomes) {
      if (outcome.kind !== 'stored') continue;
      committed.push({
        event: streamEventOf(outcome.eventId, outcome.payload, result.at, outcome.event),
        recipients: outcome.recipients,
      });
      for (const more of outcome.extra ?? []) {
        committed.push({
          event: streamEventOf(more.eventId, more.payload, result.at, more.event),
          recipients: outcome.recipients,
        });
      }
    }
    if (result.queued > 0) deps.notifications.queued.notify();
    // The writer takes ids in conversation order, not arrival order: hand over in id order.
    committed.sort((a, b) => (a.event.id < b.event.id ? -1 : 1));
    if ((result.previews ?? 0) > 0) deps.linkPreviews.queued.notify();
    const last = committed.at(-1);
    if (!last) return;
    hub.deliverCommitted(result.previousEventId, committed);
    deps.bus.publish({ kind: 'log', lastEventId: last.event.id }).catch((error: unknown) => {
      // Tailers also poll, so the event still goes out, just later.
      deps.logger.error({ err: error, eventId: last.event.id }, 'event publish failed');
    });
  }

  async function write(sends: PendingSend[], fast: boolean): Promise<BatchResult> {
    if (fast && sqlite) {
      // Holding Kysely's only connection guarantees no other transaction is open on it.
      return deps.db.connection().execute(async () => writeSendsSqlite(deps, sqlite, sends));
    }
    if (fast) return writeSendsPostgres(deps, sends);
    return writeSendsGeneral(deps, sends);
  }

  /** PostgreSQL: the stored-checks asked in one tick share one statement. */
  type Probe = {
    senderId: string;
    clientMessageId: string;
    resolve: (stored: boolean) => void;
    reject: (error: unknown) => void;
  };
  let probes: Probe[] = [];
  let probeScheduled = false;
  async function runProbes(): Promise<void> {
    probeScheduled = false;
    const asked = probes;
    probes = [];
    try {
      const stored = await storedPairs(deps.db, asked);
      for (const p of asked) p.resolve(stored.has(storedKey(p.senderId, p.clientMessageId)));
    } catch (error) {
      for (const p of asked) p.reject(error);
    }
  }

  return {
    async isStored(senderId, clientMessageId) {
      if (sqlite) return storedOnSqlite(sqlite, senderId, clientMessageId);
      return new Promise((resolve, reject) => {
        probes.push({ senderId, clientMessageId, resolve, reject });
        if (!probeScheduled) {
          probeScheduled = true;
          setImmediate(runProbes);
        }
      });
    },
    submit(send) {
      return new Promise((resolve) => {
        queue.push({ send, resolve });
        schedule();
      });
    },
  };
}

/**
 * Text (and reply) sends without notifications or link previews to queue: the prepared SQLite
 * path, or the set-based PostgreSQL path. Mentions, threads and forwards take the general path,
 * so a plain send pays nothing for them.
 */
function isSimple(send: PendingSend): boolean {
  const { input } = send;
  return (
    (input.attachments?.length ?? 0) === 0 &&
    send.online === null &&
    !send.previewUrl &&
    !input.mentions &&
    !input.threadRootId &&
    !input.forwardFromId
  );
}
