import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Metrics, RateLimiter } from '@parley/api';
import type { Db } from '@parley/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface LiveNumbers {
  webSockets(): number;
  subscribers(): number;
  hubStats(): { eventsRead: number; deliveries: number; cursor: string };
}

/** The most rows a lag gauge counts (a scrape never scans a huge backlog). */
const LAG_COUNT_CAP = 100_000;

/**
 * Prometheus metrics for one instance: its own registry (tests run several servers in one
 * process), Node's defaults (event-loop lag, heap, GC), procedure and query timings, and live
 * connection and event counts read at scrape time.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const procedureDuration = new Histogram({
    name: 'parley_procedure_duration_seconds',
    help: 'Duration of tRPC queries and mutations, over HTTP and WebSocket',
    labelNames: ['path', 'type', 'ok'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const sendDuration = new Histogram({
    name: 'parley_send_duration_seconds',
    help: 'Time to accept and store a message (messages.send)',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const messagesSent = new Counter({
    name: 'parley_messages_sent_total',
    help: 'Messages accepted (messages.send that succeeded, retries included)',
    registers: [registry],
  });
  const sendBatchSize = new Histogram({
    name: 'parley_send_batch_size',
    help: 'Sends written per transaction by group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const queryDuration = new Histogram({
    name: 'parley_db_query_duration_seconds',
    help: 'Database query duration',
    labelNames: ['failed'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  const loop = watchEventLoop(registry);
  const httpRequests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by route template, method and status (REST, tRPC over HTTP, files, health)',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request duration until the response headers (SSE streams: until they end)',
    labelNames: ['route', 'method'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'parley_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by limit (send, login, otp, register...)',
    labelNames: ['limit'],
    registers: [registry],
  });
  const wsConnections = new Counter({
    name: 'parley_websocket_connections_total',
    help: 'WebSocket connections closed, by close code',
    labelNames: ['code'],
    registers: [registry],
  });

  const wsDirectCalls = new Counter({
    name: 'parley_websocket_direct_calls_total',
    help: "WebSocket calls served without tRPC's adapter (events.subscribe, messages.send), by path",
    labelNames: ['path'],
    registers: [registry],
  });

  const webhookAttempts = new Counter({
    name: 'parley_webhook_deliveries_total',
    help: 'Integration webhook delivery attempts by outcome (delivered, retrying, gave_up, hook_disabled)',
    labelNames: ['outcome'],
    registers: [registry],
  });

  const port: Metrics = {
    procedureCompleted(path, type, durationMs, ok) {
      procedureDuration.observe({ path, type, ok: String(ok) }, durationMs / 1000);
      if (path === 'messages.send' && ok) {
        messagesSent.inc();
        sendDuration.observe(durationMs / 1000);
      }
    },
    sendBatchCommitted(size) {
      sendBatchSize.observe(size);
    },
  };

  return {
    registry,
    port,
    /** Stops the event-loop sampler (the server's close). */
    close: () => loop.stop(),
    http: {
      requestCompleted(route: string, method: string, status: number, durationMs: number) {
        httpRequests.inc({ route, method, status: String(status) });
        httpDuration.observe({ route, method }, durationMs / 1000);
      },
    },
    /** One integration webhook attempt, by outcome. */
    webhookAttempted(outcome: string) {
      webhookAttempts.inc({ outcome });
    },
    webSocketClosed(code: number) {
      wsConnections.inc({ code: String(code) });
    },
    /** A WebSocket call served by the direct lanes (ws-events.ts), by path. */
    webSocketDirectCall(path: string) {
      wsDirectCalls.inc({ path });
    },
    /** The rate limiter, counting what it refuses by the rule's name. */
    countRejections(limiter: RateLimiter): RateLimiter {
      return {
        ...limiter,
        async consume(rule, key) {
          const result = await limiter.consume(rule, key);
          if (!result.allowed) rateLimited.inc({ limit: rule.name });
          return result;
        },
        refund: (rule, key) => limiter.refund(rule, key),
        reset: (rule, key) => limiter.reset(rule, key),
      };
    },
    /** Outbox and event-log gauges, read from the database at scrape time. */
    bindDatabase(db: Db, now: () => number) {
      const outbox = new Gauge({
        name: 'parley_notification_outbox',
        help: 'Notification outbox rows by state (pending: waiting for delivery or retry; failed: gave up)',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          // A database that does not answer leaves the last value (health reports the outage).
          try {
            const rows = await db
              .selectFrom('notifications')
              .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
              .where('state', 'in', ['pending', 'failed'])
              .groupBy('state')
              .execute();
            this.reset();
            this.set({ state: 'pending' }, 0);
            this.set({ state: 'failed' }, 0);
            for (const row of rows) this.set({ state: row.state }, Number(row.n));
          } catch {}
        },
      });
      void outbox;
      new Gauge({
        name: 'parley_notification_outbox_oldest_due_seconds',
        help: 'How long the oldest due notification has been waiting past its attempt time (0: none due)',
        registers: [registry],
        async collect() {
          // A database that does not answer leaves the last value (health reports the outage).
          try {
            const row = await db
              .selectFrom('notifications')
              .select((eb) => eb.fn.min('next_attempt_at').as('due'))
              .where('state', '=', 'pending')
              .where('next_attempt_at', '<=', new Date(now()).toISOString())
              .executeTakeFirst();
            const due = row?.due ? Date.parse(String(row.due)) : Number.NaN;
            this.set(Number.isNaN(due) ? 0 : Math.max(0, (now() - due) / 1000));
          } catch {}
        },
      });
      new Gauge({
        name: 'parley_webhook_outbox_pending',
        help: 'Integration webhook deliveries waiting for an attempt or a retry',
        registers: [registry],
        async collect() {
          // A database that does not answer leaves the last value (health reports the outage).
          try {
            const row = await db
              .selectFrom('webhook_outbox')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('state', '=', 'pending')
              .executeTakeFirst();
            this.set(Number(row?.n ?? 0));
          } catch {}
        },
      });
      new Gauge({
        name: 'parley_webhooks',
        help: 'Integration webhooks by state (active, disabled)',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          // A database that does not answer leaves the last value (health reports the outage).
          try {
            const rows = await db
              .selectFrom('webhooks')
              .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
              .groupBy('state')
              .execute();
            this.set({ state: 'active' }, 0);
            this.set({ state: 'disabled' }, 0);
            for (const row of rows) this.set({ state: row.state }, Number(row.n));
          } catch {}
        },
      });
      return {
        bindTailer(live: LiveNumbers) {
          new Gauge({
            name: 'parley_event_tailer_lag_events',
            help: `Durable events in the log this instance has not fanned out yet (capped at ${LAG_COUNT_CAP})`,
            registers: [registry],
            async collect() {
              // A database that does not answer leaves the last value (health reports the outage).
              try {
                const { cursor } = live.hubStats();
                const row = await db
                  .selectFrom(
                    db
                      .selectFrom('events')
                      .select('id')
                      .where('id', '>', cursor)
                      .limit(LAG_COUNT_CAP)
                      .as('behind'),
                  )
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .executeTakeFirst();
                this.set(Number(row?.n ?? 0));
              } catch {}
            },
          });
          new Gauge({
            name: 'parley_event_tailer_lag_seconds',
            help: 'Age of the oldest durable event this instance has not fanned out yet (0: caught up)',
            registers: [registry],
            async collect() {
              // A database that does not answer leaves the last value (health reports the outage).
              try {
                const { cursor } = live.hubStats();
                const row = await db
                  .selectFrom('events')
                  .select('created_at')
                  .where('id', '>', cursor)
                  .orderBy('id')
                  .limit(1)
                  .executeTakeFirst();
                const at = row ? Date.parse(row.created_at) : Number.NaN;
                this.set(Number.isNaN(at) ? 0 : Math.max(0, (now() - at) / 1000));
              } catch {}
            },
          });
        },
      };
    },
    observeQuery(durationMs: number, failed: boolean) {
      queryDuration.observe({ failed: String(failed) }, durationMs / 1000);
    },
    /** Gauges and counters read from the live machinery when Prometheus scrapes. */
    bindLive(live: LiveNumbers) {
      new Gauge({
        name: 'parley_websocket_connections',
        help: 'Open WebSocket connections',
        registers: [registry],
        collect() {
          this.set(live.webSockets());
        },
      });
      new Gauge({
        name: 'parley_event_subscribers',
        help: 'Live event streams (devices) on this instance',
        registers: [registry],
        collect() {
          this.set(live.subscribers());
        },
      });
      let seen = { eventsRead: 0, deliveries: 0 };
      const advance = (key: 'eventsRead' | 'deliveries', counter: Counter) => {
        const now = live.hubStats();
        counter.inc(now[key] - seen[key]);
        seen = { ...seen, [key]: now[key] };
      };
      new Counter({
        name: 'parley_events_total',
        help: 'Durable events read from the log by this instance (rate = events/s)',
        registers: [registry],
        collect() {
          advance('eventsRead', this);
        },
      });
      new Counter({
        name: 'parley_event_deliveries_total',
        help: 'Events handed to live subscribers on this instance',
        registers: [registry],
        collect() {
          advance('deliveries', this);
        },
      });
    },
  };
}

