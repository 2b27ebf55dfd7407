// The README's run command, end to end on the running local stack: payments on chain become
// delivered and verified webhooks, and the demo says so and exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testKafka } from '@payhook/testkit';
import type { Admin } from 'kafkajs';

const DEMO = fileURLToPath(new URL('../../tools/demo/src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Run = { code: number | null; stdout: string; stderr: string };

async function collect(child: ReturnType<typeof spawn>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

function demo(args: string[]): Promise<Run> {
  return collect(spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * Runs a printed command line as a person would paste it: through the shell, from the
 * repository root, with none of the pipeline's settings in the environment (the test's own
 * point at the same stack, and would hide a command that leaves one out).
 */
function shell(line: string): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(KAFKA_|SCHEMA_REGISTRY_|PAYHOOK_|DISPATCHER_|FILTER_)/.test(name),
    ),
  );
  return collect(spawn('sh', ['-c', line], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The pipeline prefix the demo reports on stderr. */
function prefixOf(stderr: string): string {
  const prefix = /under the prefix (\S+)/.exec(stderr)?.[1];
  assert.ok(prefix, stderr);
  return prefix;
}

const kafka = testKafka();
let admin: Admin;
const keptPrefixes: string[] = [];
const topicsUnder = async (prefix: string) => (await admin.listTopics()).filter((t) => t.startsWith(prefix));

before(async () => {
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  for (const prefix of keptPrefixes) {
    await admin.deleteTopics({ topics: await topicsUnder(prefix) }).catch(() => undefined);
  }
  await admin.disconnect();
});

it('npm run demo: every payment confirmed, every webhook delivered and verified; its topics go when it exits', async () => {
  const { code, stdout, stderr } = await demo(['--payments', '6', '--endpoints', '1', '--timeout', '120']);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /payments confirmed on chain\s+\| 6 \/ 6/);
  assert.match(stdout, /webhooks delivered and verified\s+\| 12 \/ 12/);
  assert.match(stdout, /requests with a bad signature\s+\| 0/);
  assert.match(stdout, /Every payment was confirmed and every webhook delivered and verified\./);
  assert.match(stderr, /local stack: already running/, 'the test stack is reused and left running');

  // Nothing is left to inspect, so it prints no command that would fail, and says how to keep it.
  assert.match(stdout, /The demo’s topics are deleted as it exits, so the payhook CLI has nothing/);
  assert.match(stdout, /npm run demo -- --keep/);
  assert.doesNotMatch(stdout, /npm run payhook/);
  assert.deepEqual(await topicsUnder(prefixOf(stderr)), []);
});

it('npm run demo -- --keep: the stack and topics stay, and every command it prints works as printed', async () => {
  const { code, stdout, stderr } = await demo(['--payments', '2', '--endpoints', '1', '--timeout', '120', '--keep']);
  const prefix = prefixOf(stderr);
  keptPrefixes.push(prefix);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /The local stack and the demo’s topics stay after it exits/);
  assert.ok((await topicsUnder(prefix)).includes(`${prefix}webhooks.attempts`), 'the topics are kept');

  const hints = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes('npm run payhook --'));
  assert.ok(hints.length >= 4, stdout);
  for (const hint of hints) {
    for (const variable of [
      'KAFKA_BROKERS=',
      'SCHEMA_REGISTRY_URL=',
      'PAYHOOK_TOPIC_PREFIX=',
      'PAYHOOK_RETRY_TIERS=',
    ]) {
      assert.ok(hint.includes(variable), `${hint} carries ${variable}`);
    }
  }
  const run = async (command: string): Promise<string> => {
    const hint = hints.find((h) => h.endsWith(` -- ${command}`));
    assert.ok(hint, `a hint runs "payhook ${command}"`);
    const result = await shell(hint);
    assert.equal(result.code, 0, `${hint}\n${result.stderr}`);
    return result.stdout;
  };

  const attempts = await run('attempts --payment pay_demo_1');
  assert.match(attempts, /ep_demo_shop-1 .* DELIVERED +2\d\d /);
  assert.match(attempts, /ep_demo_flaky .* RETRY_SCHEDULED +503 /, "the flaky endpoint's retries are in the log");
  assert.match(await run('payments get pay_demo_1'), /pay_demo_1/);
  assert.match(await run('lag'), new RegExp(`${prefix.replaceAll('.', '\\.')}payhook-dispatcher`));
  assert.match(await run('endpoints list'), /ep_demo_flaky/);
  assert.match(await run('replay --from dlq --dry-run'), /would send 0 of 0 records scanned/);
  // The demo's tiers are not the default ones: without PAYHOOK_RETRY_TIERS these would be missing.
  const described = await run('topics describe');
  assert.match(described, /webhooks\.retry\.2s {2}partitions=3/);
  assert.doesNotMatch(described, /MISSING/);
});

it('npm run demo -- --help, and bad options exit 2 naming the option', async () => {
  const help = await demo(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: npm run demo/);
  assert.match(help.stdout, /--keep +keep the local stack and the demo's topics/);
  const bad = await demo(['--payments', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--payments must be an integer/);
});
