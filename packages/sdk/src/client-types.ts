import type {
  AdminApi,
  BroadcastsApi,
  Conversation,
  ConversationsApi,
  DurableEvent,
  EphemeralEvent,
  FileInfo,
  FilesApi,
  GroupsApi,
  Message,
  MessagesApi,
  PresenceApi,
  Procedures,
  ReportsApi,
  UsersApi,
} from './contract.gen.ts';
import type { ConnectionState, WebSocketConstructor } from './live.ts';
import type { OutgoingMessage, SendInput } from './outgoing.ts';
import type { Session, SessionChange } from './session.ts';
import type { ParleyStorage } from './storage.ts';
import type { UploadOptions, UploadSource } from './uploads.ts';

export interface ParleyClientOptions {
  /** The server's base URL, e.g. `https://chat.example.com` (the SDK adds `/trpc`). */
  url: string;
  /** The WebSocket URL; by default `url` with `ws(s)://` and `/trpc`. */
  wsUrl?: string;
  /** Where the session and outbox live. Default: `localStorage` in browsers, else memory. */
  storage?: ParleyStorage;
  /** Prefix of the storage keys, to keep several clients apart. Default `parley`. */
  storageKey?: string;
  /** The WebSocket class. Default: the global one (browsers, Node >= 22); pass `ws` on Node 20. */
  WebSocket?: WebSocketConstructor;
  /** The fetch function. Default: the global one. */
  fetch?: typeof fetch;
  /** Reconnect and retry delays (exponential, with jitter). Default 500 ms up to 30 s. */
  backoff?: { minDelayMs?: number; maxDelayMs?: number };
  /** After RESYNC_REQUIRED: how many of the most recent conversations get their history reloaded. Default 20. */
  resyncHistoryConversations?: number;
  /** Failed attempts before an outgoing message is `failed`. Default 5. */
  maxSendAttempts?: number;
  /**
   * Delivery acks are coalesced: at most one per conversation per this interval, with the
   * highest seq received. A conversation's first message after a quiet interval is acked at
   * once; in a busier chat the sender's "delivered" lags by at most this. Default 1000 ms.
   */
  deliveryAckDelayMs?: number;
  /** At most one "typing" signal per conversation per this interval. Default 3000 ms. */
  typingIntervalMs?: number;
  /**
   * Uploads of at least `resumableThreshold` bytes (default 4 MiB) are resumable (tus), sent in
   * `chunkSize` pieces (default 1 MiB); smaller ones are one multipart request.
   */
  uploads?: { resumableThreshold?: number; chunkSize?: number };
}

export interface FilesClient extends FilesApi {
  /**
   * Uploads a file: one multipart request when small, resumable (tus) from the threshold on.
   * A resumable upload survives dropped connections (it asks the server how far it got and goes
   * on) and a reload: uploading the same bytes again continues from the upload URL kept in the
   * SDK's storage. Refusals reject with a ParleyError: `PAYLOAD_TOO_LARGE` (413),
   * `UNSUPPORTED_MEDIA_TYPE` (415), `UNPROCESSABLE_CONTENT` (422), with the server's code in
   * `reason`. Aborting the signal rejects with its reason and abandons the upload.
   */
  upload(source: UploadSource, options?: UploadOptions): Promise<FileInfo>;
  /**
   * A short-lived signed URL for the file (or one thumbnail size) that works without the bearer
   * token, e.g. in `<img src>`. Cached until shortly before it expires.
   */
  url(fileId: string, options?: { thumbnail?: 64 | 256 | 1024 }): Promise<string>;
  /** The file's bytes (or a thumbnail's). */
  download(
    fileId: string,
    options?: { thumbnail?: 64 | 256 | 1024; signal?: AbortSignal },
  ): Promise<Blob>;
}

/** Edits, deletes, reaction changes and server updates (link preview) of a message. */
export type MessageUpdate = Extract<
  DurableEvent,
  {
    type:
      | 'message.edited'
      | 'message.updated'
      | 'message.deleted'
      | 'reaction.added'
      | 'reaction.removed';
  }
