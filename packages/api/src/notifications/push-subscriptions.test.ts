import { describe, expect, it } from 'vitest';
import { hostAllowed } from './push-subscriptions.ts';

describe('hostAllowed', () => {
  const hosts = ['fcm.googleapis.com', '*.notify.windows.com'];

  it('matches exact hosts and subdomains of wildcard entries', () => {
    expect(hostAllowed('fcm.googleapis.com', hosts)).toBe(true);
    expect(hostAllowed('wns2-db5p.notify.windows.com', hosts)).toBe(true);
  });

  it('refuses look-alikes', () => {
    expect(hostAllowed('fcm.googleapis.com.evil.example', hosts)).toBe(false);
    expect(hostAllowed('evilfcm.googleapis.com', hosts)).toBe(false);
    expect(hostAllowed('notify.windows.com', hosts)).toBe(false);
    expect(hostAllowed('evilnotify.windows.com', hosts)).toBe(false);
    expect(hostAllowed('anything', [])).toBe(false);
  });
});
