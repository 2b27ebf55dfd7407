// Every metric a Grafana panel or an alert rule names must be one a service really exports:
// the services and the API run here in-process on a private pipeline (the scanner on a chain of
// its own) and their /metrics is scraped over HTTP. A renamed metric then fails here instead
// of leaving an empty panel or an alert that can never fire.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiEnvSchema, createApiApp } from '@payhook/api';
import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import { type AnvilNode, startAnvil } from '@payhook/devstack';
import { createDispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { createLagExporterApp, lagExporterEnvSchema } from '@payhook/lag-exporter';
import {
  createLogger,
  createMetricsRegistry,
  type HealthServer,
  parseEnv,
  type ReadinessCheck,
  type Registry,
  startHealthServer,
  systemClock,
} from '@payhook/runtime';
import { createScannerApp, scannerEnvSchema } from '@payhook/scanner';
import { createPipelineFixture, type PipelineFixture, uniqueName } from '@payhook/testkit';
import { parse } from 'yaml';

/**
 * Metrics the dashboards and alerts may use before any service exports them: none. An entry
 * here would be a panel that stays empty; the test below keeps the list empty.
 */
const PENDING_EXPORTER: ReadonlyMap<string, string> = new Map();

const DEPLOY = new URL('../../deploy/', import.meta.url);

/** Words of PromQL that look like metric names but are not. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, ranges, grouping
 * label lists and Grafana variables are dropped first; what remains that looks like a name
 * and is not a function call or a keyword is a metric name.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.:$])[A-Za-z_:][\w:]*/g)) {
    const rest = stripped.slice((match.index ?? 0) + match[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** The metric names of a Grafana query-variable definition (`label_values(metric, label)`, or an expression). */
function variableMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\s*\(\s*([^,]+),/.exec(query);
  if (labelValues !== null) return metricNames(labelValues[1] as string);
  if (/^\s*label_values\s*\(|^\s*label_names\s*\(|^\s*metrics\s*\(/.test(query)) return [];
  const result = /^\s*query_result\s*\((.*)\)\s*$/s.exec(query);
  return metricNames(result === null ? query : (result[1] as string));
}

interface Use {
  readonly name: string;
  readonly where: string;
}

/** Every metric named by a panel query or a query variable of each dashboard. */
function dashboardUses(): Use[] {
  const folder = new URL('grafana/dashboards/', DEPLOY);
  const uses: Use[] = [];
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as {
      panels?: unknown[];
      templating?: { list?: { name: string; query?: string | { query?: string } }[] };
    };
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item, where);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      const here = typeof record.title === 'string' ? `${file}: "${record.title}"` : where;
      if (typeof record.expr === 'string')
        for (const name of metricNames(record.expr)) uses.push({ name, where: here });
      for (const [key, value] of Object.entries(record)) if (key !== 'expr') walk(value, here);
    };
    walk(dashboard.panels ?? [], file);
    for (const variable of dashboard.templating?.list ?? []) {
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      for (const name of variableMetricNames(query)) uses.push({ name, where: `${file}: variable $${variable.name}` });
    }
  }
  return uses;
}

/** Every metric named by an alert or recording rule. */
function ruleUses(): Use[] {
  const rules = parse(readFileSync(new URL('prometheus/alerts.yml', DEPLOY), 'utf8')) as {
    groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((group) =>
    group.rules.flatMap((rule) =>
      metricNames(rule.expr).map((name) => ({ name, where: `alerts.yml: ${rule.alert ?? rule.record}` })),
    ),
  );
}

/** Metric families of a Prometheus text exposition, by name, with their type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(match[1] as string, match[2] as string);
  return out;
}

/** Whether a name a query uses is a series of an exported family (`_bucket`, `_sum`, `_count` of histograms and summaries). */
function exported(name: string, exports: ReadonlyMap<string, string>): boolean {
  if (exports.has(name)) return true;
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (suffix === null) return false;
  const type = exports.get(suffix[1] as string);
  return type === 'histogram' || (type === 'summary' && suffix[2] !== 'bucket');
}

describe('metric names in PromQL', () => {
  it('finds selected metrics and skips functions, labels, keywords, ranges and variables', () => {
    assert.deepEqual(metricNames('sum by (reason) (rate(payhook_dispatcher_dead_letters_total[5m])) > 0'), [
      'payhook_dispatcher_dead_letters_total',
    ]);
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, outcome) (rate(a_seconds_bucket{x="y(z)"}[$__rate_interval])))',
      ),
      ['a_seconds_bucket'],
    );
    assert.deepEqual(metricNames('a / on (group) group_left(topic) b offset 1h and c > bool 1e3 unless d @ end()'), [
      'a',
      'b',
      'c',
      'd',
    ]);
    assert.deepEqual(metricNames('max(lag{topic!~".*webhooks[.]retry[.].*", group=~"$group"}) > 300'), ['lag']);
    assert.deepEqual(metricNames('count(up) - $threshold * 2'), ['up']);
    assert.deepEqual(variableMetricNames('label_values(payhook_scanner_last_block{chain!=""}, chain)'), [
      'payhook_scanner_last_block',
    ]);
    assert.deepEqual(variableMetricNames('label_values(chain)'), []);
  });
});

