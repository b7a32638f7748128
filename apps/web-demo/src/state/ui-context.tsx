import { useChatState, useChatStore, useParley, useSession } from '@parley/react';
import type { User } from '@parley/sdk';
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { type UiState, UiStore } from './ui-store.ts';

const UiContext = createContext<UiStore | null>(null);

/** The demo's own state, one per signed-in user (mounted only while signed in). */
export function UiProvider({ children }: { children: ReactNode }) {
  const parley = useParley();
  const chat = useChatStore();
  const [store] = useState(() => new UiStore(parley, chat));
  useEffect(() => store.start(), [store]);
  return <UiContext.Provider value={store}>{children}</UiContext.Provider>;
}

export function useUiStore(): UiStore {
  const store = useContext(UiContext);
  if (!store) throw new Error('useUiStore outside UiProvider');
  return store;
}

/** A slice of the demo's own state; the component re-renders when that slice changes. */
export function useUi<T>(select: (state: UiState) => T): T {
  const store = useUiStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

/** The signed-in user's id ('' while signed out). */
export function useMe(): string {
  return useSession()?.user.id ?? '';
}

/** Names and pictures of everyone met so far: the peers of the list and members of open chats. */
export function useUsers(): Record<string, User> {
  const conversations = useChatState((s) => s.conversations);
  const members = useChatState((s) => s.members);
  const last = useRef<Record<string, User>>({});
  return useMemo(() => {
    const users: Record<string, User> = {};
    for (const c of conversations) if (c.peer) users[c.peer.id] = c.peer;
    for (const list of Object.values(members)) for (const p of list) users[p.user.id] = p.user;
    // The same people as before (a new message moved the list): the same object, no re-render.
    const before = last.current;
    const ids = Object.keys(users);
    const same =
      ids.length === Object.keys(before).length && ids.every((id) => users[id] === before[id]);
    if (!same) last.current = users;
    return last.current;
  }, [conversations, members]);
}
