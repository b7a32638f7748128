import type { Message, Procedures } from './contract.gen.ts';
import { ParleyError } from './errors.ts';
import type { UploadSource } from './uploads.ts';

/** `pending` until the server has it; then `sent`, `delivered` and `read` (by every recipient). */
export type OutgoingStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** What `parley.messages.send` takes: the server's input; `clientMessageId` is optional. */
export type SendInput = Omit<
  Procedures['messages.send']['input'],
  'clientMessageId' | 'attachments'
> & {
  /** Your own idempotency key (a UUID is made when omitted). */
  clientMessageId?: string;
  /**
   * File ids uploaded beforehand, and/or files to upload: those are uploaded first, by the
   * outbox (resumably when large), so the send survives going offline like a text send.
   */
  attachments?: Array<string | UploadSource>;
};

/** A message you sent from this device: a live view of it, updated in place. */
export interface OutgoingMessage {
  readonly clientMessageId: string;
  readonly conversationId: string;
  /** '' for a message of attachments only. */
  readonly text: string;
  /** Ids of the attachments uploaded so far. */
  readonly attachments: string[];
  /** Attachments still to upload before the message goes out. */
  readonly uploading: number;
  readonly replyToId: string | null;
  /** Mention ranges in `text`. */
  readonly mentions: { userId: string; start: number; length: number }[];
  /** A thread reply: the thread's root message. */
  readonly threadRootId: string | null;
  /** Shown in the conversation's timeline: false for a thread reply sent to its thread only. */
  readonly inChannel: boolean;
  /** When it was sent on this device (ISO-8601). */
  readonly createdAt: string;
  readonly status: OutgoingStatus;
  /**
   * How many of the other members have read it ("read by `readBy` of `recipientCount`"), kept
   * current from the live receipts; 0 of 0 until the members are loaded after sending.
   */
  readonly readBy: number;
  readonly recipientCount: number;
  /** The stored message, once the server has it. */
  readonly message: Message | null;
  /** Why it failed (`status: 'failed'`). */
  readonly error: ParleyError | null;
  /** Resolves with the stored message; rejects when the message fails. */
  readonly sent: Promise<Message>;
  /** Sends a failed message again (same `clientMessageId`, so never twice). */
  retry(): Promise<Message>;
  /** Drops a failed message from the outbox; false if it is not failed. */
  discard(): boolean;
}

/** The outbox's record of a message, as persisted. */
export interface StoredOutgoing {
  input: Procedures['messages.send']['input'];
  createdAt: string;
  failed: boolean;
  attempts: number;
  /** Attachments not uploaded yet when this was stored (their bytes are not persisted). */
  uploads?: number;
}

export class Outgoing implements OutgoingMessage {
  status: OutgoingStatus;
  readBy = 0;
  recipientCount = 0;
  message: Message | null = null;
  error: ParleyError | null = null;
  attempts: number;
  sent!: Promise<Message>;
  /** Files to upload, by their index in `input.attachments` (which holds '' until then). */
  readonly sources = new Map<number, UploadSource>();
  private resolve!: (message: Message) => void;
  private reject!: (error: ParleyError) => void;

  constructor(
    readonly input: Procedures['messages.send']['input'],
    readonly createdAt: string,
    attempts: number,
    private readonly actions: { retry(item: Outgoing): void; discard(item: Outgoing): void },
  ) {
    this.status = 'pending';
    this.attempts = attempts;
    this.reset();
  }

  get clientMessageId(): string {
    return this.input.clientMessageId;
  }
  get conversationId(): string {
    return this.input.conversationId;
  }
  get text(): string {
    return this.input.text ?? '';
  }
  get attachments(): string[] {
    return (this.input.attachments ?? []).filter(Boolean);
  }
  get uploading(): number {
    return this.sources.size;
  }
  get replyToId(): string | null {
    return this.input.replyToId ?? null;
  }
  get mentions(): { userId: string; start: number; length: number }[] {
    return this.input.mentions ?? [];
  }
  get threadRootId(): string | null {
    return this.input.threadRootId ?? null;
  }
  get inChannel(): boolean {
    return !this.input.threadRootId || this.input.alsoSendToConversation === true;
  }

  retry(): Promise<Message> {
    if (this.status === 'failed') this.actions.retry(this);
    return this.sent;
  }

  discard(): boolean {
    if (this.status !== 'failed') return false;
    this.actions.discard(this);
    return true;
  }

  /** A new `sent` promise for a new round of attempts. */
  reset(): void {
    this.sent = new Promise<Message>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Fire-and-forget sends are normal: an unobserved failure is not an unhandled rejection.
    this.sent.catch(() => undefined);
    this.status = 'pending';
    this.error = null;
  }

  settle(message: Message): void {
    this.message = message;
    this.status =
      message.status === 'delivered' || message.status === 'read' ? message.status : 'sent';
    this.resolve(message);
  }

  fail(error: ParleyError): void {
    this.status = 'failed';
    this.error = error;
    this.reject(error);
  }

  toStored(): StoredOutgoing {
    return {
      input: this.input,
      createdAt: this.createdAt,
      failed: this.status === 'failed',
      attempts: this.attempts,
      ...(this.sources.size ? { uploads: this.sources.size } : {}),
    };
  }
}

export const closedError = () =>
  new ParleyError('CLIENT_CLOSED', 'Signed out before the message was sent');
