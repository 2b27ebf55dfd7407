import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryResult, SendRequest } from '../src/http-sender.ts';
import {
  packedRequestIds,
  packRequest,
  packResult,
  type RequestBindings,
  unpackRequests,
  unpackResults,
} from '../src/threaded/protocol.ts';

/** Bindings that say which id each thread-side part was made for. */
function recordingBindings(): { bindings: RequestBindings; signals: number[]; starts: number[] } {
  const signals: number[] = [];
  const starts: number[] = [];
  return {
    signals,
    starts,
    bindings: {
      signal(id) {
        signals.push(id);
        return AbortSignal.abort(`signal ${id}`);
      },
      onStart(id) {
        starts.push(id);
        return () => {};
      },
    },
  };
}

test('every part of a request crosses to its own field, and headers left out are the ones before', () => {
  const first: SendRequest = {
    url: 'https://hooks.example.test/a',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
    signing: { id: 'msg_1', timestamp: 1_700_000_000, secrets: ['whsec_one', 'whsec_two'] },
    timeoutMs: 1_001,
    headersTimeoutMs: 1_002,
    bodyTimeoutMs: 1_003,
    onStart: () => {},
  };
  const second: SendRequest = {
    url: 'https://hooks.example.test/b',
    headers: first.headers,
    body: new Uint8Array([7]),
  };
  const packed: unknown[] = [];
  packRequest(packed, 41, String(first.url), first.headers, first, 9);
  packRequest(packed, 42, String(second.url), undefined, second, undefined);
  assert.deepEqual(packedRequestIds(packed), [41, 42]);

  const { bindings, signals, starts } = recordingBindings();
  const seen: [number, SendRequest][] = [];
  const last = unpackRequests(packed, {}, bindings, (id, request) => seen.push([id, request]));
  assert.deepEqual(last, first.headers, 'the stream’s last headers');
  assert.deepEqual(signals, [9], 'only the request with a signal gets one, by its signal id');
  assert.deepEqual(starts, [41], 'only the request that asked is told of its start');

  const [[firstId, a], [secondId, b]] = seen as [[number, SendRequest], [number, SendRequest]];
  assert.equal(firstId, 41);
  assert.equal(a.url, first.url);
  assert.deepEqual(a.headers, first.headers);
  assert.equal(a.body, first.body);
  assert.deepEqual(a.signing, first.signing);
  assert.deepEqual([a.timeoutMs, a.headersTimeoutMs, a.bodyTimeoutMs], [1_001, 1_002, 1_003]);
  assert.equal(a.signal?.reason, 'signal 9');
  assert.equal(typeof a.onStart, 'function');

  assert.equal(secondId, 42);
  assert.equal(b.url, second.url);
  assert.deepEqual(b.headers, first.headers, 'left out: as the request before');
  assert.deepEqual(b.body, second.body);
  assert.equal(b.signing, undefined);
  assert.deepEqual(
    [b.timeoutMs, b.headersTimeoutMs, b.bodyTimeoutMs, b.signal, b.onStart],
    [undefined, undefined, undefined, undefined, undefined],
  );
});

test('every part of a result crosses to its own field; error and bodyError only when set', () => {
  const full: DeliveryResult = {
    outcome: 'throttled',
    errorClass: 'HTTP_429',
    status: 429,
    durationMs: 12.5,
    retryAfter: '7',
    retryAfterMs: 7_000,
    bodySnippet: 'slow down',
    bodyTruncated: true,
    error: { code: 'E_SLOW', message: 'rate limited by hooks.example.test' },
    bodyError: 'TIMEOUT_BODY',
  };
  const bare: DeliveryResult = {
    outcome: 'delivered',
    errorClass: 'HTTP_2XX',
    status: 204,
    durationMs: 3,
    retryAfter: undefined,
    retryAfterMs: undefined,
    bodySnippet: undefined,
    bodyTruncated: false,
  };
  const packed: unknown[] = [];
  packResult(packed, 7, full);
  packResult(packed, 8, bare);
  const seen: [number, DeliveryResult][] = [];
  unpackResults(packed, (id, result) => seen.push([id, result]));
  assert.deepEqual(seen, [
    [7, full],
    [8, bare],
  ]);
  assert.ok(!('error' in (seen[1]?.[1] ?? {})) && !('bodyError' in (seen[1]?.[1] ?? {})));
});
