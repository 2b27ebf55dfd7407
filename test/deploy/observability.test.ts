// The shape of the Grafana dashboards and the alert rules, and the names they share with the
// code (topics, consumer groups). Which metrics they use is metrics.test.ts's job; whether
// Prometheus accepts them is promtool's (scripts/check-deploy.sh).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_TIERS, pipelineTopics } from '@payhook/contracts';
import { dispatcherEnvSchema } from '@payhook/dispatcher';
import { parse } from 'yaml';

const DEPLOY = new URL('../../deploy/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, DEPLOY), 'utf8');

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  tags?: string[];
  panels: Panel[];
  templating?: { list?: { name: string; datasource?: { uid?: string } }[] };
}
interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const dashboardFiles = readdirSync(new URL('grafana/dashboards/', DEPLOY)).filter((f) => f.endsWith('.json'));
const dashboards = dashboardFiles.map((file) => ({
  file,
  dashboard: JSON.parse(read(`grafana/dashboards/${file}`)) as Dashboard,
}));
const datasources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as {
  datasources: { name: string; type: string; uid: string; url: string; isDefault?: boolean }[];
};
const rules = (parse(read('prometheus/alerts.yml')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const flatPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flatPanels(p.panels ?? [])]);

describe('Grafana dashboards', () => {
  const [prometheus] = datasources.datasources;

  it('provisions one Prometheus data source, the default', () => {
    assert.equal(datasources.datasources.length, 1);
    assert.equal(prometheus?.type, 'prometheus');
    assert.equal(prometheus?.isDefault, true);
  });

  it('are several, each with a unique uid and title, tagged payhook, with an overview to start from', () => {
    assert.ok(dashboards.length >= 3);
    const uids = dashboards.map((d) => d.dashboard.uid);
    assert.equal(new Set(uids).size, uids.length);
    assert.equal(new Set(dashboards.map((d) => d.dashboard.title)).size, dashboards.length);
    for (const { file, dashboard } of dashboards) {
      assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, file);
      assert.equal(`${dashboard.uid}.json`, file, 'file named after its uid');
      assert.ok(dashboard.tags?.includes('payhook'), file);
    }
    assert.ok(uids.includes('payhook-overview'));
  });

  it('query the provisioned data source from every panel and variable, with unique panel ids on the grid', () => {
    for (const { file, dashboard } of dashboards) {
      const panels = flatPanels(dashboard.panels);
      assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, `${file}: panel ids`);
      for (const panel of panels) {
        const where = `${file}: "${panel.title}"`;
        assert.ok(panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24, `${where} fits the grid`);
        if (panel.type === 'row') continue;
        assert.equal(panel.datasource?.uid, prometheus?.uid, where);
        assert.ok((panel.targets ?? []).length > 0, `${where} has a query`);
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `${where}: refIds`);
        for (const target of panel.targets ?? []) {
          assert.ok(target.expr?.trim(), `${where}: an expression`);
          assert.equal(target.datasource?.uid ?? prometheus?.uid, prometheus?.uid, where);
        }
      }
      for (const variable of dashboard.templating?.list ?? [])
        assert.equal(variable.datasource?.uid, prometheus?.uid, `${file}: $${variable.name}`);
    }
  });

  it('show the dispatcher group with and without a topic prefix', () => {
    const group = dispatcherEnvSchema.shape.DISPATCHER_GROUP_ID.parse(undefined);
    const all = dashboards.flatMap((d) => flatPanels(d.dashboard.panels).flatMap((p) => p.targets ?? []));
    const matchers = all.flatMap((t) => [...(t.expr ?? '').matchAll(/group=~"([^"]+)"/g)].map((m) => m[1] as string));
    const dispatcherMatchers = matchers.filter((m) => m.includes('dispatcher'));
    assert.ok(dispatcherMatchers.length > 0);
    for (const matcher of dispatcherMatchers) {
      const re = new RegExp(`^(?:${matcher})$`);
      assert.ok(re.test(group) && re.test(`staging.${group}`), matcher);
      assert.ok(!re.test('payhook-confirmation-filter'), matcher);
    }
  });

  it("show the API's requests by route template and status class, its latency percentiles, errors and 429s", () => {
    const api = dashboards.find((d) => d.dashboard.uid === 'payhook-api');
    assert.ok(api, 'a payhook-api dashboard');
    const exprs = flatPanels(api.dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    const requests = exprs.filter((e) => e.includes('payhook_api_request'));
    assert.ok(requests.some((e) => /by \([^)]*route[^)]*class/.test(e) && e.includes('label_replace')));
    for (const q of ['0.5', '0.95', '0.99'])
      assert.ok(
        requests.some((e) => e.startsWith(`histogram_quantile(${q}, sum by (le, method, route)`)),
        `p${q}`,
      );
    assert.ok(requests.some((e) => e.includes('status=~"5.."')));
    assert.ok(requests.some((e) => e.includes('status=~"4.."')));
    assert.ok(requests.some((e) => e.includes('status="429"')));
    // Route templates only: a label holding a raw path would be one series per id.
    for (const e of requests) assert.doesNotMatch(e, /\b(url|path)\b/, e);
  });
});

describe('alert rules', () => {
  it('each have a unique name, a for duration, a severity, a summary and a description', () => {
    const names = rules.map((r) => r.alert);
    assert.ok(names.length >= 10);
    assert.equal(new Set(names).size, names.length);
    for (const rule of rules) {
      assert.ok(rule.alert, 'alerting rules only');
      assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: for`);
      assert.ok(['warning', 'critical'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
      assert.ok(rule.annotations?.summary?.trim(), `${rule.alert}: summary`);
      assert.ok(rule.annotations?.description?.trim(), `${rule.alert}: description`);
    }
  });

  it('cover what the operations design asks for', () => {
    const uses = (metric: string) => rules.filter((r) => r.expr.includes(metric)).map((r) => r.alert);
    for (const metric of [
      'payhook_dispatcher_dead_letters_total',
      'payhook_consumer_lag_seconds',
      'payhook_dispatcher_deliveries_total',
      'payhook_scanner_blocks_behind',
      'payhook_dispatcher_breaker_transitions_total{to="open"}',
      'payhook_scanner_deep_reorgs_total',
      'payhook_scanner_rpc_errors_total',
      'payhook_api_requests_total',
      'payhook_api_request_duration_seconds_bucket',
    ])
      assert.ok(uses(metric).length > 0, `no alert on ${metric}`);
  });

  it('leave out exactly the retry tier topics when alerting on lag in seconds', () => {
    const lagRules = rules.filter((r) => r.expr.includes('payhook_consumer_lag_seconds'));
    assert.ok(lagRules.length > 0);
    for (const prefix of ['', 'staging.']) {
      const topics = pipelineTopics(DEFAULT_RETRY_TIERS, prefix);
      const retry = topics.retry.map((t) => t.topic);
      const others = Object.entries(topics).flatMap(([key, topic]) =>
        key !== 'prefix' && typeof topic === 'string' ? [topic] : [],
      );
      assert.ok(others.includes(topics.dispatch) && retry.length > 0);
      for (const rule of lagRules) {
        const exclude = /topic!~"([^"]+)"/.exec(rule.expr)?.[1];
        assert.ok(exclude !== undefined, `${rule.alert} excludes retry topics`);
        const re = new RegExp(`^(?:${exclude})$`);
        for (const topic of retry) assert.ok(re.test(topic), `${rule.alert} alerts on ${topic}`);
        for (const topic of others) assert.ok(!re.test(topic), `${rule.alert} ignores ${topic}`);
      }
    }
  });
});
