import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TableChangeListener, TableReader } from '@payhook/kafka';
import { withOwnWrites } from '../src/own-writes.ts';

interface Versioned {
  readonly id: string;
  readonly version: number;
}

/** The part of a table reader the view uses, fed by hand: what the table has read so far. */
function tableOf(): { reader: TableReader<Versioned>; read(value: Versioned): void } {
  const values = new Map<string, Versioned>();
  const listeners: TableChangeListener<Versioned>[] = [];
  const reader = {
    get: (key: string) => values.get(key),
    values: () => values.values(),
    onChange(listener: TableChangeListener<Versioned>) {
      listeners.push(listener);
      return () => undefined;
    },
  } as unknown as TableReader<Versioned>;
  return {
    reader,
    read(value) {
      values.set(value.id, value);
      for (const listener of listeners) listener(value.id, value);
    },
  };
}

describe('own writes in front of a table', () => {
  it('are readable at once, survive the read-back of an older record, and give way to their own', async () => {
    const table = tableOf();
    const own = withOwnWrites(
      table.reader,
      (v) => v.id,
      (v) => v.version,
    );
    table.read({ id: 'a', version: 1 });
    await own.write('a', { id: 'a', version: 3 }, async () => undefined);
    assert.equal(own.view.get('a')?.version, 3, 'readable at once');
    // An earlier write of the same key (version 2) is read after this one was made.
    table.read({ id: 'a', version: 2 });
    assert.equal(own.view.get('a')?.version, 3, 'an older record does not take it back');
    table.read({ id: 'a', version: 3 });
    table.read({ id: 'a', version: 4 });
    assert.equal(own.view.get('a')?.version, 4, 'once read back, the table has the last word');
  });

  it('are forgotten when their write fails', async () => {
    const table = tableOf();
    const own = withOwnWrites(table.reader, (v) => v.id);
    await assert.rejects(
      own.write('b', { id: 'b', version: 1 }, async () => {
        throw new Error('broker gone');
      }),
      /broker gone/,
    );
    assert.equal(own.view.get('b'), undefined);
  });
});
