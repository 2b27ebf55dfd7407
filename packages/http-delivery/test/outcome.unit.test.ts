import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors as undiciErrors } from 'undici';
import {
  ConnectTimeoutError,
  classifyError,
  classifyStatus,
  DnsLookupError,
  EndpointRefusedError,
  HttpDeliveryErrorCode,
} from '../src/index.ts';

const withCode = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);

describe('classifyStatus', () => {
  test('maps statuses through the table', () => {
    const cases: readonly (readonly [number, string, string])[] = [
      [200, 'delivered', 'HTTP_2XX'],
      [202, 'delivered', 'HTTP_2XX'],
      [204, 'delivered', 'HTTP_2XX'],
      [299, 'delivered', 'HTTP_2XX'],
      [301, 'retryable', 'HTTP_3XX'],
      [302, 'retryable', 'HTTP_3XX'],
      [304, 'retryable', 'HTTP_3XX'],
      [308, 'retryable', 'HTTP_3XX'],
      [400, 'retryable', 'HTTP_4XX'],
      [401, 'retryable', 'HTTP_4XX'],
      [404, 'retryable', 'HTTP_4XX'],
      [410, 'gone', 'HTTP_410'],
      [429, 'throttled', 'HTTP_429'],
      [500, 'retryable', 'HTTP_5XX'],
      [502, 'retryable', 'HTTP_5XX'],
      [503, 'throttled', 'HTTP_503'],
      [504, 'retryable', 'HTTP_5XX'],
      [101, 'retryable', 'HTTP_STATUS_UNEXPECTED'],
      [600, 'retryable', 'HTTP_STATUS_UNEXPECTED'],
    ];
    for (const [status, outcome, errorClass] of cases) {
      assert.deepEqual(classifyStatus(status), { outcome, errorClass }, String(status));
    }
  });

  test('classifies a status once: later attempts share its frozen row', () => {
    const first = classifyStatus(204);
    assert.equal(classifyStatus(204), first);
    assert.ok(Object.isFrozen(first));
    assert.notEqual(classifyStatus(500), first);
  });
});

describe('classifyError', () => {
  test('maps error codes through the table', () => {
    const cases: readonly (readonly [unknown, string, string])[] = [
      [new undiciErrors.ConnectTimeoutError(), 'retryable', 'TIMEOUT_CONNECT'],
      [new ConnectTimeoutError('hooks.example.test', 5000), 'retryable', 'TIMEOUT_CONNECT'],
      [new undiciErrors.HeadersTimeoutError(), 'retryable', 'TIMEOUT_HEADERS'],
      [new undiciErrors.BodyTimeoutError(), 'retryable', 'TIMEOUT_BODY'],
      [new undiciErrors.SocketError('other side closed'), 'retryable', 'CONNECTION_RESET'],
      [new undiciErrors.RequestAbortedError(), 'retryable', 'ABORTED'],
      [withCode('ECONNREFUSED'), 'retryable', 'CONNECTION_REFUSED'],
      [withCode('ECONNRESET'), 'retryable', 'CONNECTION_RESET'],
      [withCode('EHOSTUNREACH'), 'retryable', 'CONNECTION_FAILED'],
      [withCode('HPE_INVALID_CONSTANT'), 'retryable', 'PROTOCOL_ERROR'],
      [withCode('CERT_HAS_EXPIRED'), 'retryable', 'TLS_FAILED'],
      [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'retryable', 'TLS_FAILED'],
      [withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'retryable', 'TLS_FAILED'],
      [new DnsLookupError('nx.example.test', { lookupCode: 'ENOTFOUND' }), 'retryable', 'DNS_FAILED'],
      [new EndpointRefusedError(HttpDeliveryErrorCode.ADDRESS_REFUSED, 'x'), 'refused', 'ADDRESS_REFUSED'],
      [new EndpointRefusedError(HttpDeliveryErrorCode.URL_SCHEME, 'x'), 'refused', 'URL_SCHEME'],
      [new EndpointRefusedError(HttpDeliveryErrorCode.URL_HTTPS_REQUIRED, 'x'), 'refused', 'URL_HTTPS_REQUIRED'],
      [new Error('no code at all'), 'retryable', 'UNKNOWN'],
      ['a string', 'retryable', 'UNKNOWN'],
    ];
    for (const [error, outcome, errorClass] of cases) {
      const verdict = classifyError(error);
      assert.deepEqual([verdict.outcome, verdict.errorClass], [outcome, errorClass], String(error));
    }
  });

  test('looks through causes and aggregated errors', () => {
    const wrapped = new Error('fetch failed', { cause: withCode('ECONNREFUSED') });
    assert.equal(classifyError(wrapped).errorClass, 'CONNECTION_REFUSED');
    const happyEyeballs = new AggregateError([withCode('ENETUNREACH'), withCode('ECONNREFUSED')], 'all failed');
    assert.equal(classifyError(happyEyeballs).errorClass, 'CONNECTION_FAILED');
    assert.equal(classifyError(happyEyeballs).code, 'ENETUNREACH');
  });
});
