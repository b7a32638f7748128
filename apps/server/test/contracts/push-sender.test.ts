import { describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createWebPushSender } from '../../src/adapters/web-push-sender.ts';
import { createBrowserKeys, startPushService } from '../helpers/push-service.ts';

// One adapter (web-push); the end-to-end encryption and VAPID checks are in push.test.ts.
describe('push sender contract: web-push', () => {
  it("answers 'sent' on 2xx, 'gone' on 404/410, and rejects on anything else", async () => {
    await using push = await startPushService();
    const vapid = webpush.generateVAPIDKeys();
    const sender = createWebPushSender({
      ...vapid,
      subject: 'mailto:ops@parley.test',
      timeoutMs: 5000,
    });
    expect(sender.publicKey).toBe(vapid.publicKey);
    const browser = createBrowserKeys();
    const to = (path: string) => ({ endpoint: push.endpoint(path), keys: browser.keys });
    push.answer((path) => Number(path.split('/').at(-1)));
    const options = { ttlSeconds: 60, topic: 'm1' };

    expect(await sender.send(to('201'), '{"n":1}', options)).toBe('sent');
    expect(await sender.send(to('404'), '{"n":2}', options)).toBe('gone');
    expect(await sender.send(to('410'), '{"n":3}', options)).toBe('gone');
    await expect(sender.send(to('500'), '{"n":4}', options)).rejects.toThrow('HTTP 500');
    await expect(sender.send(to('429'), '{"n":5}', options)).rejects.toThrow('HTTP 429');
    expect(push.requests.map((r) => browser.decrypt(r.body))).toEqual([
      '{"n":1}',
      '{"n":2}',
      '{"n":3}',
      '{"n":4}',
      '{"n":5}',
    ]);
    expect(push.requests[0]!.headers).toMatchObject({ ttl: '60', topic: 'm1' });
  });
});
