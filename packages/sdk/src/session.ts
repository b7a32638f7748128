import type { AuthResult, Me } from './contract.gen.ts';
import { ParleyError, toParleyError } from './errors.ts';
import { andThen, type MaybePromise, type PersistedStore } from './persisted.ts';
import { refreshDeadline } from './tokens.ts';

/** The signed-in user, as `parley.session` shows it. */
export interface Session {
  user: Me;
}

/**
 * Why the session changed: `expired` means the server refused the refresh token; `banned`
 * that a moderator banned the account (the server's `ACCOUNT_BANNED`: retrying cannot help).
 */
export type SessionChange =
  | 'login'
  | 'restore'
  | 'refresh'
  | 'update'
  | 'logout'
  | 'expired'
  | 'banned';

/** The server refused because the account is banned: the session ends, nothing is retried. */
export const isBanned = (error: { reason?: string | undefined }): boolean =>
  error.reason === 'ACCOUNT_BANNED';

interface StoredSession {
  user: Me;
  accessToken: string;
  refreshToken: string;
  /** This device's clock: refresh the access token from then on. */
  refreshAt: number;
}

const KEY = 'session';

/**
 * Owns the tokens: persists them, refreshes the access token before it expires (and when the
 * server says it has), and makes every caller (HTTP calls, the WebSocket) share one refresh,
 * because refresh tokens rotate and presenting a spent one signs the user out everywhere.
 */
export class SessionManager {
  private current: StoredSession | null = null;
  private refreshing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: PersistedStore,
    private readonly lockName: string,
    private readonly callRefresh: (refreshToken: string) => Promise<AuthResult>,
    private readonly onChange: (change: SessionChange, session: Session | null) => void,
  ) {}

  /** Reads the stored session (synchronously when the storage is); returns its user id. */
  load(): MaybePromise<string | null> {
    return andThen(this.store.read<StoredSession>(KEY), (stored) => {
      if (!stored?.refreshToken || !stored.user) return null;
      this.current = stored;
      return stored.user.id;
    });
  }

  /** Starts using the loaded session: token refreshes, and the `restore` change. */
  resume(): void {
    if (!this.current) return;
    this.schedule();
    this.onChange('restore', this.session);
  }

  get session(): Session | null {
    return this.current && { user: this.current.user };
  }

  /** The access token as it is now, without refreshing (for request headers). */
  get token(): string | null {
    return this.current?.accessToken ?? null;
  }

  get refreshToken(): string | null {
    return this.current?.refreshToken ?? null;
  }

  signIn(auth: AuthResult, change: 'login' | 'refresh' = 'login'): void {
    this.current = {
      user: auth.user,
      accessToken: auth.accessToken,
      refreshToken: auth.refreshToken,
      refreshAt: refreshDeadline(auth.accessToken, auth.accessTokenExpiresAt, Date.now()),
    };
    this.store.write(KEY, this.current);
    this.schedule();
    this.onChange(change, this.session);
  }

  updateUser(user: Me): void {
    if (!this.current || this.current.user.id !== user.id) return;
    this.current = { ...this.current, user };
    this.store.write(KEY, this.current);
    this.onChange('update', this.session);
  }

  signOut(change: 'logout' | 'expired' | 'banned'): void {
    if (!this.current) return;
    this.current = null;
    clearTimeout(this.timer);
    this.store.write(KEY, null);
    this.onChange(change, null);
  }

  /** A usable access token, refreshed first when it is due. */
  async accessToken(): Promise<string> {
    const current = this.current;
    if (!current) throw new ParleyError('UNAUTHORIZED', 'Not signed in');
    if (Date.now() >= current.refreshAt) await this.refresh(current.accessToken);
    if (!this.current) throw new ParleyError('UNAUTHORIZED', 'Signed out');
    return this.current.accessToken;
  }

  /**
   * Gets a new access token, once for everyone asking at the same time. With `staleToken` (the
   * token a request was refused with), nothing happens if the token has changed since.
   */
  refresh(staleToken?: string): Promise<void> {
    if (!this.current) return Promise.reject(new ParleyError('UNAUTHORIZED', 'Not signed in'));
    if (staleToken !== undefined && staleToken !== this.current.accessToken) {
      return Promise.resolve();
    }
    this.refreshing ??= withLock(this.lockName, () => this.rotate()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async rotate(): Promise<void> {
    const current = this.current;
    if (!current) throw new ParleyError('UNAUTHORIZED', 'Not signed in');
    // Another tab sharing this storage may have rotated the tokens already: take theirs
    // instead of presenting a refresh token that is now spent.
    const stored = await this.store.read<StoredSession>(KEY);
    if (
      stored &&
      stored.user?.id === current.user.id &&
      stored.refreshToken !== current.refreshToken
    ) {
      this.current = stored;
      this.schedule();
      if (Date.now() < stored.refreshAt) {
        this.onChange('refresh', this.session);
        return;
      }
    }
    try {
      const auth = await this.callRefresh(this.current!.refreshToken);
      if (this.current) this.signIn(auth, 'refresh');
    } catch (error) {
      const parleyError = toParleyError(error);
      if (parleyError.code === 'UNAUTHORIZED') this.signOut('expired');
      else if (isBanned(parleyError)) this.signOut('banned');
      throw parleyError;
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.current) return;
    const token = this.current.accessToken;
    const delay = Math.max(0, this.current.refreshAt - Date.now());
    this.timer = setTimeout(() => {
      // Failures are retried on the next use; an expired session has already signed out.
      this.refresh(token).catch(() => undefined);
    }, delay);
    (this.timer as { unref?: () => void }).unref?.();
  }
}

type LockManager = { request(name: string, fn: () => Promise<void>): Promise<void> };

/** Web Locks keep two tabs of one browser from refreshing the same tokens at once. */
function withLock(name: string, fn: () => Promise<void>): Promise<void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return locks ? locks.request(name, fn) : fn();
}
