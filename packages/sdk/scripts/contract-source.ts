// The server types the SDK publishes, named. `generate-contract.ts` expands each of these into
// plain structural types in src/contract.gen.ts, so the published d.ts needs neither
// @parley/api nor tRPC, zod or Kysely types. Add a name here to publish one more DTO.
import type { AppRouter, EphemeralEvent, ReceiptDto, StreamEvent } from '@parley/api';
import type { inferRouterOutputs } from '@trpc/server';

type Outputs = inferRouterOutputs<AppRouter>;

export type Router = AppRouter;
export type User = Outputs['users']['get'];
export type Me = Outputs['users']['me'];
export type Message = Outputs['messages']['get'];
export type Reaction = Message['reactions'][number];
/** A stored file's metadata (`File` would shadow the DOM's). */
export type FileInfo = Outputs['files']['get'];
export type MessageStatusReport = Outputs['messages']['status'];
export type Conversation = Outputs['conversations']['get'];
export type ConversationSummary = Extract<StreamEvent, { conversation: unknown }>['conversation'];
export type Receipt = ReceiptDto;
export type Participant = Outputs['conversations']['participants'][number];
export type Presence = Outputs['presence']['get'][number];
export type AuthResult = Outputs['auth']['login'];
export type DurableEvent = StreamEvent;
export type SystemPayload = NonNullable<Message['system']>;
export type Broadcast = Outputs['broadcasts']['create'];
export type BroadcastSend = Outputs['broadcasts']['send'];
export type { EphemeralEvent };
