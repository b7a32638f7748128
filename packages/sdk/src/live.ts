import { createTRPCUntypedClient, createWSClient, wsLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import type { DurableEvent, EphemeralEvent } from './contract.gen.ts';
import { ParleyError, toParleyError } from './errors.ts';
import { RecentIds } from './recent-ids.ts';
import { isBanned, type SessionManager } from './session.ts';
import type { OpenSocket } from './socket-link.ts';

/**
 * - `connecting`: first connection after sign-in.
 * - `connected`: the server has started the stream (and replays what was missed).
 * - `reconnecting`: the connection was lost; retrying with backoff, nothing is lost meanwhile.
 * - `closed`: signed out or `parley.close()`.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the last connection failed, while reconnecting. */
  error: ParleyError | null;
}

/** A WebSocket class: the browser's, Node 22's global, or `ws` on Node 20. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

export interface LiveOptions {
  wsUrl: string;
  WebSocket: WebSocketConstructor;
  session: SessionManager;
  backoff: BackoffOptions;
  lastEventId: string | null;
  /** The log's newest event id (`events.head`), where a first connection starts. */
  head(): Promise<string | null>;
  /**
   * The server no longer keeps the events after our cursor (`RESYNC_REQUIRED`): reload state
   * (taken after `head`, so the stream resumes from before the snapshot and nothing is lost).
   */
  resync(): Promise<void>;
  onDurable(event: DurableEvent): void;
  onEphemeral(event: EphemeralEvent): void;
  onState(state: ConnectionState): void;
  onCursor(lastEventId: string): void;
  /** The stream started on a socket, which now takes calls (also after a silent renewal). */
  onSocket(): void;
}

interface Link {
  ws: ReturnType<typeof createWSClient>;
  subscription: { unsubscribe(): void };
  /** The access token this socket authenticated with. */
  token: string | null;
  /** The server has started the stream on this socket at least once. */
  started: boolean;
}

type StreamItem = { id: string; data: DurableEvent } | EphemeralEvent;
const isTracked = (item: StreamItem): item is { id: string; data: DurableEvent } =>
  'id' in item && typeof item.id === 'string' && 'data' in item;

/**
 * The one live connection: `events.subscribe` over WebSocket. tRPC's client reconnects a lost
 * socket (with our backoff) and resubscribes from the last event id; this class handles what it
 * cannot: an UNAUTHORIZED stream (refresh, then a new socket with the new token), a stream the
 * server ended, and a token rotation. Events already seen are dropped by id.
 */
export class LiveConnection {
  private link: Link | null = null;
  private running = false;
  private connectedOnce = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly seen = new RecentIds(5000);
  /** The server answered RESYNC_REQUIRED: reload state before the next subscription. */
  private needsResync = false;
  private current: ConnectionState = { status: 'idle', error: null };
  lastEventId: string | null;

