/**
 * Which IP addresses an outbound fetch may reach (docs/operations.md#outbound-fetches-the-ssrf-guard): only those the
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its
 * successors) leave globally reachable. IPv6 forms that embed an IPv4 address
 * are judged by the address they embed.
 *
 * @module
 */

import { isIPv4, isIPv6 } from 'node:net';

/** The verdict on one address. */
export type AddressClass =
  | { readonly global: true }
  | {
      readonly global: false;
      /** The special-purpose block the address falls in, e.g. `10.0.0.0/8 (private-use)`. */
      readonly block: string;
      /** Whether the block is loopback (`127.0.0.0/8`, `::1`), which tests may allow. */
      readonly loopback: boolean;
    };

interface Block {
  readonly prefix: readonly number[];
  readonly length: number;
  readonly name: string;
  readonly loopback?: boolean;
}

function v4(cidr: string, name: string, loopback = false): Block {
  const [address, length] = cidr.split('/') as [string, string];
  return {
    prefix: address.split('.').map(Number),
    length: Number(length),
    name: `${cidr} (${name})`,
    loopback,
  };
}

function v6(cidr: string, name: string, loopback = false): Block {
  const [address, length] = cidr.split('/') as [string, string];
  return {
    prefix: [...(parseIPv6(address) ?? [])],
    length: Number(length),
    name: `${cidr} (${name})`,
    loopback,
  };
}

/**
 * IPv4 blocks that are not globally reachable (IANA IPv4 Special-Purpose
 * Address Registry, plus multicast, RFC 5771). The few globally reachable
 * anycast entries inside 192.0.0.0/24 are refused with the rest of the block:
 * no metadata document is ever served from them.
 */
export const NON_GLOBAL_IPV4_BLOCKS: readonly Block[] = [
  v4('0.0.0.0/8', '"this network", RFC 791'),
  v4('10.0.0.0/8', 'private-use, RFC 1918'),
  v4('100.64.0.0/10', 'shared address space / CGNAT, RFC 6598'),
  v4('127.0.0.0/8', 'loopback, RFC 1122', true),
  v4('169.254.0.0/16', 'link-local and cloud metadata, RFC 3927'),
  v4('172.16.0.0/12', 'private-use, RFC 1918'),
  v4('192.0.0.0/24', 'IETF protocol assignments, RFC 6890'),
  v4('192.0.2.0/24', 'documentation TEST-NET-1, RFC 5737'),
  v4('192.88.99.0/24', '6to4 relay anycast, deprecated by RFC 7526'),
  v4('192.168.0.0/16', 'private-use, RFC 1918'),
  v4('198.18.0.0/15', 'benchmarking, RFC 2544'),
  v4('198.51.100.0/24', 'documentation TEST-NET-2, RFC 5737'),
  v4('203.0.113.0/24', 'documentation TEST-NET-3, RFC 5737'),
  v4('224.0.0.0/4', 'multicast, RFC 5771'),
  v4('255.255.255.255/32', 'limited broadcast, RFC 919'),
  v4('240.0.0.0/4', 'reserved, RFC 1112'),
];

/**
 * IPv6 blocks that are never globally reachable (IANA IPv6 Special-Purpose
 * Address Registry). Anything else outside `2000::/3`, the only range IANA
 * allocates as global unicast, is refused too.
 */
export const NON_GLOBAL_IPV6_BLOCKS: readonly Block[] = [
  v6('::/128', 'unspecified, RFC 4291'),
  v6('::1/128', 'loopback, RFC 4291', true),
  v6('::/96', 'IPv4-compatible, deprecated by RFC 4291'),
  v6('64:ff9b:1::/48', 'local-use IPv4/IPv6 translation, RFC 8215'),
  v6('100::/64', 'discard-only, RFC 6666'),
  v6('100:0:0:1::/64', 'dummy prefix, RFC 9780'),
  v6('2001:db8::/32', 'documentation, RFC 3849'),
  v6('2001::/23', 'IETF protocol assignments, RFC 2928'),
  v6('3fff::/20', 'documentation, RFC 9637'),
  v6('5f00::/16', 'segment routing SIDs, RFC 9602'),
  v6('fc00::/7', 'unique-local, RFC 4193'),
  v6('fe80::/10', 'link-local, RFC 4291'),
  v6('fec0::/10', 'site-local, deprecated by RFC 3879'),
  v6('ff00::/8', 'multicast, RFC 4291'),
];

