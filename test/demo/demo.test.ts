// The README's run command, end to end on the running local stack: payments on chain become
// delivered and verified webhooks, and the demo says so and exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../tools/demo/src/main.ts', import.meta.url));

async function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

it('npm run demo: every payment confirmed, every webhook delivered and verified', async () => {
  const { code, stdout, stderr } = await demo(['--payments', '6', '--endpoints', '1', '--timeout', '120']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /payments confirmed on chain\s+\| 6 \/ 6/);
  assert.match(stdout, /webhooks delivered and verified\s+\| 12 \/ 12/);
  assert.match(stdout, /requests with a bad signature\s+\| 0/);
  assert.match(stdout, /Every payment was confirmed and every webhook delivered and verified\./);
  assert.match(stderr, /local stack: already running/, 'the test stack is reused and left running');
});

it('npm run demo -- --help, and bad options exit 2 naming the option', async () => {
  const help = await demo(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: npm run demo/);
  const bad = await demo(['--payments', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--payments must be an integer/);
});
