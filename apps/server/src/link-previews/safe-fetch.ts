import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.ts';

export interface SafeFetchLimits {
  /** The whole fetch, redirects included, ends by then. */
  signal: AbortSignal;
  maxBytes: number;
  maxRedirects: number;
  /** Content types accepted (prefix match on the media type, e.g. 'text/html', 'image/'). */
  accept: string[];
  policy: AddressPolicy;
}

export interface SafeFetchResult {
  url: string;
  contentType: string;
  body: Buffer;
}

export class RefusedError extends Error {}

/**
 * A lookup that resolves every address of the host, refuses the host when any of them is not
 * allowed, and hands the connection the checked address: the socket connects to exactly what
 * was checked, so a second (rebinding) answer cannot slip in.
 */
function guardedLookup(policy: AddressPolicy, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => !policy.allows(a.address, port));
      if (refused || addresses.length === 0) {
        return callback(new RefusedError(`address not allowed for ${hostname}`), '', 0);
      }
      const first = addresses[0]!;
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [first]);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** One GET without cookies or credentials; resolves the response head. */
function request(url: URL, limits: SafeFetchLimits): Promise<IncomingMessage> {
  const port = defaultPort(url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !limits.policy.allows(host, port)) {
    return Promise.reject(new RefusedError(`address not allowed: ${host}`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      url,
      {
        agent: false,
        lookup: guardedLookup(limits.policy, port),
        signal: limits.signal,
        headers: {
          'user-agent': 'ParleyLinkPreview/1.0',
          accept: limits.accept.map((a) => (a.endsWith('/') ? `${a}*` : a)).join(', '),
        },
      },
      resolve,
    );
    req.on('error', reject);
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new RefusedError('body too large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.destroy();
      throw new RefusedError('body too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * GET `url` (http/https) under the limits: every hop's address checked after DNS resolution,
 * redirects followed (each re-checked) up to `maxRedirects`, only 200 with an accepted
 * content type, a body of at most `maxBytes`. Throws on anything else.
 */
export async function safeFetch(url: string, limits: SafeFetchLimits): Promise<SafeFetchResult> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new RefusedError(`scheme not allowed: ${current.protocol}`);
    }
    if (current.username || current.password) throw new RefusedError('credentials in URL');
    const res = await request(current, limits);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= limits.maxRedirects) throw new RefusedError('too many redirects');
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new RefusedError(`status ${status}`);
    }
    const contentType = String(res.headers['content-type'] ?? '').toLowerCase();
    const media = contentType.split(';')[0]!.trim();
    if (!limits.accept.some((a) => (a.endsWith('/') ? media.startsWith(a) : media === a))) {
      res.destroy();
      throw new RefusedError(`content type not accepted: ${media}`);
    }
    return { url: current.toString(), contentType, body: await readCapped(res, limits.maxBytes) };
  }
}
