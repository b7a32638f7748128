import { durableEventSchemas, ephemeralEventSchemas } from '@parley/api';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { API_VERSION } from './version.ts';

/** Every schema with an id (events and the DTOs they contain), refs pointing at each other. */
function componentSchemas() {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'draft-7',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return schemas;
}

const idOf = (schema: z.ZodType) => z.globalRegistry.get(schema)?.id as string;

const frame = (description: string, payload: object, examples?: object[]) => ({
  contentType: 'application/json',
  description,
  payload,
  ...(examples ? { examples: examples.map((payload) => ({ payload })) } : {}),
});

/**
 * AsyncAPI 3 description of the live stream: tRPC's WebSocket protocol on /trpc (the frames a
 * non-TypeScript client sends and receives) and the payload of every event. The same events
 * are served over SSE at GET /trpc/events.subscribe (see docs/flutter.md).
 */
export function buildAsyncApiDocument(config: Config) {
  const host = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).host : `localhost:${config.PORT}`;
  const secure = config.PUBLIC_URL?.startsWith('https:') ?? false;
  const events = Object.values({ ...durableEventSchemas, ...ephemeralEventSchemas }).map(idOf);
  const anyEvent = { oneOf: events.map((id) => ({ $ref: `#/components/schemas/${id}` })) };
  const eventFrame = {
    type: 'object',
    required: ['id', 'result'],
    properties: {
      id: { description: 'The subscription id the client chose' },
      result: {
        type: 'object',
        required: ['type', 'data'],
        properties: {
          type: { const: 'data' },
          id: {
            type: 'string',
            description:
              'Durable events only: the event id. Keep the last one; resume with it as lastEventId.',
          },
          data: {
            description:
              'Durable events: { id, data: event }. Ephemeral events (typing, presence): the event itself.',
            oneOf: [
              {
                type: 'object',
                required: ['id', 'data'],
                properties: { id: { type: 'string' }, data: anyEvent },
              },
              anyEvent,
            ],
          },
        },
      },
    },
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley live events',
      version: API_VERSION,
      description:
        'One subscription per device. Connect to /trpc?connectionParams=1, send the connectionParams frame with your access token first, then subscribe to events.subscribe. Durable events carry an id (resume with it after any reconnect: no gap, no duplicate); typing and presence do not. Every frame is a JSON text message; the server also sends the text PING, answer PONG.',
    },
    servers: {
      websocket: {
        host,
        pathname: '/trpc',
        protocol: secure ? 'wss' : 'ws',
        description: 'tRPC WebSocket protocol (JSON-RPC 2.0 style frames)',
      },
      sse: {
        host,
        pathname: '/trpc',
        protocol: secure ? 'https' : 'http',
        description:
          'Server-Sent Events (tRPC HTTP subscription; also the OpenAPI operation events-stream)',
      },
    },
    channels: {
      trpc: {
        address: '/trpc?connectionParams=1',
        servers: [{ $ref: '#/servers/websocket' }],
        messages: {
          connectionParams: frame(
            'First frame after connecting: the access token.',
            {
              type: 'object',
              required: ['method', 'data'],
              properties: {
                method: { const: 'connectionParams' },
                data: { type: 'object', properties: { token: { type: 'string' } } },
              },
            },
            [{ method: 'connectionParams', data: { token: '<accessToken>' } }],
          ),
          subscribe: frame(
            'Start the event stream. lastEventId: the last durable event id you received (or from GET /api/v1/events/head before loading state).',
            {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                method: { const: 'subscription' },
                params: {
                  type: 'object',
                  properties: {
                    path: { const: 'events.subscribe' },
                    input: {
                      type: 'object',
                      properties: { lastEventId: { type: ['string', 'null'] } },
                    },
                  },
                },
              },
            },
            [
              {
                id: 1,
                method: 'subscription',
                params: { path: 'events.subscribe', input: { lastEventId: '01J...' } },
              },
            ],
          ),
          stop: frame('Stop a subscription.', {
            type: 'object',
            properties: { id: { type: 'integer' }, method: { const: 'subscription.stop' } },
          }),
          started: frame('The subscription is running.', {
            type: 'object',
            properties: {
              id: {},
              result: { type: 'object', properties: { type: { const: 'started' } } },
            },
          }),
          event: frame('One event.', eventFrame),
          stopped: frame('The subscription ended.', {
            type: 'object',
            properties: {
              id: {},
              result: { type: 'object', properties: { type: { const: 'stopped' } } },
            },
          }),
          error: frame(
            'A failed subscription or call. data.code UNAUTHORIZED with "Access token expired": refresh, reconnect with the new token, resume with lastEventId. data.code PRECONDITION_FAILED with data.reason RESYNC_REQUIRED (on events.subscribe): the server no longer keeps the events after lastEventId (EVENT_RETENTION_DAYS); take GET /api/v1/events/head, reload the conversation list and recent history, then subscribe with that head as lastEventId. data.code FORBIDDEN with data.reason ACCOUNT_BANNED: the account is banned; do not reconnect, sign the user out.',
            {
              type: 'object',
              properties: {
                id: {},
                error: {
                  type: 'object',
                  properties: {
                    message: { type: 'string' },
                    code: { type: 'integer' },
                    data: {
                      type: 'object',
                      properties: {
                        code: { type: 'string' },
                        httpStatus: { type: 'integer' },
                        reason: {
                          type: 'string',
                          enum: ['RESYNC_REQUIRED', 'ACCOUNT_BANNED'],
                          description:
                            'What exactly to do about code: RESYNC_REQUIRED = reload state, then subscribe from events.head; ACCOUNT_BANNED = stop reconnecting and sign out',
                        },
                      },
                    },
                  },
                },
              },
            },
          ),
          reconnect: frame('The server is shutting down: reconnect (to any instance) and resume.', {
            type: 'object',
            properties: { id: { type: 'null' }, method: { const: 'reconnect' } },
          }),
        },
      },
      sse: {
        address: '/events.subscribe',
        servers: [{ $ref: '#/servers/sse' }],
        description:
          'GET /trpc/events.subscribe?connectionParams={"token":"<accessToken>"}&input={"lastEventId":"<id>"} (both URL-encoded) with Accept: text/event-stream. Each SSE `data:` line is one JSON message below; durable events also carry an `id:` line, which EventSource sends back as Last-Event-ID when it reconnects (the server replays everything after it, then goes live).',
        messages: {
          connected: {
            contentType: 'application/json',
            description: 'First SSE message (`event: connected`): the stream is open.',
            payload: { type: 'object' },
          },
          event: {
            contentType: 'application/json',
            description:
              'One event (SSE default event type). Durable events: `id:` line = the event id; typing and presence have none.',
            payload: anyEvent,
          },
          error: {
            contentType: 'application/json',
            description:
              '`event: serialized-error`: the subscription failed (data.code UNAUTHORIZED: refresh the token and reconnect with Last-Event-ID; BAD_REQUEST: an id the stream never gave).',
            payload: {
              type: 'object',
              properties: {
                message: { type: 'string' },
                data: { type: 'object', properties: { code: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
    operations: {
      receiveSseEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/sse' },
        summary: 'Live events over Server-Sent Events',
        messages: [
          { $ref: '#/channels/sse/messages/connected' },
          { $ref: '#/channels/sse/messages/event' },
          { $ref: '#/channels/sse/messages/error' },
        ],
      },
      sendConnectionParams: {
        action: 'send',
        channel: { $ref: '#/channels/trpc' },
        messages: [{ $ref: '#/channels/trpc/messages/connectionParams' }],
      },
      subscribe: {
        action: 'send',
        channel: { $ref: '#/channels/trpc' },
        messages: [
          { $ref: '#/channels/trpc/messages/subscribe' },
          { $ref: '#/channels/trpc/messages/stop' },
        ],
      },
      receiveEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/trpc' },
        messages: [
          { $ref: '#/channels/trpc/messages/started' },
          { $ref: '#/channels/trpc/messages/event' },
          { $ref: '#/channels/trpc/messages/stopped' },
          { $ref: '#/channels/trpc/messages/error' },
          { $ref: '#/channels/trpc/messages/reconnect' },
        ],
      },
    },
    components: { schemas: componentSchemas() },
  };
}
