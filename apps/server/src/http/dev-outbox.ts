import { Hono } from 'hono';
import type { DevOutbox } from '../adapters/dev-mailer.ts';

/** `GET /dev/outbox[?to=address]`: mails the development mailer kept. Never in production. */
export function devOutboxRoutes(outbox: DevOutbox): Hono {
  const app = new Hono();
  app.get('/outbox', (c) => {
    const to = c.req.query('to')?.trim().toLowerCase();
    return c.json({ mails: outbox.mails().filter((m) => !to || m.to === to) });
  });
  return app;
}
