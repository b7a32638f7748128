import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';

// The live event stream over Server-Sent Events: tRPC's HTTP subscription of `events.subscribe`
// at /trpc (not under /api/v1, hence the path's own server). Its messages are the AsyncAPI
// document's (/asyncapi.json, channel `sse`); docs/flutter.md walks through it.

const EXAMPLE_STREAM = [
  'event: connected',
  'data: {}',
  '',
  'data: {"type":"message.created","conversationId":"01JF0000000000000000000001","message":{"id":"01JF0000000000000000000002","seq":1,"text":"hi"},"id":"01JF0000000000000000000003","at":"2026-12-01T10:00:00.000Z"}',
  'id: 01JF0000000000000000000003',
  '',
  'data: {"type":"typing","conversationId":"01JF0000000000000000000001","userId":"01JF0000000000000000000004","isTyping":true}',
  '',
  '',
].join('\n');

export const ssePaths: ZodOpenApiPathsObject = {
  '/events.subscribe': {
    servers: [{ url: '/trpc', description: 'The tRPC endpoint (this path is not under /api/v1)' }],
    get: {
      operationId: 'events-stream',
      tags: ['events'],
      summary: 'Live events (Server-Sent Events)',
      description:
        'Every durable event (messages, edits, deletes, reactions, receipts, membership and conversation changes) with an `id:` line, and the ephemeral ones (typing, presence) without. EventSource clients reconnect with `Last-Event-ID` and get everything after it, then the live stream: no gap, no duplicate. The access token goes in `connectionParams` because EventSource cannot send headers. The event schemas are in /asyncapi.json (channel `sse`).',
      requestParams: {
        query: z.object({
          connectionParams: z.string().meta({
            description: 'URL-encoded JSON `{"token":"<accessToken>"}`',
            example: '{"token":"eyJhbGciOiJIUzI1NiJ9.e30.signature"}',
          }),
          input: z.string().optional().meta({
            description:
              'URL-encoded JSON `{"lastEventId":"<id>"}` to resume after that event (`""` for the start of the retained log); leave out for live events only',
            example: '{"lastEventId":"01JF0000000000000000000003"}',
          }),
        }),
        header: z.object({
          'last-event-id': z
            .string()
            .regex(/^[0-9A-Z]{26}$/)
            .optional()
            .meta({
              description: 'Set by EventSource on reconnect; wins over `input.lastEventId`',
              example: '01JF0000000000000000000003',
            }),
        }),
      },
      responses: {
        200: {
          description:
            'The stream, until the client leaves or the server asks it to reconnect elsewhere (errors arrive as `event: serialized-error`)',
          content: {
            'text/event-stream': {
              schema: z.string().meta({ description: 'Server-Sent Events' }),
              example: EXAMPLE_STREAM,
            },
          },
        },
        431: {
          description:
            'The URL is longer than 16 KB (Node’s header limit): nothing is streamed. Every other refusal (invalid or expired token, bad `input`) arrives in the stream as `event: serialized-error`',
        },
      },
    },
  },
};