  constructor(private readonly options: LiveOptions) {
    this.lastEventId = options.lastEventId;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /**
   * The socket queries and mutations may use now: the stream has started on it, it is open, and
   * it signed in with the session's current token (after a refresh, the renewed socket takes
   * over once its stream starts). Null otherwise: calls go over HTTP rather than wait.
   */
  socket(): OpenSocket | null {
    const link = this.link;
    if (!link?.started || !link.token || this.current.status !== 'connected') return null;
    if (link.token !== this.options.session.token) return null;
    return link.ws.connection?.state === 'open' ? { client: link.ws, token: link.token } : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  /**
   * A first connection starts from the log's head, taken before the socket opens, so events
   * between sign-in and the stream's start are replayed too. An empty log has no head: ''
   * asks the server to replay from the beginning. After RESYNC_REQUIRED the same: the head
   * first, then the reload, then the stream from the head (events in between arrive again,
   * and applying them to the reloaded state changes nothing).
   */
  private async startingPoint(): Promise<boolean> {
    if (this.lastEventId !== null && !this.needsResync) return true;
    try {
      const head = await this.options.head();
      if (this.needsResync) {
        await this.options.resync();
        this.needsResync = false;
        this.lastEventId = head ?? '';
        this.options.onCursor(this.lastEventId);
      }
      this.lastEventId ??= head ?? '';
      return true;
    } catch (error) {
      if (!this.running) return false;
      this.setState('connecting', toParleyError(error));
      this.retryLater();
      return false;
    }
  }

  async stop(): Promise<void> {
    // Closed by a ban: the state keeps its reason.
    const error = this.running ? null : this.current.error;
    this.running = false;
    clearTimeout(this.retryTimer);
    const link = this.link;
    this.link = null;
    this.setState('closed', error);
    await this.close(link);
  }

  /**
   * The network is back (`online`) or the tab visible again: reconnect now on a fresh socket
   * rather than wait out the backoff (up to its maximum after a long outage).
   */
  reconnectNow(): void {
    if (!this.running || this.current.status === 'connected') return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    const old = this.link;
    this.link = null;
    void this.close(old);
    this.open();
  }

  /** After a token refresh: move to a socket that authenticates with the new token. */
  renew(): void {
    const token = this.link?.token;
    // No token yet: the socket is still connecting and will ask for the current one.
    if (!this.running || !token || token === this.options.session.token) return;
    const old = this.link;
    this.link = null;
    void this.close(old);
    this.open();
  }

  private open(): void {
    if (this.lastEventId === null || this.needsResync) {
      void this.startingPoint().then((ready) => {
        if (ready && this.running && !this.link) this.open();
      });
      return;
    }
    const { session, backoff } = this.options;
    const link = { token: null, started: false } as Link;
    link.ws = createWSClient({
      url: this.options.wsUrl,
      WebSocket: this.options.WebSocket as never,
      // Evaluated on every (re)connect of this socket, so it always sends a usable token.
      connectionParams: async () => {
        link.token = await session.accessToken();
        return { token: link.token };
      },
      retryDelayMs: (attempt) => backoffDelay(attempt, backoff),
      // Notices a dead network (sleeping laptop, lost Wi-Fi) without waiting for TCP.
      keepAlive: { enabled: true, intervalMs: 15_000, pongTimeoutMs: 5_000 },
    });
    const client = createTRPCUntypedClient<AnyTRPCRouter>({ links: [wsLink({ client: link.ws })] });
    const mine = () => this.link === link;
    link.subscription = client.subscription(
      'events.subscribe',
      { lastEventId: this.lastEventId },
      {
        onStarted: () => {
          if (!mine()) return;
          link.started = true;
          this.attempt = 0;
          this.connectedOnce = true;
          this.setState('connected', null);
          this.options.onSocket();
        },
        onData: (item) => {
          if (mine()) this.receive(item as StreamItem);
        },
        onError: (error) => {
          if (mine()) this.fail(link, toParleyError(error));
        },
        onComplete: () => {
          if (mine())
            this.fail(link, new ParleyError('NETWORK_ERROR', 'The server ended the stream'));
        },
        onConnectionStateChange: (state) => {
          // A renewed socket's first "connecting" is no news; a lost or failing one is.
          const lost = link.started || state.error;
          if (
            mine() &&
            state.state === 'connecting' &&
            lost &&
            this.current.status === 'connected'
          ) {
            this.setState('reconnecting', state.error ? toParleyError(state.error) : null);
          }
        },
      },
    );
    this.link = link;
    if (this.current.status !== 'connected') {
      this.setState(this.connectedOnce ? 'reconnecting' : 'connecting', this.current.error);
    }
  }

  private receive(item: StreamItem): void {
    if (!isTracked(item)) {
      this.options.onEphemeral(item);
      return;
    }
    if (!this.seen.add(item.id)) return;
    this.lastEventId = item.id;
    this.options.onCursor(item.id);
    this.options.onDurable(item.data);
  }

  private fail(link: Link, error: ParleyError): void {
    this.link = null;
    void this.close(link);
    if (!this.running) return;
    if (isBanned(error)) {
      // Banned: every reconnect would be refused. The connection closes with the reason, and
      // ending the session stops it for good.
      this.running = false;
      this.setState('closed', error);
      this.options.session.signOut('banned');
      return;
    }
    this.setState(this.connectedOnce ? 'reconnecting' : 'connecting', error);
    if (error.reason === 'RESYNC_REQUIRED') {
      // The log was pruned past our cursor: reload, then resume from the head at once.
      this.needsResync = true;
      const immediate = this.attempt === 0;
      this.attempt += 1;
      if (immediate) this.reopen();
      else this.retryLater();
      return;
    }
    if (error.code !== 'UNAUTHORIZED') {
      this.retryLater();
      return;
    }
    // The socket's token was refused (expired, or the server restarted with a new secret):
    // refresh and reconnect at once; if that keeps happening, back off.
    const immediate = this.attempt === 0;
    this.attempt += 1;
    this.options.session.refresh(link.token ?? undefined).then(
      () => (immediate ? this.reopen() : this.retryLater()),
      (refreshError: ParleyError) => {
        // A refused refresh token signs the user out, which stops this connection.
        if (refreshError.code !== 'UNAUTHORIZED') this.retryLater();
      },
    );
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.attempt++, this.options.backoff);
    this.retryTimer = setTimeout(() => this.reopen(), delay);
  }

  private reopen(): void {
    if (this.running && !this.link) this.open();
  }

  private async close(link: Link | null): Promise<void> {
    if (!link) return;
    link.subscription.unsubscribe();
    await link.ws.close().catch(() => undefined);
  }

  private setState(status: ConnectionStatus, error: ParleyError | null): void {
    if (this.current.status === status && this.current.error === error) return;
    this.current = { status, error };
    this.options.onState(this.current);
  }
}
