// The repository check: every schema in schemas/ must be BACKWARD compatible with each of
// its earlier committed versions, so no change can land that breaks a reader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Contract, type ContractKey, loadSchemas } from '@payhook/contracts';
import avro from 'avsc';

const root = fileURLToPath(new URL('../../', import.meta.url));
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

function isRepository(): boolean {
  try {
    git('rev-parse', '--verify', 'HEAD');
    return true;
  } catch {
    return false;
  }
}

/** Each commit's whole schemas/ folder, oldest first, loaded as that commit's contracts. */
function history(): { commit: string; schemas: Record<ContractKey, Record<string, unknown>> }[] {
  const commits = git('log', '--reverse', '--format=%H', '--', 'schemas').split('\n').filter(Boolean);
  return commits.map((commit) => {
    const dir = mkdtempSync(join(tmpdir(), 'payhook-schemas-'));
    try {
      const files = git('ls-tree', '-r', '--name-only', commit, 'schemas').split('\n').filter(Boolean);
      for (const file of files) {
        const target = join(dir, file.slice('schemas/'.length));
        mkdirSync(join(target, '..'), { recursive: true });
        writeFileSync(target, git('show', `${commit}:${file}`));
      }
      let loaded: Record<ContractKey, Record<string, unknown>>;
      try {
        loaded = loadSchemas(dir);
      } catch {
        loaded = {} as Record<ContractKey, Record<string, unknown>>; // a commit before a contract existed
      }
      return { commit, schemas: loaded };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

describe('schemas/ stays BACKWARD compatible with its history', {
  skip: !isRepository() && 'not a git checkout',
}, () => {
  const current = loadSchemas();
  const versions = isRepository() ? history() : [];

  for (const key of Object.keys(Contract) as ContractKey[]) {
    it(`${Contract[key].name}: the working copy reads data written by every earlier version`, () => {
      const reader = avro.Type.forSchema(current[key] as avro.Schema);
      let checked = 0;
      for (const { commit, schemas } of versions) {
        const old = schemas[key];
        if (old === undefined) continue;
        const writer = avro.Type.forSchema(old as avro.Schema);
        assert.doesNotThrow(
          () => reader.createResolver(writer),
          `${Contract[key].file} cannot read data written with its version at ${commit.slice(0, 10)}`,
        );
        checked++;
      }
      assert.ok(checked >= 0);
    });
  }
});
