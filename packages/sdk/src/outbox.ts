import { type BackoffOptions, backoffDelay } from './backoff.ts';
import type { Message } from './contract.gen.ts';
import { ParleyError, toParleyError } from './errors.ts';
import { newClientMessageId } from './ids.ts';
import { closedError, Outgoing, type SendInput, type StoredOutgoing } from './outgoing.ts';
import type { PersistedStore } from './persisted.ts';
import type { Request } from './transport.ts';
import type { Upload } from './uploads.ts';

export interface OutboxOptions {
  request: Request;
  upload: Upload;
  store: PersistedStore;
  backoff: BackoffOptions;
  /** Failed attempts (while online) before a message is `failed`. */
  maxAttempts: number;
  /** Whether the live connection is up: failures while offline do not count. */
  isOnline(): boolean;
  onChange(item: Outgoing): void;
  onSent(item: Outgoing): void;
}

/**
 * Optimistic sends. Each message is persisted before the first attempt and keyed by its
 * `clientMessageId`, which the server deduplicates on, so any number of retries (after a cut
 * connection, a reload, a crash) store it once. Messages go out one at a time in the order they
 * were written; a message waiting for a retry holds back the ones after it.
 */
const lostFilesError = () =>
  new ParleyError('CLIENT_CLOSED', 'The app closed before the attachments were uploaded');

export class Outbox {
  private items: Outgoing[] = [];
  /** Whose outbox this is: stored per user, so another account never sends it. */
  private owner: string | null = null;
  private running = false;
  private active = false;
  private round = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: OutboxOptions) {}

  /** Replaces the outbox with `owner`'s stored one. */
  load(owner: string, stored: StoredOutgoing[] | null): void {
    this.clear();
    this.owner = owner;
    for (const entry of stored ?? []) {
      const item = this.create(entry.input, entry.createdAt, entry.attempts);
      if (entry.failed) item.status = 'failed';
      // The bytes of files not uploaded yet were in memory only: they are gone with the app.
      if (entry.uploads) item.fail(lostFilesError());
      this.items.push(item);
    }
  }

  /** Starts sending (signed in) or stops (signed out / closed). */
  setActive(active: boolean): void {
    this.active = active;
    if (active) this.flush();
    else clearTimeout(this.timer);
  }

  send(input: SendInput): Outgoing {
    const { clientMessageId, attachments, ...rest } = input;
    const ids = attachments?.map((a) => (typeof a === 'string' ? a : ''));
    const item = this.create(
      {
        ...rest,
        ...(ids ? { attachments: ids } : {}),
        clientMessageId: clientMessageId ?? newClientMessageId(),
      },
      new Date().toISOString(),
      0,
    );
    attachments?.forEach((a, i) => {
      if (typeof a !== 'string') item.sources.set(i, a);
    });
    if (!this.active || !this.owner) {
      item.fail(new ParleyError('UNAUTHORIZED', 'Not signed in'));
      return item;
    }
    this.items.push(item);
    this.persist();
    this.options.onChange(item);
    this.flush();
    return item;
  }

  /** Messages not yet on the server (pending or failed), oldest first. */
  list(conversationId?: string): Outgoing[] {
    return this.items.filter((i) => !conversationId || i.conversationId === conversationId);
  }

  /** Tries now: on reconnect, and after each new message. */
  flush(): void {
    clearTimeout(this.timer);
    void this.run();
  }

  /** The stream showed our own message: it is on the server, whatever happened to the call. */
  confirm(message: Message): void {
    const item = this.items.find((i) => i.clientMessageId === message.clientMessageId);
    if (item && item.conversationId === message.conversationId) this.settle(item, message);
  }

  /** Forgets the messages in memory (signed out, or another account); storage is the client's. */
  clear(): void {
    clearTimeout(this.timer);
    for (const item of this.items) if (item.status === 'pending') item.fail(closedError());
    this.items = [];
    this.owner = null;
  }

  private create(input: Outgoing['input'], createdAt: string, attempts: number): Outgoing {
    return new Outgoing(input, createdAt, attempts, {
      retry: (item) => {
        item.reset();
        item.attempts = 0;
        this.persist();
        this.options.onChange(item);
        this.flush();
      },
      discard: (item) => {
        this.items = this.items.filter((i) => i !== item);
        this.persist();
        // Listeners learn it is gone: it is no longer among `pending()`.
        this.options.onChange(item);
      },
    });
  }

  private async run(): Promise<void> {
    if (this.running || !this.active) return;
    this.running = true;
    try {
      for (;;) {
        const next = this.items.find((i) => i.status === 'pending');
        if (!next || !this.active || !(await this.attempt(next))) return;
      }
    } finally {
      this.running = false;
    }
  }

  /** One attempt; false when the queue must wait for a retry. */
  private async attempt(item: Outgoing): Promise<boolean> {
    try {
      await this.uploadFiles(item);
      this.settle(item, await this.options.request('messages.send', item.input));
      this.round = 0;
      return true;
    } catch (cause) {
      if (item.status !== 'pending') return true; // confirmed by the stream meanwhile
      const error = toParleyError(cause);
      // Signed out while the call was on its way: it waits for the same user to sign in.
      if (!this.active) return false;
      const offline = error.code === 'NETWORK_ERROR' && !this.options.isOnline();
      if (!offline && error.code !== 'TOO_MANY_REQUESTS') item.attempts += 1;
      // UNAUTHORIZED with a live session (the refresh already happened): try again later.
      const retryable = error.retryable || error.code === 'UNAUTHORIZED';
      if (!retryable || item.attempts >= this.options.maxAttempts) {
        item.fail(error);
        this.persist();
        this.options.onChange(item);
        return true;
      }
      this.persist();
      const delay = error.retryAfterMs ?? backoffDelay(this.round++, this.options.backoff);
      this.timer = setTimeout(() => void this.run(), delay);
      return false;
    }
  }

  /** Attachments first: each uploaded file's id takes its place in the message. */
  private async uploadFiles(item: Outgoing): Promise<void> {
    const lost = item.input.attachments?.some((id, i) => !id && !item.sources.has(i));
    if (lost) throw lostFilesError();
    for (const [index, source] of item.sources) {
      const file = await this.options.upload(source, { conversationId: item.conversationId });
      item.input.attachments![index] = file.id;
      item.sources.delete(index);
      this.persist();
    }
  }

  private settle(item: Outgoing, message: Message): void {
    if (!this.items.includes(item)) return;
    this.items = this.items.filter((i) => i !== item);
    item.settle(message);
    this.persist();
    this.options.onChange(item);
    this.options.onSent(item);
  }

  private persist(): void {
    if (!this.owner) return;
    const stored = this.items.length ? this.items.map((i) => i.toStored()) : null;
    this.options.store.write(`outbox:${this.owner}`, stored);
  }
}
