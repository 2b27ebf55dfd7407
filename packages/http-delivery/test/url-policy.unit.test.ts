import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AllowListError,
  createDevAllowList,
  DnsLookupError,
  EndpointRefusedError,
  HttpDeliveryErrorCode,
  parseEndpointUrl,
  resolveCheckedAddresses,
} from '../src/index.ts';
import { scriptedResolver, v4, v6 } from './support.ts';

const C = HttpDeliveryErrorCode;

function refusal(fn: () => unknown): EndpointRefusedError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EndpointRefusedError, String(error));
    assert.equal(error.retryable, false);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('parseEndpointUrl', () => {
  test('refuses each unsafe or malformed URL with its own code', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['not a url', C.URL_INVALID],
      ['https://', C.URL_INVALID],
      ['https://example.com:0/hook', C.URL_INVALID],
      ['https://example.com:70000/hook', C.URL_INVALID],
      ['ftp://example.com/hook', C.URL_SCHEME],
      ['file:///etc/hosts', C.URL_SCHEME],
      ['javascript:alert(1)', C.URL_SCHEME],
      ['https://user:pw@example.com/hook', C.URL_CREDENTIALS],
      ['https://user@example.com/hook', C.URL_CREDENTIALS],
      ['http://example.com/hook', C.URL_HTTPS_REQUIRED],
      ['https://127.0.0.1/hook', C.ADDRESS_REFUSED],
      ['https://2130706433/hook', C.ADDRESS_REFUSED],
      ['https://0x7f.1/hook', C.ADDRESS_REFUSED],
      ['https://10.0.0.1/', C.ADDRESS_REFUSED],
      ['https://169.254.169.254/latest/meta-data/', C.ADDRESS_REFUSED],
      ['https://[::1]/', C.ADDRESS_REFUSED],
      ['https://[::ffff:127.0.0.1]/', C.ADDRESS_REFUSED],
      ['https://[fd00::1]:8443/', C.ADDRESS_REFUSED],
      ['https://localhost/', C.ADDRESS_REFUSED],
      ['https://api.LOCALHOST./', C.ADDRESS_REFUSED],
    ];
    for (const [url, code] of cases) assert.equal(refusal(() => parseEndpointUrl(url)).code, code, url);
  });

  test('accepts https to a host name or public IP', () => {
    const named = parseEndpointUrl('https://hooks.example.com:8443/payhook?x=1');
    assert.equal(named.host, 'hooks.example.com');
    assert.equal(named.ipLiteral, false);
    assert.equal(named.allowListed, false);
    assert.equal(parseEndpointUrl(new URL('https://[2606:4700:4700::1111]/')).host, '2606:4700:4700::1111');
    assert.equal(parseEndpointUrl('https://8.8.8.8/').ipLiteral, true);
  });

  test('never repeats credentials, path or query in an error', () => {
    for (const url of [
      'https://merchant:s3cr3t@example.com/hook',
      'http://example.com/hook/s3cr3t?token=s3cr3t',
      'https://10.0.0.1/s3cr3t?token=s3cr3t',
      'gopher://example.com/s3cr3t',
    ]) {
      const error = refusal(() => parseEndpointUrl(url));
      assert.doesNotMatch(`${error.message} ${JSON.stringify(error)}`, /s3cr3t/, url);
    }
  });

  test('lets allow-listed hosts use http and loopback', () => {
    const allow = createDevAllowList(['127.0.0.1', 'LocalHost', '::1', '10.1.0.0/16']);
    for (const url of [
      'http://127.0.0.1:3000/',
      'http://localhost:3000/',
      'http://localhost./',
      'http://[::1]:8080/',
    ]) {
      assert.equal(parseEndpointUrl(url, allow).allowListed, true, url);
    }
    assert.equal(parseEndpointUrl('http://10.1.2.3/', allow).allowListed, true);
    assert.equal(refusal(() => parseEndpointUrl('http://127.0.0.2/', allow)).code, C.URL_HTTPS_REQUIRED);
    assert.equal(refusal(() => parseEndpointUrl('https://127.0.0.2/', allow)).code, C.ADDRESS_REFUSED);
    assert.equal(refusal(() => parseEndpointUrl('https://api.localhost/', allow)).code, C.ADDRESS_REFUSED);
  });
});

