import type { TestUser } from './clients.ts';
import type { TestServer } from './test-server.ts';

export const WEBHOOK_SECRET = 'whsec-test-0123456789-0123456789-0123456789';

/** Quick polls and retries, so backoff runs in milliseconds. */
export const fastNotify = {
  NOTIFY_POLL_MS: '20',
  NOTIFY_RETRY_BASE_MS: '10',
  NOTIFY_RETRY_MAX_MS: '40',
  PRESENCE_GRACE_MS: '50',
};

/** The notification outbox rows, oldest first. */
export function outbox(server: TestServer) {
  return server.server.db.db.selectFrom('notifications').selectAll().orderBy('id').execute();
}

let sent = 0;
export function send(from: TestUser, conversationId: string, text = 'hello') {
  sent += 1;
  return from.client.messages.send.mutate({ conversationId, clientMessageId: `n${sent}`, text });
}
