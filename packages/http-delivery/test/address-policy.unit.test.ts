import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AddressCategory, classifyAddress, IPV4_RANGES, IPV6_RANGES, isPublicAddress } from '../src/index.ts';
import { formatIpv4, parseCidr } from '../src/ip.ts';

const REFUSED_V4: readonly (readonly [string, AddressCategory])[] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'link-local'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['192.88.99.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'benchmark'],
  ['198.19.255.255', 'benchmark'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
];

const PUBLIC_V4 = [
  '1.1.1.1',
  '8.8.8.8',
  '11.0.0.1',
  '93.184.216.34',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.1',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.1',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
];

const REFUSED_V6: readonly (readonly [string, AddressCategory])[] = [
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456:789a::1', 'unique-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::101', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff:fff::1', 'documentation'],
  ['2001:2::1', 'benchmark'],
  ['2001::1', 'reserved'],
  ['2001:1ff::1', 'reserved'],
  ['100::1', 'reserved'],
  ['fec0::1', 'reserved'],
  ['64:ff9b:1::1', 'reserved'],
  ['4000::1', 'reserved'],
  ['5f00::1', 'reserved'],
  ['::ffff:0:7f00:1', 'reserved'],
];

/** IPv6 forms that carry an IPv4 address: [address, category, via, embedded IPv4]. */
const EMBEDDED: readonly (readonly [string, AddressCategory, string, string])[] = [
  ['::ffff:127.0.0.1', 'loopback', 'ipv4-mapped', '127.0.0.1'],
  ['::ffff:7f00:1', 'loopback', 'ipv4-mapped', '127.0.0.1'],
  ['0:0:0:0:0:ffff:7f00:0001', 'loopback', 'ipv4-mapped', '127.0.0.1'],
  ['::ffff:10.0.0.1', 'private', 'ipv4-mapped', '10.0.0.1'],
  ['::ffff:a9fe:a9fe', 'link-local', 'ipv4-mapped', '169.254.169.254'],
  ['::ffff:0.0.0.0', 'unspecified', 'ipv4-mapped', '0.0.0.0'],
  ['::ffff:8.8.8.8', 'public', 'ipv4-mapped', '8.8.8.8'],
  ['::127.0.0.1', 'loopback', 'ipv4-compatible', '127.0.0.1'],
  ['::c0a8:101', 'private', 'ipv4-compatible', '192.168.1.1'],
  ['::8.8.8.8', 'reserved', 'ipv4-compatible', '8.8.8.8'],
  ['64:ff9b::10.0.0.1', 'private', 'nat64', '10.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'link-local', 'nat64', '169.254.169.254'],
  ['64:ff9b::7f00:1', 'loopback', 'nat64', '127.0.0.1'],
  ['64:ff9b::808:808', 'public', 'nat64', '8.8.8.8'],
  ['2002:7f00:1::1', 'loopback', '6to4', '127.0.0.1'],
  ['2002:c0a8:101::1', 'private', '6to4', '192.168.1.1'],
  ['2002:a9fe:a9fe:1::', 'link-local', '6to4', '169.254.169.254'],
  ['2002:808:808::1', 'public', '6to4', '8.8.8.8'],
];

const PUBLIC_V6 = ['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:80b::200e', '2400:cb00::1'];

describe('classifyAddress', () => {
  test('refuses every special-purpose IPv4 range', () => {
    for (const [address, category] of REFUSED_V4) {
      const verdict = classifyAddress(address);
      assert.equal(verdict?.category, category, address);
      assert.equal(verdict?.allowed, false, address);
      assert.equal(verdict?.family, 4, address);
      assert.ok(verdict?.range, `${address} names its range`);
    }
  });

  test('allows public IPv4, including the neighbours of refused ranges', () => {
    for (const address of PUBLIC_V4) {
      assert.deepEqual(classifyAddress(address), { address, family: 4, category: 'public', allowed: true });
      assert.equal(isPublicAddress(address), true, address);
    }
  });

  test('refuses special-purpose and unassigned IPv6', () => {
    for (const [address, category] of REFUSED_V6) {
      const verdict = classifyAddress(address);
      assert.equal(verdict?.category, category, address);
      assert.equal(verdict?.allowed, false, address);
      assert.equal(verdict?.family, 6, address);
    }
  });

  test('classifies IPv6 forms that embed IPv4 by the embedded address', () => {
    for (const [address, category, via, embedded] of EMBEDDED) {
      const verdict = classifyAddress(address);
      assert.equal(verdict?.category, category, address);
      assert.equal(verdict?.allowed, category === 'public', address);
      assert.deepEqual(verdict?.embedded, { via, address: embedded }, address);
    }
  });

  test('allows public IPv6', () => {
    for (const address of PUBLIC_V6) {
      assert.equal(classifyAddress(address)?.category, 'public', address);
      assert.equal(isPublicAddress(address), true, address);
    }
  });

  test('every table row refuses the first and last address of its block', () => {
    for (const range of IPV4_RANGES) {
      const last = range.block.base + (1n << BigInt(32 - range.block.prefix)) - 1n;
      for (const address of [formatIpv4(range.block.base), formatIpv4(last)]) {
        assert.equal(classifyAddress(address)?.allowed, false, `${range.cidr}: ${address}`);
      }
    }
    for (const range of IPV6_RANGES) {
      const base = range.cidr.split('/')[0] ?? '';
      assert.equal(classifyAddress(base)?.allowed, false, range.cidr);
    }
  });

  test('is not fooled by what is not an IP literal', () => {
    for (const text of ['example.com', '', '1.2.3', '127.1', '0x7f000001', '[::1]', '1.2.3.4.5', ':::1']) {
      assert.equal(classifyAddress(text), undefined, text);
      assert.equal(isPublicAddress(text), false, text);
    }
  });
});

describe('parseCidr', () => {
  test('normalises the base address and rejects malformed blocks', () => {
    assert.equal(formatIpv4(parseCidr('10.1.2.3/8').base), '10.0.0.0');
    assert.equal(parseCidr('::1').prefix, 128);
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0.0/-1',
      '10.0.0.0/8/1',
      'fe80::/129',
      'nope/8',
      '10.0.0.0/',
      '10.0.0.0/1e1',
    ]) {
      assert.throws(() => parseCidr(bad), RangeError, bad);
    }
  });
});
