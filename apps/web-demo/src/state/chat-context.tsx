import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';
import type { ChatState } from './chat-state.ts';
import { ChatStore } from './chat-store.ts';
import { useParley } from './parley-context.tsx';

const ChatContext = createContext<ChatStore | null>(null);

/** One store per signed-in user (the provider is mounted only while signed in). */
export function ChatProvider({ children }: { children: ReactNode }) {
  const parley = useParley();
  const [store] = useState(() => new ChatStore(parley));
  useEffect(() => store.start(), [store]);
  return <ChatContext.Provider value={store}>{children}</ChatContext.Provider>;
}

export function useChatStore(): ChatStore {
  const store = useContext(ChatContext);
  if (!store) throw new Error('useChatStore outside ChatProvider');
  return store;
}

/** A slice of the chat state; the component re-renders when that slice changes. */
export function useChat<T>(select: (state: ChatState) => T): T {
  const store = useChatStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
