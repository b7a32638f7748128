import { BlockList, isIP } from 'node:net';

/**
 * Addresses a link preview must never reach: private, loopback, link-local, CGNAT, multicast,
 * reserved and unspecified ranges, IPv6 ULA / loopback / link-local, and IPv4 embedded in IPv6.
 * Checked on the resolved address that the connection then uses (no second lookup).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['100::', 64],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export interface AddressPolicy {
  /** Whether a connection to `address` (an IP) on `port` is allowed. */
  allows(address: string, port: number): boolean;
}

function embeddedIpv4(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : null;
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  if (v4) return !blocked.check(v4, 'ipv4');
  // Any other IPv4-mapped / compatible form (::ffff:7f00:1) is refused outright.
  if (/^::ffff:/i.test(address) || /^::[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) return false;
  return !blocked.check(address, 'ipv6');
}

/**
 * Public addresses only; `testAllow` ("127.0.0.1:8080" pairs) opens exact loopback address and
 * port pairs for the test suite. The configuration accepts it only when NODE_ENV=test.
 */
export function addressPolicy(testAllow: string[] = []): AddressPolicy {
  const allowed = new Set(testAllow);
  return {
    allows(address, port) {
      if (allowed.has(`${address}:${port}`)) return true;
      return isPublicAddress(address);
    },
  };
}
