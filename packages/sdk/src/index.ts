export { createParleyClient } from './client.ts';
export type {
  AuthClient,
  BlockChangedEvent,
  ConversationEvent,
  MemberEvent,
  MessagesClient,
  MessageUpdate,
  ParleyClient,
  ParleyClientOptions,
  ParleyEvents,
  PinEvent,
  PresenceEvent,
  PrivacyUpdatedEvent,
  ReceiptEvent,
  ResyncSnapshot,
  SessionEvent,
  ThreadEvent,
  TypingEvent,
} from './client-types.ts';
export type {
  AdminApi,
  AuthResult,
  Broadcast,
  BroadcastSend,
  BroadcastsApi,
  Conversation,
  ConversationSummary,
  ConversationsApi,
  DurableEvent,
  EphemeralEvent,
  FileInfo,
  FilesApi,
  GroupsApi,
  Me,
  Message,
  MessageStatusReport,
  MessagesApi,
  Participant,
  Presence,
  PresenceApi,
  Procedures,
  Reaction,
  Receipt,
  ReportsApi,
  SystemPayload,
  User,
  UsersApi,
} from './contract.gen.ts';
export { ParleyError, type ParleyErrorCode, type ParleyErrorOptions } from './errors.ts';
export type { ConnectionState, ConnectionStatus, WebSocketConstructor } from './live.ts';
export type { OutgoingMessage, OutgoingStatus, SendInput } from './outgoing.ts';
export type { Session, SessionChange } from './session.ts';
export { defaultStorage, memoryStorage, type ParleyStorage } from './storage.ts';
