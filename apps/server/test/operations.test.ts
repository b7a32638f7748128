import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

/** The value of one sample line, e.g. `parley_messages_sent_total 3`. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  if (!line) throw new Error(`metric ${name}${labels} not found`);
  return Number(line.split(' ').at(-1));
}

describeEachDialect('operations', (dialect) => {
  it('exposes Prometheus metrics for connections, events, messages, latency, queries and the event loop', async () => {
    await using server = await startTestServer({
      dialect,
      env: { METRICS_TOKEN: 'scrape-token-0123456789' },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using phone = await connectDevice(server, ben);
    await using laptop = await connectDevice(server, ben);
    for (const id of ['m1', 'm2', 'm3']) {
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: id,
        text: id,
      });
    }
    const scrape = async () => {
      const res = await fetch(`${server.url}/metrics`, {
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    // Wait until both devices received all three (the hub read them from the log).
    await vi.waitFor(() => {
      expect(phone.durable).toHaveLength(3);
      expect(laptop.durable).toHaveLength(3);
    });
    const text = await scrape();
    expect(sample(text, 'parley_websocket_connections')).toBe(2);
    expect(sample(text, 'parley_event_subscribers')).toBe(2);
    expect(sample(text, 'parley_messages_sent_total')).toBe(3);
    expect(sample(text, 'parley_send_duration_seconds_count')).toBe(3);
    expect(sample(text, 'parley_events_total')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'parley_event_deliveries_total')).toBe(6);
    expect(
      sample(text, 'parley_db_query_duration_seconds_count', '{failed="false"}'),
    ).toBeGreaterThan(10);
    expect(
      sample(
        text,
        'parley_procedure_duration_seconds_count',
        '{path="auth.register",type="mutation",ok="true"}',
      ),
    ).toBe(2);
    expect(text).toContain('parley_nodejs_eventloop_lag_seconds');

    // The event-loop delay histogram: a 150 ms stall (the server shares this process) shows
    // as a tick later than 100 ms, and as the worst delay since the previous scrape.
    const stallUntil = performance.now() + 150;
    while (performance.now() < stallUntil) {
      // busy: nothing else runs
    }
    await vi.waitFor(async () => {
      const after = await scrape();
      const total = sample(after, 'parley_event_loop_delay_seconds_count');
      expect(sample(after, 'parley_event_loop_delay_seconds_bucket', '{le="+Inf"}')).toBe(total);
      expect(sample(after, 'parley_event_loop_delay_seconds_bucket', '{le="0.1"}')).toBeLessThan(
        total,
      );
      expect(after).toContain('parley_event_loop_delay_max_seconds');
    });

    const detailed = await fetch(`${server.url}/health/detailed`);
    expect(detailed.status).toBe(200);
    expect(await detailed.json()).toMatchObject({
      status: 'ok',
      checks: {
        db: { status: 'ok', dialect },
        redis: { status: 'disabled' },
        storage: { status: 'ok' },
      },
      live: { webSockets: 2, subscribers: 2 },
    });
    expect(await (await fetch(`${server.url}/health/redis`)).json()).toEqual({
      status: 'disabled',
    });
  });
});
