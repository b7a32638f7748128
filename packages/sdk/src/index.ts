export { createParleyClient } from './client.ts';
export type {
  AuthClient,
  ConversationEvent,
  ConversationEvents,
  ConversationHandle,
  FilesClient,
  MemberEvent,
  MessagesClient,
  MessageUpdate,
  ParleyClient,
  ParleyClientOptions,
  ParleyEvents,
  PresenceEvent,
  ReceiptEvent,
  SessionEvent,
  TypingEvent,
} from './client-types.ts';
export type {
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
  SystemPayload,
  User,
  UsersApi,
} from './contract.gen.ts';
export { ParleyError, type ParleyErrorCode, type ParleyErrorOptions } from './errors.ts';
export type { ConnectionState, ConnectionStatus, WebSocketConstructor } from './live.ts';
export type { OutgoingMessage, OutgoingStatus, SendInput } from './outgoing.ts';
export type { Session, SessionChange } from './session.ts';
export { defaultStorage, memoryStorage, type ParleyStorage } from './storage.ts';
export type { UploadOptions, UploadProgress, UploadSource } from './uploads.ts';
