import type {
  ConnectionStatus,
  Conversation,
  Message,
  OutgoingMessage,
  ParleyClient,
  Participant,
  User,
} from '@parley/sdk';
import type { Thread } from './threads.ts';

export interface ChatState {
  conversations: Conversation[];
  listLoaded: boolean;
  activeId: string | null;
  threads: Record<string, Thread>;
  participants: Record<string, Participant[]>;
  /** Who is typing, per conversation. */
  typing: Record<string, string[]>;
  online: Record<string, boolean>;
  /** Names and avatars of everyone met so far (peers, members, senders). */
  users: Record<string, User>;
  /** This device's sends the server does not have yet, per conversation. */
  pending: Record<string, OutgoingMessage[]>;
  connection: ConnectionStatus;
  /** Pinned messages per conversation (loaded when the chat opens). */
  pins: Record<string, Pin[]>;
  /** The thread shown beside the chat (its root message id), and loaded replies per root. */
  openThread: string | null;
  replies: Record<string, Message[]>;
}

export interface Pin {
  message: Message;
  pinnedBy: string;
  pinnedAt: string;
}

/**
 * What the live handlers need from the store. ChatStore implements it and live-handlers.ts
 * depends only on this, so the two modules do not import each other.
 */
export interface LiveStore {
  readonly parley: ParleyClient;
  readonly state: ChatState;
  readonly me: string;
  update(change: (state: ChatState) => Partial<ChatState>): void;
  refreshConversation(conversationId: string): Promise<Conversation | null>;
  removeConversation(conversationId: string): void;
  upsertConversation(conversation: Conversation): void;
  loadParticipants(conversationId: string): Promise<void>;
  setThread(conversationId: string, thread: Thread): void;
  putMessage(message: Message): void;
  refreshPending(conversationId: string): void;
  markActiveRead(): void;
  loadPins(conversationId: string): Promise<void>;
}