>;
export type ReceiptEvent = Extract<DurableEvent, { type: 'receipt' }>;
export type ConversationEvent = Extract<
  DurableEvent,
  { type: 'conversation.created' | 'conversation.updated' }
>;
/** Group membership: members added, a member left or was removed, a role changed. */
export type MemberEvent = Extract<
  DurableEvent,
  { type: 'member.joined' | 'member.left' | 'member.role_changed' }
>;
/** A message was pinned or unpinned (a pin also posts a system message). */
export type PinEvent = Extract<DurableEvent, { type: 'message.pinned' | 'message.unpinned' }>;
/** A thread got a reply (`thread.updated`) or you read it on a device (`thread.read`). */
export type ThreadEvent = Extract<DurableEvent, { type: 'thread.updated' | 'thread.read' }>;
/** Your own archive / pin / unread / mute state of a conversation changed (any of your devices). */
export type ConversationStateEvent = Extract<DurableEvent, { type: 'conversation.state_changed' }>;
/** An admin deleted a group you were in: drop it and its messages. */
export type ConversationDeletedEvent = Extract<DurableEvent, { type: 'conversation.deleted' }>;
/** Your draft of a conversation was saved on one of your devices. */
export type DraftEvent = Extract<DurableEvent, { type: 'draft.updated' }>;
/** A profile changed: yours (from another device) or a contact's. */
export type UserUpdatedEvent = Extract<DurableEvent, { type: 'user.updated' }>;
export type TypingEvent = Extract<EphemeralEvent, { type: 'typing' }>;
/** You blocked or unblocked someone (from any of your devices). */
export type BlockChangedEvent = Extract<DurableEvent, { type: 'block.changed' }>;
/** Your privacy settings changed (from any of your devices). */
export type PrivacyUpdatedEvent = Extract<DurableEvent, { type: 'privacy.updated' }>;
export type PresenceEvent = Extract<EphemeralEvent, { type: 'presence' }>;

/**
 * The server's state after a `RESYNC_REQUIRED` (this device was away longer than the event log
 * is kept): replace what the app shows with it. Events after it follow as usual (some may
 * repeat what the snapshot already has: apply them by id, as always).
 */
export interface ResyncSnapshot {
  /** Every conversation of the user, most recent activity first (as `conversations.list`). */
  conversations: Conversation[];
  /** The newest page of history (oldest first) of the most recent conversations, by id. */
  messages: Record<string, Message[]>;
}

export interface SessionEvent {
  change: SessionChange;
  session: Session | null;
}

/** What `parley.on(name, listener)` can listen to. */
export interface ParleyEvents {
  /** A new message in any of your conversations: others', and yours from any device. */
  message: Message;
  messageUpdated: MessageUpdate;
  /** Pins of your conversations changed. */
  pin: PinEvent;
  /** Thread summaries and your thread read marks. */
  thread: ThreadEvent;
  /** A member's delivered/read watermarks moved (yours too, from your other devices). */
  receipt: ReceiptEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  conversation: ConversationEvent;
  /** Group membership changed; a `member.left` about you is the last event of that group. */
  member: MemberEvent;
  conversationState: ConversationStateEvent;
  conversationDeleted: ConversationDeletedEvent;
  draft: DraftEvent;
  user: UserUpdatedEvent;
  /** One of the messages you sent from this device changed status. */
  status: OutgoingMessage;
  connection: ConnectionState;
  /** Signed in, token refreshed, profile updated, signed out, or the session expired. */
  session: SessionEvent;
  /**
   * The device was away longer than the server keeps events: the SDK reloaded the conversation
   * list and recent history; replace the app's state with it. The stream then carries on.
   */
  resync: ResyncSnapshot;
  /** You blocked or unblocked someone: hide (or show again) their group messages. */
  block: BlockChangedEvent;
  /** Your privacy settings changed; `session.user.privacy` is updated too. */
  privacy: PrivacyUpdatedEvent;
  /** Every event as the server sent it, including kinds this SDK version does not know. */
  event: DurableEvent | EphemeralEvent;
}