describe('dashboards and alert rules name only metrics the services export', () => {
  const logger = createLogger({
    name: 'deploy-metrics-test',
    level: process.env.TEST_LOG_LEVEL ?? 'error',
    destination: process.stderr,
  });
  let pipe: PipelineFixture;
  let anvil: AnvilNode | undefined;
  let stateDir: string | undefined;
  const stops: (() => Promise<void>)[] = [];
  const scrapes = new Map<string, string>();

  /** Starts an app and its health server the way its composition root does, and scrapes /metrics. */
  async function run(
    service: string,
    build: (registry: Registry) => {
      readiness: readonly ReadinessCheck[];
      start(): Promise<void>;
      stop(): Promise<void>;
    },
  ): Promise<void> {
    const registry = createMetricsRegistry(service);
    const app = build(registry);
    stops.push(() => app.stop());
    await app.start();
    const health: HealthServer = await startHealthServer({
      registry,
      checks: app.readiness,
      host: '127.0.0.1',
      port: 0,
    });
    stops.push(() => health.close());
    const response = await fetch(`http://127.0.0.1:${health.port}/metrics`);
    assert.equal(response.status, 200);
    scrapes.set(service, await response.text());
  }

  before(async () => {
    pipe = await createPipelineFixture();
    stateDir = mkdtempSync(join(tmpdir(), 'payhook-anvil-'));
    anvil = await startAnvil({ stateDir });
    const env = pipe.serviceEnv();
    const chain = anvil.url;
    await Promise.all([
      run('dispatcher', (registry) =>
        createDispatcherApp({
          config: parseEnv(dispatcherEnvSchema, { ...env, DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1' }),
          logger,
          registry,
          clock: systemClock,
        }),
      ),
      run('confirmation-filter', (registry) =>
        createFilterApp({
          config: parseEnv(filterEnvSchema, { ...env, FILTER_INSTANCE_ID: uniqueName('filter') }),
          logger,
          registry,
        }),
      ),
      run('lag-exporter', (registry) =>
        createLagExporterApp({
          config: parseEnv(lagExporterEnvSchema, { ...env, LAG_INTERVAL_MS: '1000' }),
          logger,
          registry,
        }),
      ),
      run('scanner', (registry) =>
        createScannerApp({
          config: parseEnv(scannerEnvSchema, {
            ...env,
            SCANNER_CHAINS: JSON.stringify([{ chainId: 31337, rpcUrl: chain, pollIntervalMs: 100 }]),
          }),
          logger,
          registry,
          onFatal: (error) => logger.error({ err: error }, 'scanner loop ended'),
        }),
      ),
    ]);
    // The API serves /metrics on its own port; its request series appear once requests are answered.
    const api = createApiApp({
      config: parseEnv(apiEnvSchema, { ...env, API_READ_MODEL_PATH: join(stateDir, 'api-read-model.sqlite') }),
      logger,
      registry: createMetricsRegistry('api'),
      clock: systemClock,
    });
    stops.push(() => api.stop());
    await api.start();
    await api.readModelCaughtUp;
    const apiBase = `http://127.0.0.1:${api.port}`;
    assert.equal((await fetch(`${apiBase}/healthz`)).status, 200);
    const response = await fetch(`${apiBase}/metrics`);
    assert.equal(response.status, 200);
    scrapes.set('api', await response.text());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await anvil?.stop();
    if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
    await pipe?.close();
  });

  const exportsOf = (service: string) => families(scrapes.get(service) ?? '');
  const allExports = () => new Map([...scrapes.values()].flatMap((text) => [...families(text)]));

  it('scrapes each service and finds its own metrics and the process metrics', () => {
    assert.ok(exportsOf('dispatcher').has('payhook_dispatcher_deliveries_total'));
    assert.ok(exportsOf('confirmation-filter').has('payhook_filter_events_in_total'));
    assert.ok(exportsOf('scanner').has('payhook_scanner_blocks_behind'));
    assert.ok(exportsOf('api').has('payhook_api_requests_total'));
    // The sender thread's heap limit is the one its settings give (their defaults here).
    const { shape } = dispatcherEnvSchema;
    const senderHeapMb =
      shape.DISPATCHER_SENDER_YOUNG_GENERATION_MB.parse(undefined) +
      shape.DISPATCHER_SENDER_OLD_GENERATION_MB.parse(undefined);
    const limit = (scrapes.get('dispatcher') ?? '')
      .split('\n')
      .find((line) => line.startsWith('payhook_dispatcher_sender_heap_bytes{') && line.includes('kind="limit"'));
    assert.match(limit ?? '', /thread="0"/);
    assert.equal(Number(limit?.split(' ').pop()), senderHeapMb * 2 ** 20, 'the sender thread heap limit is exported');
    for (const service of scrapes.keys()) {
      assert.ok(exportsOf(service).has('payhook_process_start_time_seconds'), service);
      assert.match(scrapes.get(service) ?? '', new RegExp(`service="${service}"`), `${service} labels its series`);
    }
  });

  it('every metric of every dashboard panel and variable is exported', (t) => {
    const uses = dashboardUses();
    assert.ok(uses.length > 50, `only ${uses.length} metric uses found in the dashboards`);
    const exports = allExports();
    const missing = uses.filter((u) => !exported(u.name, exports) && !PENDING_EXPORTER.has(u.name));
    assert.deepEqual(
      missing.map((u) => `${u.where}: ${u.name}`),
      [],
      'dashboard queries name metrics no service exports',
    );
    for (const name of PENDING_EXPORTER.keys())
      if (exports.has(name)) t.diagnostic(`${name} is exported now: remove it from PENDING_EXPORTER`);
  });

  it('every metric of every alert rule is exported', () => {
    const uses = ruleUses();
    assert.ok(uses.length >= 10, `only ${uses.length} metric uses found in the rules`);
    const exports = allExports();
    const missing = uses.filter((u) => !exported(u.name, exports) && !PENDING_EXPORTER.has(u.name));
    assert.deepEqual(
      missing.map((u) => `${u.where}: ${u.name}`),
      [],
      'alert rules name metrics no service exports',
    );
  });

  it('every metric of the services themselves is on a dashboard', () => {
    const shown = new Set(dashboardUses().map((u) => u.name.replace(/_(bucket|sum|count)$/, '')));
    const own = [...allExports().keys()].filter((name) =>
      /^payhook_(dispatcher|scanner|filter|consumer|api)_/.test(name),
    );
    assert.ok(own.length >= 20, `only ${own.length} service metrics exported`);
    assert.deepEqual(
      own.filter((name) => !shown.has(name)),
      [],
      'service metrics that no dashboard shows',
    );
  });

  it('no dashboard or rule waits for a metric that is not exported yet', () => {
    assert.deepEqual([...PENDING_EXPORTER.keys()], []);
    assert.ok(exportsOf('lag-exporter').has('payhook_consumer_lag_seconds'));
    assert.ok(exportsOf('lag-exporter').has('payhook_consumer_lag_offsets'));
  });
});