export type ServerMetrics = ReturnType<typeof createMetrics>;

/** How often the event-loop sampler ticks; a tick that runs late was stalled that long. */
const LOOP_TICK_MS = 10;

/**
 * The event loop's delay as a real histogram (`parley_event_loop_delay_seconds`: how late each
 * 10 ms tick ran, so a 300 ms stall lands in the 0.5 bucket), and the worst delay since the
 * previous scrape measured by `perf_hooks.monitorEventLoopDelay` at 10 ms resolution. Node's
 * default `nodejs_eventloop_lag_*` gauges only give percentiles since start.
 */
function watchEventLoop(registry: Registry) {
  const delay = new Histogram({
    name: 'parley_event_loop_delay_seconds',
    help: 'How late the event loop ran a 10 ms timer (a stall of every other request)',
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const monitor = monitorEventLoopDelay({ resolution: LOOP_TICK_MS });
  monitor.enable();
  new Gauge({
    name: 'parley_event_loop_delay_max_seconds',
    help: 'The longest event-loop stall since the previous scrape (monitorEventLoopDelay)',
    registers: [registry],
    collect() {
      // The monitor reports its resolution as the floor: only the excess is a stall.
      this.set(Math.max(0, monitor.max / 1e9 - LOOP_TICK_MS / 1000));
      monitor.reset();
    },
  });
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delay.observe(Math.max(0, now - last - LOOP_TICK_MS) / 1000);
    last = now;
  }, LOOP_TICK_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      monitor.disable();
    },
  };
}
