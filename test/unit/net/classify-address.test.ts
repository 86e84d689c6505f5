// The address policy of the safe fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard): every special-purpose
// block of the IANA registries is refused, and embedded IPv4 addresses are
// judged by what they embed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, parseIPv6 } from '../../../src/net/classify-address.js';

const REFUSED: [address: string, block: RegExp][] = [
  ['0.0.0.0', /^0\.0\.0\.0\/8 /],
  ['0.255.1.2', /^0\.0\.0\.0\/8 /],
  ['10.0.0.1', /^10\.0\.0\.0\/8 /],
  ['10.255.255.255', /^10\.0\.0\.0\/8 /],
  ['100.64.0.1', /^100\.64\.0\.0\/10 /],
  ['100.127.255.254', /^100\.64\.0\.0\/10 /],
  ['127.0.0.1', /^127\.0\.0\.0\/8 /],
  ['127.255.255.254', /^127\.0\.0\.0\/8 /],
  ['169.254.169.254', /^169\.254\.0\.0\/16 /],
  ['169.254.0.1', /^169\.254\.0\.0\/16 /],
  ['172.16.0.1', /^172\.16\.0\.0\/12 /],
  ['172.31.255.255', /^172\.16\.0\.0\/12 /],
  ['192.0.0.1', /^192\.0\.0\.0\/24 /],
  ['192.0.0.9', /^192\.0\.0\.0\/24 /],
  ['192.0.2.1', /^192\.0\.2\.0\/24 /],
  ['192.88.99.1', /^192\.88\.99\.0\/24 /],
  ['192.168.1.1', /^192\.168\.0\.0\/16 /],
  ['198.18.0.1', /^198\.18\.0\.0\/15 /],
  ['198.19.255.255', /^198\.18\.0\.0\/15 /],
  ['198.51.100.7', /^198\.51\.100\.0\/24 /],
  ['203.0.113.9', /^203\.0\.113\.0\/24 /],
  ['224.0.0.1', /^224\.0\.0\.0\/4 /],
  ['239.255.255.250', /^224\.0\.0\.0\/4 /],
  ['240.0.0.1', /^240\.0\.0\.0\/4 /],
  ['255.255.255.254', /^240\.0\.0\.0\/4 /],
  ['255.255.255.255', /^255\.255\.255\.255\/32 /],
  ['::', /^::\/128 /],
  ['::1', /^::1\/128 /],
  ['0:0:0:0:0:0:0:1', /^::1\/128 /],
  ['::7f00:1', /^::\/96 /],
  ['::8.8.8.8', /^::\/96 /],
  ['::ffff:127.0.0.1', /^::ffff:0:0\/96 .* embedding 127\.0\.0\.0\/8 /],
  ['::ffff:7f00:1', /^::ffff:0:0\/96 .* embedding 127\.0\.0\.0\/8 /],
  ['::ffff:a9fe:a9fe', /^::ffff:0:0\/96 .* embedding 169\.254\.0\.0\/16 /],
  ['::ffff:10.1.2.3', /^::ffff:0:0\/96 .* embedding 10\.0\.0\.0\/8 /],
  ['::ffff:0:7f00:1', /outside 2000::\/3/],
  ['64:ff9b::7f00:1', /^64:ff9b::\/96 .* embedding 127\.0\.0\.0\/8 /],
  ['64:ff9b::192.168.0.1', /^64:ff9b::\/96 .* embedding 192\.168\.0\.0\/16 /],
  ['64:ff9b:1::1', /^64:ff9b:1::\/48 /],
  ['100::1', /^100::\/64 /],
  ['100:0:0:1::1', /^100:0:0:1::\/64 /],
  ['2001:db8::1', /^2001:db8::\/32 /],
  ['2001:2::1', /^2001::\/23 /],
  ['2001:1::1', /^2001::\/23 /],
  ['2002:7f00:1::1', /^2002::\/16 .* embedding 127\.0\.0\.0\/8 /],
  ['2002:a00:1::', /^2002::\/16 .* embedding 10\.0\.0\.0\/8 /],
  // Teredo: server 127.0.0.1; client 8.8.8.8 inverted.
  ['2001:0:7f00:1::f7f7:f7f7', /^2001::\/32 .* embedding 127\.0\.0\.0\/8 /],
  // Teredo: server 8.8.8.8; client 10.0.0.1 inverted (f5ff:fffe).
  ['2001:0:808:808::f5ff:fffe', /^2001::\/32 .* embedding 10\.0\.0\.0\/8 /],
  ['3fff::1', /^3fff::\/20 /],
  ['5f00::1', /^5f00::\/16 /],
  ['fc00::1', /^fc00::\/7 /],
  ['fd12:3456:789a::1', /^fc00::\/7 /],
  ['fe80::1', /^fe80::\/10 /],
  ['fe80::1%eth0', /^fe80::\/10 /],
  ['febf::1', /^fe80::\/10 /],
  ['fec0::1', /^fec0::\/10 /],
  ['ff02::1', /^ff00::\/8 /],
  ['4000::1', /outside 2000::\/3/],
  ['not-an-address', /not an IP address/],
  ['', /not an IP address/],
  ['1.2.3', /not an IP address/],
];

const GLOBAL = [
  '1.1.1.1',
  '8.8.8.8',
  '93.184.215.14',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.1',
  '192.88.98.255',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700::1111',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
  // Teredo with a public server (8.8.8.8) and a public client (1.1.1.1, inverted).
  '2001:0:808:808::fefe:fefe',
  '2620:4f:8000::1',
];

describe('classifyAddress', () => {
  for (const [address, block] of REFUSED) {
    it(`refuses ${address || '(empty)'}`, () => {
      const verdict = classifyAddress(address);
      assert.equal(verdict.global, false);
      assert.ok(!verdict.global);
      assert.match(verdict.block, block);
    });
  }
  for (const address of GLOBAL) {
    it(`accepts ${address}`, () => {
      assert.deepEqual(classifyAddress(address), { global: true });
    });
  }
  it('marks only loopback as loopback', () => {
    const loopback = (address: string) => {
      const verdict = classifyAddress(address);
      return !verdict.global && verdict.loopback;
    };
    assert.equal(loopback('127.0.0.1'), true);
    assert.equal(loopback('127.9.9.9'), true);
    assert.equal(loopback('::1'), true);
    assert.equal(loopback('::ffff:127.0.0.1'), true);
    assert.equal(loopback('10.0.0.1'), false);
    assert.equal(loopback('169.254.169.254'), false);
    assert.equal(loopback('::'), false);
    assert.equal(loopback('0.0.0.0'), false);
  });
});

describe('parseIPv6', () => {
  it('expands every textual form to 16 bytes', () => {
    assert.deepEqual([...(parseIPv6('::1') ?? [])], [...new Array(15).fill(0), 1]);
    assert.deepEqual(
      [...(parseIPv6('2001:db8::8:800:200c:417a') ?? [])],
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a],
    );
    assert.deepEqual(
      [...(parseIPv6('::ffff:192.0.2.128') ?? [])],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 128],
    );
    assert.deepEqual(
      [...(parseIPv6('1:2:3:4:5:6:7:8') ?? [])],
      [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8],
    );
    assert.equal(parseIPv6('1.2.3.4'), null);
    assert.equal(parseIPv6('1::2::3'), null);
  });
});
