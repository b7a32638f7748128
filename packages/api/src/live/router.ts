import { latestEventId } from '@parley/db';
import { TRPCError, type TRPCRouterRecord, tracked } from '@trpc/server';
import { z } from 'zod';
import { bannedError } from '../admin/ban-list.ts';
import type { Context, DirectStream } from '../context.ts';
import type { PresenceConnection } from '../presence/presence.ts';
import { rest } from '../shared/rest.ts';
import { authedProcedure, toTRPCError } from '../trpc.ts';
import type { StreamItem } from './hub.ts';
import { type ItemSink, startEventStream, streamEvents } from './stream.ts';

const MAX_SUBSCRIPTIONS_PER_CONNECTION = 5;
/** A ULID in Crockford base32 ('' means: from the start of the log). */
const EVENT_ID = /^([0-7][0-9A-HJKMNP-TV-Z]{25})?$/;

type StreamContext = Pick<Context, 'deps' | 'live'> & { userId: string };

/**
 * Never delivered: a ban ends the stream (on every instance: each learns of it from the log);
 * a replayed old ban or an unban is skipped.
 */
function shownTo(ctx: StreamContext, item: StreamItem): boolean {
  if (item.kind !== 'durable') return true;
  if (item.event.type !== 'account.banned' && item.event.type !== 'account.unbanned') {
    return true;
  }
  if (ctx.live.bans.isBanned(ctx.userId, ctx.deps.clock.now())) {
    throw bannedError(item.event.type === 'account.banned' ? item.event.until : null);
  }
  return false;
}

/**
 * A WebSocket stream's items, written to its socket, and its end (one object per stream, no
 * closures; it keeps what it needs of the call's context, not the context).
 */
class DirectSink implements ItemSink, StreamContext {
  readonly deps: Context['deps'];
  readonly live: Context['live'];
  readonly userId: string;
  private readonly subscriptions: Context['subscriptions'];

  constructor(
    ctx: Pick<Context, 'deps' | 'live' | 'subscriptions'> & { userId: string },
    private readonly direct: DirectStream,
    private readonly presence: PresenceConnection,
  ) {
    this.deps = ctx.deps;
    this.live = ctx.live;
    this.userId = ctx.userId;
    this.subscriptions = ctx.subscriptions;
  }

  deliver(item: StreamItem): void {
    if (shownTo(this, item)) this.direct.write(item);
  }

  ended(error?: unknown): void {
    this.subscriptions.active -= 1;
    const cause = error === undefined ? undefined : toTRPCError(error);
    const end = () => this.direct.end(cause);
    // The presence update is done before the transport answers `stopped`.
    void this.presence.disconnect().then(end, end);
  }
}

export const eventsRouter = {
  /**
   * The newest event id in the log. Take it before loading state, then subscribe with it as
   * `lastEventId`: everything that happens in between is replayed, so even the first
   * connection has no gap.
   */
  head: authedProcedure
    .meta(rest('GET', '/events/head', 'The newest event id: subscribe from it'))
    .output(z.object({ lastEventId: z.string().nullable() }))
    .query(async ({ ctx }) => ({ lastEventId: await latestEventId(ctx.deps.db) })),

  /**
   * The device's live stream. Durable events are `tracked` with their log id: reconnect with
   * the last id (tRPC clients and SSE's Last-Event-ID do it for you) to receive everything
   * missed, in order, then live events. Ephemeral events (typing, presence) are not tracked.
   */
  subscribe: authedProcedure
    .input(
      z
        .object({
          // An event id (a ULID) from this stream; anything else is refused, never ignored.
          lastEventId: z
            .string()
            .regex(EVENT_ID, 'must be an event id received from this stream')
            .nullish(),
        })
        .default({}),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // One device needs one stream; a handful covers reconnect overlaps. More is abuse.
      if (ctx.subscriptions.active >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`,
        });
      }
      ctx.subscriptions.active += 1;
      // A live stream is what makes a device "connected" for presence.
      const presence = ctx.live.presence.connect(ctx.userId);
      const direct = ctx.directStream;
      const options = {
        lastEventId: input.lastEventId,
        // A WebSocket stream is stopped by its socket (ws-events.ts) without an AbortSignal.
        signal: direct?.signal ?? signal,
        tokenExpiresAt: ctx.tokenExpiresAt,
      };
      if (direct) {
        // A WebSocket that writes frames itself (apps/server ws-events.ts): items are pushed
        // straight to it, and this generator ends at once, so neither it nor tRPC's call
        // options live on with the stream (a connection's memory); the stream's end settles
        // the subscription through `direct.end`.
        direct.begin();
        startEventStream(
          ctx.deps,
          ctx.live.hub,
          ctx.userId,
          options,
          new DirectSink(ctx, direct, presence),
        );
        return;
      }
      try {
        for await (const item of streamEvents(ctx.deps, ctx.live.hub, ctx.userId, options)) {
          if (!shownTo(ctx, item)) continue;
          if (item.kind === 'durable') yield tracked(item.event.id, item.event);
          else yield item.event;
        }
      } catch (error) {
        throw toTRPCError(error);
      } finally {
        ctx.subscriptions.active -= 1;
        await presence.disconnect();
      }
    }),
} satisfies TRPCRouterRecord;
