import type { ParleyClient, ParleyClientOptions, ParleyEvents } from './client-types.ts';
import type {
  AdminApi,
  BroadcastsApi,
  Conversation,
  ConversationsApi,
  FilesApi,
  GroupsApi,
  Message,
  MessagesApi,
  PresenceApi,
  Procedures,
  ReportsApi,
  UsersApi,
} from './contract.gen.ts';
import { DeliveryAcks } from './delivery-acks.ts';
import { createDispatch } from './dispatch.ts';
import { Emitter } from './emitter.ts';
import { ParleyError } from './errors.ts';
import { type ConnectionState, LiveConnection, type WebSocketConstructor } from './live.ts';
import { createNamespaces } from './namespaces.ts';
import { Outbox } from './outbox.ts';
import type { StoredOutgoing } from './outgoing.ts';
import { andThen, type MaybePromise, PersistedStore } from './persisted.ts';
import { type SessionChange, SessionManager } from './session.ts';
import { StatusTracker } from './status-tracker.ts';
import { defaultStorage } from './storage.ts';
import { createTransport, type Request } from './transport.ts';
import { TypingSender } from './typing.ts';
import { createUploader, httpError } from './uploads.ts';

/** Creates the client. Nothing connects until a user signs in (or a stored session loads). */
export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  const url = options.url.replace(/\/+$/, '');
  const wsUrl = options.wsUrl ?? `${url.replace(/^http/, 'ws')}/trpc`;
  const WebSocket =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocket) {
    throw new TypeError('No WebSocket in this runtime: pass { WebSocket } from the `ws` package');
  }
  const prefix = options.storageKey ?? 'parley';
  const backoff = {
    minDelayMs: options.backoff?.minDelayMs ?? 500,
    maxDelayMs: options.backoff?.maxDelayMs ?? 30_000,
  };
  const emitter = new Emitter<ParleyEvents>();
  const store = new PersistedStore(options.storage ?? defaultStorage(), prefix, (error) =>
    queueMicrotask(() => {
      throw error; // a broken storage must be visible, not silently lose the outbox
    }),
  );
  let closed = false;
  let live: LiveConnection | null = null;
  let cursor: string | null = null;
  /** Whose outbox and stream position are loaded (kept per user in the storage). */
  let owner: string | null = null;
  let connection: ConnectionState = { status: 'idle', error: null };

  const request: Request = (path, input) => transport(path, input);
  const session = new SessionManager(
    store,
    `${prefix}:refresh`,
    (refreshToken) => request('auth.refresh', { refreshToken }),
    onSessionChange,
  );
  const socket = () => live?.socket() ?? null;
  const transport = createTransport({ url, session, socket, fetch: options.fetch });
  const me = () => session.session?.user.id ?? null;
  const acks = new DeliveryAcks(request, options.deliveryAckDelayMs ?? 1000, () => !!socket());
  const typing = new TypingSender(request, options.typingIntervalMs ?? 3000);
  const statuses = new StatusTracker(request, me, (item) => emitter.emit('status', item));
  const fetchFn = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const upload = createUploader({
    url,
    fetch: fetchFn,
    store,
    token: () => session.accessToken(),
    owner: () => (session.session ? owner : null),
    backoff,
    maxAttempts: options.maxSendAttempts ?? 5,
    resumableThreshold: options.uploads?.resumableThreshold ?? 4 * 1024 * 1024,
    chunkSize: options.uploads?.chunkSize ?? 1024 * 1024,
  });
  const fileUrls = new Map<string, { url: string; renewAt: number }>();
  async function fileUrl(fileId: string, thumbnail?: number): Promise<string> {
    const key = `${fileId}:${thumbnail ?? ''}`;
    const cached = fileUrls.get(key);
    if (cached && Date.now() < cached.renewAt) return cached.url;
    const query = thumbnail ? `?thumbnail=${thumbnail}` : '';
    const path = `${url}/api/v1/files/${encodeURIComponent(fileId)}/url${query}`;
    const response = await fetchFn(path, {
      headers: { authorization: `Bearer ${await session.accessToken()}` },
    }).catch((cause) => {
      throw new ParleyError('NETWORK_ERROR', (cause as Error).message, { cause });
    });
    if (!response.ok) throw await httpError(response);
    const signed = (await response.json()) as { url: string; expiresAt: string };
    const absolute = new URL(signed.url, `${url}/`).toString();
    // Handed out until a minute before it expires (an <img> may load it a little later).
    const ttl = Date.parse(signed.expiresAt) - Date.now();
    fileUrls.set(key, { url: absolute, renewAt: Date.now() + Math.max(0, ttl - 60_000) });
    return absolute;
  }
  const outbox = new Outbox({
    request,
    upload,
    store,
    backoff,
    maxAttempts: options.maxSendAttempts ?? 5,
    isOnline: () => live?.state.status === 'connected',
    onChange: (item) => emitter.emit('status', item),
    onSent: (item) => statuses.track(item),
  });

  const { onDurable, onEphemeral } = createDispatch({ emitter, me, outbox, acks, statuses });
  // Another device changed the privacy settings: the stored profile follows.
  emitter.on('privacy', (event) => {
    const user = session.session?.user;
    if (user) session.updateUser({ ...user, privacy: event.privacy });
  });

  /** RESYNC_REQUIRED: the conversation list and recent history, handed to the app. */
  async function resync(): Promise<void> {
    const conversations: Conversation[] = [];
    let pageCursor: string | null = null;
    do {
      const page: { items: Conversation[]; nextCursor: string | null } = await request(
        'conversations.list',
        { cursor: pageCursor, limit: 100 },
      );
      conversations.push(...page.items);
      pageCursor = page.nextCursor;
    } while (pageCursor);
    const recent = conversations.slice(0, options.resyncHistoryConversations ?? 20);
    const histories = await Promise.all(
      recent.map((c) => request('messages.list', { conversationId: c.id })),
    );
    const messages: Record<string, Message[]> = {};
    recent.forEach((c, i) => {
      messages[c.id] = histories[i]!.messages;
    });
    // Receipts tracked for messages sent before the gap are re-read on demand.
    statuses.clear();
    emitter.emit('resync', { conversations, messages });
  }

  // Browsers: back online, or the tab shown again: reconnect (and send what waited) at once.
  const page = globalThis as unknown as Partial<EventTarget> & {
    document?: Partial<EventTarget> & { visibilityState?: string };
  };
  const wake = () => {
    if (page.document?.visibilityState === 'hidden') return;
    live?.reconnectNow();
    outbox.flush();
  };
  page.addEventListener?.('online', wake);
  page.document?.addEventListener?.('visibilitychange', wake);

  function connect(): void {
    live ??= new LiveConnection({
      wsUrl,
      WebSocket: WebSocket!,
      session,
      backoff,
      lastEventId: cursor,
      head: () => request('events.head', undefined).then((head) => head.lastEventId),
      resync,
      onDurable,
      onEphemeral,
      onCursor: (id) => store.write(`cursor:${owner}`, id),
      onState: (state) => {
        connection = state;
        emitter.emit('connection', state);
        if (state.status !== 'connected') return;
        // Back online: send what waited.
        outbox.flush();
      },
      // Acks wait for the socket (a renewed one too): send what waited.
      onSocket: () => acks.flush(),
    });
    live.start();
    outbox.setActive(true);
    acks.setActive(true);
  }

  function onSessionChange(change: SessionChange): void {
    emitter.emit('session', { change, session: session.session });
    if (closed) return;
    if (change === 'login' || change === 'restore') {
      if (live) live.renew();
      else connect();
    } else if (change === 'refresh') {
      live?.renew();
    } else if (change === 'logout' || change === 'expired' || change === 'banned') {
      cursor = live?.lastEventId ?? cursor;
      void live?.stop();
      live = null;
      outbox.setActive(false);
      acks.setActive(false);
      fileUrls.clear();
      statuses.clear();
      typing.clear();
      // An expired or banned session keeps its outbox: the same user signing in again sends it.
      if (change === 'logout') forgetUser();
    }
  }

  function forgetUser(): void {
    if (owner) {
      store.write(`outbox:${owner}`, null);
      store.write(`cursor:${owner}`, null);
    }
    outbox.clear();
    owner = null;
    cursor = null;
  }

  /** Loads the outbox and stream position of `userId` (nothing to do if they are loaded). */
  function loadUser(userId: string): MaybePromise<void> {
    if (owner === userId) return;
    return andThen(store.read<string>(`cursor:${userId}`), (storedCursor) =>
      andThen(store.read<StoredOutgoing[]>(`outbox:${userId}`), (stored) => {
        outbox.load(userId, stored);
        owner = userId;
        cursor = storedCursor;
      }),
    );
  }

  async function signIn<P extends 'auth.login' | 'auth.register' | 'auth.verifyOtp'>(
    path: P,
    input: Procedures[P]['input'],
  ) {
    const auth = await request(path, input);
    // Another account was signed in on this device: its data must not carry over.
    if (session.session && session.session.user.id !== auth.user.id) session.signOut('logout');
    await loadUser(auth.user.id);
    session.signIn(auth);
    return session.session!;
  }

  const ready = Promise.resolve(
    andThen(session.load(), (userId) =>
      userId ? andThen(loadUser(userId), () => session.resume()) : undefined,
    ),
  );
  // Apps that never await `ready` must not see an unhandled rejection from a broken storage.
  ready.catch(() => undefined);

  const api = createNamespaces(request);
  const messages = api.messages as unknown as MessagesApi;
  const conversations = api.conversations as unknown as ConversationsApi;
  const users = api.users as unknown as UsersApi;

  // Namespaces the client wraps itself (auth, typing) or owns (events) are not exposed raw.
  const { auth: _auth, events: _events, typing: _typing, ...plain } = api;

  return {
    ...plain,
    auth: {
      register: (input) => signIn('auth.register', input),
      login: (input) => signIn('auth.login', input),
      requestOtp: (input) => request('auth.requestOtp', input),
      verifyOtp: (input) => signIn('auth.verifyOtp', input),
      async logout() {
        const refreshToken = session.refreshToken;
        session.signOut('logout');
        if (refreshToken) await request('auth.logout', { refreshToken }).catch(() => undefined);
      },
    },
    get session() {
      return session.session;
    },
    get connection() {
      return connection;
    },
    ready,
    on: (name, listener) => emitter.on(name, listener),
    conversation: (id) => ({
      id,
      on: (name, listener) =>
        emitter.on(name, (payload) => {
          if (payload.conversationId === id) listener(payload as never);
        }),
    }),
    messages: {
      ...messages,
      send(input) {
        typing.sent(input.conversationId);
        return outbox.send(input);
      },
      pending: (conversationId) => outbox.list(conversationId),
    },
    conversations: {
      ...conversations,
      async markRead(input) {
        const receipt = await conversations.markRead(input);
        acks.watermark(receipt); // read implies delivered: no ack needed up to here
        return receipt;
      },
    },
    users: {
      ...users,
      async updateMe(input) {
        const updated = await users.updateMe(input);
        session.updateUser(updated);
        return updated;
      },
      async updatePrivacy(input) {
        const updated = await users.updatePrivacy(input);
        session.updateUser(updated);
        return updated;
      },
      async deleteAccount(input) {
        const result = await users.deleteAccount(input);
        // The account is gone: nothing of it stays on this device.
        session.signOut('logout');
        return result;
      },
    },
    presence: api.presence as unknown as PresenceApi,
    files: {
      ...(api.files as unknown as FilesApi),
      upload,
      url: (fileId, opts) => fileUrl(fileId, opts?.thumbnail),
      async download(fileId, opts) {
        const response = await fetchFn(await fileUrl(fileId, opts?.thumbnail), {
          signal: opts?.signal,
        }).catch((cause) => {
          if (opts?.signal?.aborted) throw opts.signal.reason;
          throw new ParleyError('NETWORK_ERROR', (cause as Error).message, { cause });
        });
        if (!response.ok) throw await httpError(response);
        return response.blob();
      },
    },
    groups: api.groups as unknown as GroupsApi,
    broadcasts: api.broadcasts as unknown as BroadcastsApi,
    reports: api.reports as unknown as ReportsApi,
    admin: api.admin as unknown as AdminApi,
    typing: (conversationId, isTyping = true) => {
      if (session.session) typing.set(conversationId, isTyping);
    },
    getAccessToken: () => session.accessToken(),
    async close() {
      closed = true;
      page.removeEventListener?.('online', wake);
      page.document?.removeEventListener?.('visibilitychange', wake);
      await live?.stop();
      live = null;
      session.stop();
      outbox.setActive(false);
      acks.setActive(false);
      await store.flush();
    },
  };
}
