import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { DevOutbox } from '../adapters/dev-mailer.ts';

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

// A reverse proxy on the same machine connects from loopback on behalf of anyone: a request
// that carries any forwarding header is treated as coming from elsewhere.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via'];

/**
 * `GET /dev/outbox[?to=address]`: mails the development mailer kept (sign-in codes). Never in
 * production, and only to a client on this machine: the socket peer is a loopback address and
 * the request came through no proxy. Anyone else gets 404, as if the route did not exist.
 */
export function devOutboxRoutes(outbox: DevOutbox): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/outbox', (c) => {
    const local =
      isLoopbackAddress(c.env.incoming.socket.remoteAddress) &&
      !FORWARDING_HEADERS.some((h) => c.req.header(h) !== undefined);
    if (!local) return c.json({ code: 'NOT_FOUND', message: 'Not found' }, 404);
    const to = c.req.query('to')?.trim().toLowerCase();
    return c.json({ mails: outbox.mails().filter((m) => !to || m.to === to) });
  });
  return app;
}
