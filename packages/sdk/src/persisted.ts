import type { ParleyStorage } from './storage.ts';

/** A value read synchronously when the storage is synchronous (localStorage, memory). */
export type MaybePromise<T> = T | Promise<T>;

/** `value.then(fn)` that stays synchronous for a value that is not a promise. */
export function andThen<T, R>(
  value: MaybePromise<T>,
  fn: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/**
 * JSON values under `<prefix>:<name>` in the app's storage. A synchronous storage is written at
 * once (nothing is lost if the page closes right after); with an async one, writes are chained
 * so an older value can never land after a newer one.
 */
export class PersistedStore {
  private pending: Promise<void> | null = null;

  constructor(
    private readonly storage: ParleyStorage,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  read<T>(name: string): MaybePromise<T | null> {
    const parse = (raw: string | null): T | null => {
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null; // a corrupt entry reads as absent rather than breaking the client
      }
    };
    try {
      return andThen(this.storage.getItem(this.key(name)), parse);
    } catch (error) {
      this.onError(error);
      return null;
    }
  }

  /** Stores `value`, or removes the key for `null`. */
  write(name: string, value: unknown): void {
    const key = this.key(name);
    const apply = () =>
      value === null
        ? this.storage.removeItem(key)
        : this.storage.setItem(key, JSON.stringify(value));
    if (this.pending) {
      this.track(this.pending.then(apply));
      return;
    }
    try {
      const result = apply();
      if (result instanceof Promise) this.track(result);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Resolves once every write so far has reached the storage. */
  async flush(): Promise<void> {
    while (this.pending) await this.pending;
  }

  private track(write: Promise<void>): void {
    const settled: Promise<void> = write.catch(this.onError).finally(() => {
      if (this.pending === settled) this.pending = null;
    });
    this.pending = settled;
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }
}
