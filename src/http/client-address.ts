/**
 * Which client a request comes from, for per-address rate limits (docs/admission.md).
 *
 * @module
 */

import type { RegistrarRequest } from './types.js';

/** Longest forwarded value kept as a key; anything longer is a misconfigured proxy. */
const MAX_ADDRESS_LENGTH = 64;

/** The entries of a comma-separated forwarding header, in order; `[]` when it is absent. */
function forwardedList(request: RegistrarRequest, name: string): string[] {
  const value = request.header(name);
  if (value === null) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** How many `X-Forwarded-For` hops, counted from the right, are trusted proxies themselves. */
function trustedHops(hops: readonly string[], trustedProxies: ReadonlySet<string>): number {
  let count = 0;
  while (count < hops.length && trustedProxies.has(hops[hops.length - 1 - count] as string)) count++;
  return count;
}

/**
 * The client's address: the socket peer; or, when the peer is a trusted
 * proxy, the nearest `X-Forwarded-For` hop that is not itself a trusted
 * proxy. Hops are appended left to right, so the ones on the right were
 * written by proxies we trust and the first untrusted one from the right is
 * the client as our outermost proxy saw it; values further left are the
 * client's own claims and never count. `undefined` when the runtime did not
 * report a peer.
 */
export function clientAddress(
  request: RegistrarRequest,
  trustedProxies: ReadonlySet<string>,
): string | undefined {
  const peer = request.remoteAddress;
  if (peer === undefined || !trustedProxies.has(peer)) return peer;
  const hops = forwardedList(request, 'x-forwarded-for');
  if (hops.length === 0) return peer;
  const trusted = trustedHops(hops, trustedProxies);
  if (trusted < hops.length) return (hops[hops.length - 1 - trusted] as string).slice(0, MAX_ADDRESS_LENGTH);
  return hops[0] as string;
}

/**
 * The scheme the client used, as trusted proxies report it in
 * `X-Forwarded-Proto` (lower-case), or `undefined` when the peer is not a
 * trusted proxy or sent none. The same right-to-left rule as
 * `clientAddress`: the peer wrote the last entry, and each trusted hop at the
 * right of `X-Forwarded-For` is one more proxy that wrote the entry before
 * it; the entry of the outermost trusted proxy, the one the client connected
 * to, counts. Entries further left can only be the client's own and never
 * count; a proxy that replaces the header instead of appending leaves fewer
 * entries, and then the leftmost one, which a trusted proxy wrote, counts.
 */
export function forwardedProto(
  request: RegistrarRequest,
  trustedProxies: ReadonlySet<string>,
): string | undefined {
  const peer = request.remoteAddress;
  if (peer === undefined || !trustedProxies.has(peer)) return undefined;
  const protos = forwardedList(request, 'x-forwarded-proto');
  if (protos.length === 0) return undefined;
  const trusted = trustedHops(forwardedList(request, 'x-forwarded-for'), trustedProxies);
  return (protos[Math.max(0, protos.length - 1 - trusted)] as string).toLowerCase();
}

/** Parses an IPv6 literal (with `::`, an embedded dotted IPv4 tail, no zone) into eight groups. */
function ipv6Groups(text: string): number[] | null {
  let hex = text;
  const lastColon = hex.lastIndexOf(':');
  const tail = hex.slice(lastColon + 1);
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number);
    if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) {
      return null;
    }
    const [a, b, c, d] = octets as [number, number, number, number];
    hex = `${hex.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  const left = parse(halves[0]);
  const right = parse(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...right];
  if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

/**
 * The rate-limit key for an address. IPv4 addresses count one by one (an
 * IPv4-mapped IPv6 address counts as its IPv4 address); IPv6 addresses
 * count per /64, the smallest block a single site is normally given
 * (RFC 6177), since one host can use any address in it.
 */
export function rateLimitKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!bare.includes(':')) return bare;
  const groups = ipv6Groups(bare);
  if (!groups) return bare;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6] as number, groups[7] as number];
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
