/**
 * Where the SDK keeps the session, the outbox and the stream position. The shape of the Web
 * Storage API, so `localStorage` and `sessionStorage` fit as they are; methods may also
 * return promises (React Native's AsyncStorage, IndexedDB wrappers).
 */
export interface ParleyStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Keeps everything in memory: the default outside browsers (nothing survives a restart). */
export function memoryStorage(): ParleyStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, value);
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

/** `localStorage` when the page may use it (not in Node, not when blocked), else memory. */
export function defaultStorage(): ParleyStorage {
  try {
    const storage = (globalThis as { window?: { localStorage?: ParleyStorage } }).window
      ?.localStorage;
    if (storage) {
      // Safari's private mode and blocked third-party storage throw here, not on access.
      const probe = '__parley_probe__';
      storage.setItem(probe, probe);
      storage.removeItem(probe);
      return storage;
    }
  } catch {
    // fall through to memory
  }
  return memoryStorage();
}
