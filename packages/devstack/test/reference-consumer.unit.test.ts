// Reading the output of Kafka's console consumer: its records, the timeout that ends a read,
// and nothing else taken silently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReferenceOutput } from '../src/reference-consumer.ts';

const timeoutLines = [
  '12:13:53.020 [main] ERROR org.apache.kafka.tools.consumer.ConsoleConsumer - Error processing message, terminating consumer process: ',
  'org.apache.kafka.common.errors.TimeoutException: null',
];

describe('parseReferenceOutput', () => {
  it('reads partitions, offsets and values, up to the timeout that ended the read', () => {
    const output = ['Partition:0\tOffset:3\ta1', 'Partition:2\tOffset:10\t', ...timeoutLines, ''].join('\n');
    assert.deepEqual(parseReferenceOutput(output, true), [
      { partition: 0, offset: 3n, value: 'a1' },
      { partition: 2, offset: 10n, value: '' },
    ]);
    assert.deepEqual(parseReferenceOutput('Partition:1\tOffset:7\n', false), [{ partition: 1, offset: 7n }]);
  });

  it('refuses a line that is neither a record nor the closing timeout', () => {
    assert.throws(
      () => parseReferenceOutput('Partition:0\tOffset:1\nWARN something else\n', false),
      /not a record: WARN something else/,
    );
  });
});