const GLOBAL: AddressClass = { global: true };

function matches(bytes: Uint8Array | readonly number[], block: Block): boolean {
  let bits = block.length;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((block.prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIPv4(bytes: readonly number[]): AddressClass {
  for (const block of NON_GLOBAL_IPV4_BLOCKS) {
    if (matches(bytes, block)) return { global: false, block: block.name, loopback: block.loopback === true };
  }
  return GLOBAL;
}

/** Parses an IPv6 address (a zone index is ignored) into its 16 bytes, or `null`. */
export function parseIPv6(text: string): Uint8Array | null {
  const address = text.split('%', 1)[0] as string;
  if (!isIPv6(address)) return null;
  let groups: number[] = [];
  let head = address;
  const bytes = new Uint8Array(16);
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  let embedded: number[] = [];
  if (tail.includes('.')) {
    // A dotted IPv4 tail stands for the last two groups (RFC 4291 §2.2, form 3).
    embedded = tail.split('.').map(Number);
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.split('::') as [string, string | undefined];
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  if (right === undefined) {
    groups = parse(left);
  } else {
    const leftGroups = parse(left);
    const rightGroups = parse(right);
    groups = [
      ...leftGroups,
      ...new Array(8 - leftGroups.length - rightGroups.length).fill(0),
      ...rightGroups,
    ];
  }
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  if (embedded.length === 4) bytes.set(embedded, 12);
  return bytes;
}

function embeddedVerdict(addresses: readonly (readonly number[])[], form: string): AddressClass {
  for (const address of addresses) {
    const verdict = classifyIPv4(address);
    if (!verdict.global) return { ...verdict, block: `${form} embedding ${verdict.block}` };
  }
  return GLOBAL;
}

const IPV4_MAPPED = v6('::ffff:0:0/96', 'IPv4-mapped, RFC 4291');
const NAT64 = v6('64:ff9b::/96', 'IPv4/IPv6 translation, RFC 6052');
const SIX_TO_FOUR = v6('2002::/16', '6to4, RFC 3056');
const TEREDO = v6('2001::/32', 'Teredo, RFC 4380');

function classifyIPv6(bytes: Uint8Array): AddressClass {
  const slice = (start: number) => [...bytes.subarray(start, start + 4)];
  // Forms that carry an IPv4 address are judged by that address (docs/operations.md#outbound-fetches-the-ssrf-guard).
  if (matches(bytes, IPV4_MAPPED)) return embeddedVerdict([slice(12)], IPV4_MAPPED.name);
  if (matches(bytes, NAT64)) return embeddedVerdict([slice(12)], NAT64.name);
  if (matches(bytes, SIX_TO_FOUR)) return embeddedVerdict([slice(2)], SIX_TO_FOUR.name);
  if (matches(bytes, TEREDO)) {
    // Teredo (RFC 4380 §4): the server address in bits 32-63, the client's
    // public address in the last 32 bits with every bit inverted.
    const client = slice(12).map((byte) => ~byte & 0xff);
    return embeddedVerdict([slice(4), client], TEREDO.name);
  }
  for (const block of NON_GLOBAL_IPV6_BLOCKS) {
    if (matches(bytes, block)) return { global: false, block: block.name, loopback: block.loopback === true };
  }
  if ((bytes[0] as number) >> 5 !== 0b001) {
    return { global: false, block: 'outside 2000::/3 (not global unicast, RFC 4291)', loopback: false };
  }
  return GLOBAL;
}

/**
 * Classifies an IP address literal (IPv4 dotted quad or IPv6, without
 * brackets). Anything that is not an IP address literal is refused.
 */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyIPv4(address.split('.').map(Number));
  const bytes = parseIPv6(address);
  if (bytes) return classifyIPv6(bytes);
  return { global: false, block: 'not an IP address', loopback: false };
}
