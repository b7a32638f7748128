import type {
  ConnectionState,
  FileInfo,
  OutgoingMessage,
  ParleyClient,
  Participant,
  Presence,
  SendInput,
  Session,
  UploadOptions,
  UploadProgress,
  UploadSource,
} from '@parley/sdk';
import {
  type ChatState,
  type ChatStore,
  type ChatStoreOptions,
  type ConversationEntry,
  createChatStore,
  type TimelineMessage,
} from '@parley/sdk/store';
import {
  createContext,
  createElement,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';

export type { ChatState, ChatStore, ConversationEntry, TimelineMessage } from '@parley/sdk/store';

interface ParleyContextValue {
  client: ParleyClient;
  store: ChatStore;
}

const ParleyContext = createContext<ParleyContextValue | null>(null);
const NONE: readonly string[] = [];
const NO_MEMBERS: readonly Participant[] = [];

export interface ParleyProviderProps {
  client: ParleyClient;
  /** Your own store (e.g. shared with non-React code); by default one is made for `client`. */
  store?: ChatStore;
  storeOptions?: ChatStoreOptions;
  children?: ReactNode;
}

/** Gives the hooks below a client and its store. Keep one per client (at the app's root). */
export function ParleyProvider({ client, store, storeOptions, children }: ParleyProviderProps) {
  const [value] = useState<ParleyContextValue>(() => ({
    client,
    store: store ?? createChatStore(client, storeOptions),
  }));
  return createElement(ParleyContext.Provider, { value }, children);
}

function useParleyContext(): ParleyContextValue {
  const value = useContext(ParleyContext);
  if (!value) throw new Error('Parley hooks need a <ParleyProvider client={...}> above them');
  return value;
}

/** The SDK client from the provider. */
export const useParley = (): ParleyClient => useParleyContext().client;
/** The store from the provider. */
export const useChatStore = (): ChatStore => useParleyContext().store;

/** A slice of the store's state; re-renders only when the slice changes (by reference). */
export function useChatState<T>(selector: (state: ChatState) => T): T {
  const { store } = useParleyContext();
  const get = () => selector(store.getState());
  return useSyncExternalStore(store.subscribe, get, get);
}

/** The signed-in user's session, or null. */
export function useSession(): Session | null {
  const { client } = useParleyContext();
  const subscribe = useCallback((fn: () => void) => client.on('session', fn), [client]);
  // `client.session` is a fresh object per read: the same user is the same snapshot.
  const cache = useRef<Session | null>(null);
  const get = () => {
    const session = client.session;
    if (session?.user !== cache.current?.user) cache.current = session;
    return cache.current;
  };
  return useSyncExternalStore(subscribe, get, get);
}

/** The live connection's state: `connecting`, `connected`, `reconnecting`... */
export function useConnectionState(): ConnectionState {
  const { client } = useParleyContext();
  const subscribe = useCallback((fn: () => void) => client.on('connection', fn), [client]);
  const get = () => client.connection;
  return useSyncExternalStore(subscribe, get, get);
}

/** The conversation list, most recent activity first (loaded once signed in). */
export function useConversations(): {
  conversations: readonly ConversationEntry[];
  loaded: boolean;
} {
  const { store } = useParleyContext();
  const userId = useSession()?.user.id;
  const conversations = useChatState((s) => s.conversations);
  const loaded = useChatState((s) => s.conversationsLoaded);
  useEffect(() => {
    if (userId && !store.getState().conversationsLoaded) void store.loadConversations();
  }, [store, userId]);
  return { conversations, loaded };
}

/** One conversation of the list (null until the list has it). */
export function useConversation(conversationId: string): ConversationEntry | null {
  useConversations();
  return useChatState((s) => s.conversations.find((c) => c.id === conversationId) ?? null);
}

/**
 * A conversation's timeline: its newest page is loaded while the component is mounted, live
 * events and your optimistic sends are merged in; `loadOlder()` pages back.
 */
export function useMessages(conversationId: string): {
  messages: readonly TimelineMessage[];
  loaded: boolean;
  hasOlder: boolean;
  loadOlder(): Promise<boolean>;
} {
  const { store } = useParleyContext();
  const userId = useSession()?.user.id;
  useEffect(
    () => (userId ? store.watch(conversationId) : undefined),
    [store, conversationId, userId],
  );
  const timeline = useChatState((s) => s.timelines[conversationId]);
  const loadOlder = useCallback(() => store.loadOlder(conversationId), [store, conversationId]);
  return {
    messages: timeline?.messages ?? [],
    loaded: timeline?.loaded ?? false,
    hasOlder: timeline?.hasOlder ?? false,
    loadOlder,
  };
}

/**
 * The members of a conversation whose timeline is watched (`useMessages`), with their delivered
 * and read watermarks kept current; empty until loaded.
 */
export function useMembers(conversationId: string): readonly Participant[] {
  return useChatState((s) => s.members[conversationId] ?? NO_MEMBERS);
}

/** Who is typing in a conversation (user ids, yourself excluded). */
export function useTyping(conversationId: string): readonly string[] {
  return useChatState((s) => s.conversations.find((c) => c.id === conversationId)?.typing ?? NONE);
}

/** A user's presence (loaded on first use, then kept current by the stream). */
export function usePresence(userId: string): Presence | null {
  const { store } = useParleyContext();
  const signedIn = useSession() !== null;
  useEffect(() => {
    if (signedIn && userId && !store.getState().presence[userId]) {
      void store.loadPresence([userId]).catch(() => {});
    }
  }, [store, userId, signedIn]);
  return useChatState((s) => s.presence[userId] ?? null);
}

/** `send(input)`: optimistic, through the SDK's outbox (the timeline shows it at once). */
export function useSendMessage(): (input: SendInput) => OutgoingMessage {
  const { client } = useParleyContext();
  return useCallback((input: SendInput) => client.messages.send(input), [client]);
}

export interface UploadState {
  /** Starts an upload; resolves with the stored file (rejects on refusal or abort). */
  upload(source: UploadSource, options?: Omit<UploadOptions, 'signal'>): Promise<FileInfo>;
  /** Aborts the running upload. */
  abort(): void;
  progress: UploadProgress | null;
  uploading: boolean;
  file: FileInfo | null;
  error: unknown;
}

/** One upload at a time with its progress; aborted when the component unmounts. */
export function useUpload(): UploadState {
  const { client } = useParleyContext();
  const controller = useRef<AbortController | null>(null);
  const [state, setState] = useState<Omit<UploadState, 'upload' | 'abort'>>({
    progress: null,
    uploading: false,
    file: null,
    error: null,
  });
  useEffect(() => () => controller.current?.abort(), []);
  const upload = useCallback(
    async (source: UploadSource, options: Omit<UploadOptions, 'signal'> = {}) => {
      controller.current?.abort();
      const current = new AbortController();
      controller.current = current;
      setState({ progress: null, uploading: true, file: null, error: null });
      try {
        const file = await client.files.upload(source, {
          ...options,
          signal: current.signal,
          onProgress: (progress) => {
            options.onProgress?.(progress);
            if (controller.current === current) setState((s) => ({ ...s, progress }));
          },
        });
        if (controller.current === current) setState((s) => ({ ...s, uploading: false, file }));
        return file;
      } catch (error) {
        if (controller.current === current) setState((s) => ({ ...s, uploading: false, error }));
        throw error;
      }
    },
    [client],
  );
  const abort = useCallback(() => controller.current?.abort(), []);
  return { ...state, upload, abort };
}