export interface AuthClient {
  register(input: Procedures['auth.register']['input']): Promise<Session>;
  login(input: Procedures['auth.login']['input']): Promise<Session>;
  /** Emails a 6-digit sign-in code (the same answer whether or not the address has an account). */
  requestOtp(input: Procedures['auth.requestOtp']['input']): Promise<{ ok: true }>;
  /** Signs in with the emailed code; an address without an account gets one. */
  verifyOtp(input: Procedures['auth.verifyOtp']['input']): Promise<Session>;
  /** Ends the session on the server (best effort) and clears this device's storage. */
  logout(): Promise<void>;
}

export interface MessagesClient extends Omit<MessagesApi, 'send'> {
  /**
   * Sends optimistically: returns at once with `status: 'pending'`, keeps the message in the
   * outbox (persisted) until the server has it, retries on failure and after reconnects.
   */
  send(input: SendInput): OutgoingMessage;
  /** Messages from this device not on the server yet (pending or failed), oldest first. */
  pending(conversationId?: string): OutgoingMessage[];
}

/** Events of one conversation (see `parley.conversation(id)`). */
export interface ConversationEvents {
  message: Message;
  messageUpdated: MessageUpdate;
  receipt: ReceiptEvent;
  typing: TypingEvent;
  conversation: ConversationEvent;
  member: MemberEvent;
  /** Your messages to it from this device changed status. */
  status: OutgoingMessage;
}

export interface ConversationHandle {
  readonly id: string;
  on<K extends keyof ConversationEvents>(
    name: K,
    listener: (payload: ConversationEvents[K]) => void,
  ): () => void;
}

export interface ParleyClient {
  /** Listeners for one conversation's events only. */
  conversation(conversationId: string): ConversationHandle;
  readonly auth: AuthClient;
  /** The signed-in user, or null. */
  readonly session: Session | null;
  readonly connection: ConnectionState;
  /** Resolves once the stored session is loaded (at once with a synchronous storage). */
  readonly ready: Promise<void>;
  on<K extends keyof ParleyEvents>(
    name: K,
    listener: (payload: ParleyEvents[K]) => void,
  ): () => void;
  readonly messages: MessagesClient;
  /**
   * `markRead` moves your read watermark (and tells your other devices and the sender);
   * `archive`, `pin`, `markUnread`, `saveDraft` change your own view, synced to your devices.
   */
  readonly conversations: ConversationsApi;
  /**
   * Profiles, blocks (`block`, `unblock`, `blocks`), privacy (`updatePrivacy`), sessions,
   * `export`, and account deletion (`reauthenticate`, then `deleteAccount`, which also signs
   * this device out).
   */
  readonly users: UsersApi;
  /** Uploads, signed download URLs, and file metadata. */
  readonly files: FilesClient;
  readonly presence: PresenceApi;
  /** Groups: create, rename, add/remove members, roles, leave (read them as conversations). */
  readonly groups: GroupsApi;
  /** Broadcast lists: each recipient gets the message in their direct chat with you. */
  readonly broadcasts: BroadcastsApi;
  /** Report a message or a person you can see to the server's moderators. */
  readonly reports: ReportsApi;
  /** Moderators and admins only (others get FORBIDDEN): reports, bans, removals, audit, keys. */
  readonly admin: AdminApi;
  /** Call on each keystroke (debounced for you); `false` when the user stops or clears. */
  typing(conversationId: string, isTyping?: boolean): void;
  /** A fresh access token, for your own requests to the server (files, REST). */
  getAccessToken(): Promise<string>;
  /** Closes the connection and timers; the session stays stored. */
  close(): Promise<void>;
}