describe('createDevAllowList', () => {
  test('rejects entries that are neither names nor addresses', () => {
    for (const entry of ['', 'not a host', 'http://localhost', '10.0.0.0/33', 'fe80::/200', '*.example.com']) {
      assert.throws(() => createDevAllowList([entry]), AllowListError, entry);
    }
  });

  test('matches addresses by CIDR and names case-insensitively', () => {
    const allow = createDevAllowList(['fd00::/8', '[::1]', 'Dev.Example.test']);
    assert.equal(allow.hasAddress('fd12::1'), true);
    assert.equal(allow.hasAddress('::1'), true);
    assert.equal(allow.hasAddress('fe80::1'), false);
    assert.equal(allow.hasHost('dev.example.TEST'), true);
    assert.equal(allow.hasHost('[fd00::5]'), true);
    assert.equal(allow.hasHost('other.example.test'), false);
  });
});

describe('resolveCheckedAddresses', () => {
  const allowList = createDevAllowList([]);

  test('returns the addresses when every one is public', async () => {
    const { resolve, calls } = scriptedResolver([v4('93.184.216.34'), v6('2606:2800:220:1::1')]);
    const addresses = await resolveCheckedAddresses('hooks.example.test', { resolve, allowList });
    assert.deepEqual(addresses, [v4('93.184.216.34'), v6('2606:2800:220:1::1')]);
    assert.deepEqual(calls, ['hooks.example.test']);
  });

  test('refuses the whole answer if any address is refused', async () => {
    const { resolve } = scriptedResolver([v4('93.184.216.34'), v4('169.254.169.254'), v6('::ffff:10.0.0.1')]);
    const error = await resolveCheckedAddresses('mixed.example.test', { resolve, allowList }).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof EndpointRefusedError);
    assert.equal(error.code, C.ADDRESS_REFUSED);
    assert.deepEqual(
      error.refusedAddresses.map((v) => [v.address, v.category]),
      [
        ['169.254.169.254', 'link-local'],
        ['::ffff:10.0.0.1', 'private'],
      ],
    );
  });

  test('checks IP literals without asking the resolver', async () => {
    const { resolve, calls } = scriptedResolver([v4('93.184.216.34')]);
    await assert.rejects(resolveCheckedAddresses('10.0.0.1', { resolve, allowList }), EndpointRefusedError);
    assert.deepEqual(await resolveCheckedAddresses('8.8.8.8', { resolve, allowList }), [v4('8.8.8.8')]);
    assert.equal(calls.length, 0);
  });

  test('turns resolver failures and empty or bogus answers into a retryable DNS error', async () => {
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nx.example.test'), { code: 'ENOTFOUND' });
    for (const answer of [notFound, [], [v4('not-an-ip')]]) {
      const { resolve } = scriptedResolver(answer);
      const error = await resolveCheckedAddresses('nx.example.test', { resolve, allowList }).catch((e: unknown) => e);
      assert.ok(error instanceof DnsLookupError, String(error));
      assert.equal(error.code, C.DNS_FAILED);
      assert.equal(error.retryable, true);
    }
  });

  test('skips the refusal for allow-listed names and addresses', async () => {
    const allow = createDevAllowList(['dev.example.test', '10.9.0.0/16']);
    const { resolve } = scriptedResolver([v4('10.0.0.1')], [v4('10.9.1.1')]);
    assert.deepEqual(await resolveCheckedAddresses('dev.example.test', { resolve, allowList: allow }), [
      v4('10.0.0.1'),
    ]);
    assert.deepEqual(await resolveCheckedAddresses('other.example.test', { resolve, allowList: allow }), [
      v4('10.9.1.1'),
    ]);
  });
});
