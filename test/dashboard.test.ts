/**
 * The Grafana dashboard (deploy/grafana/dashboard.json) and the Prometheus alert rules
 * (deploy/prometheus/alerts.yml) read only metrics the worker exports: every metric name in their
 * expressions is checked against a real scrape of the real worker process (`src/worker.ts`), after
 * it cancelled an offer at once, an offer through polling (with a retried POST and a retried poll)
 * and a Product Ingestion job.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import type { OfferScenario } from '../simulator/scenario';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { startJobCancellation } from '../src/client/start-job-cancellation';
import { CANCELLATIONS_METRIC, CREDENTIALS_REFUSED_METRIC, HISTOGRAM_BUCKETS, JOB_CANCELLATIONS_METRIC, TOKEN_REQUESTS_METRIC } from '../src/workflow-safe/metric-names';
import { freePort } from '../temporal-cli/dev-server';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { parsePrometheus, spawnWorker, sumOf, waitUntilReady, workerBaseEnv, type Sample, type WorkerProcess } from './helpers/observability';
import { metricNamesIn } from './helpers/promql-names';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';

const DASHBOARD = path.join(PROJECT_ROOT, 'deploy', 'grafana', 'dashboard.json');
const ALERTS = path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml');
const METRIC_NAMES_SOURCE = path.join(PROJECT_ROOT, 'src', 'workflow-safe', 'metric-names.ts');

describe('metricNamesIn', () => {
  it.each([
    ['histogram_quantile(0.95, sum by (le, endpoint) (rate(cpp_http_request_duration_bucket{endpoint=~"x"}[5m])))', ['cpp_http_request_duration_bucket']],
    ['a / on (x) group_left b', ['a', 'b']],
    ['absent(up{job="y"} == 1)', ['up']],
    ['sum by (namespace) (x) unless on (namespace) y', ['x', 'y']],
    ['sum by (le) (a) / ignoring (le) group_left (mode) b', ['a', 'b']],
    ['sum by (outcome) (increase(cpp_cancellations{namespace=~"$namespace",taskQueue=~"$taskQueue"}[$__rate_interval]))', ['cpp_cancellations']],
    ['rate(foo[5m] offset 1h) > bool 0.5 * 1e3 or x offset $__interval', ['foo', 'x']],
    ['count_values("status", x) or vector(0) and on() y', ['x', 'y']],
    ['label_replace(m, "dst", "$1", "src", "(.*)") + max without (instance) (m) # a comment, not names', ['m']],
    ['sum(rate(x_total[5m:1m])) / count({__name__=~"cpp_.*"})', ['x_total']],
    ['time() - max(start_time_seconds) > Inf', ['start_time_seconds']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });
});

// ---------------------------------------------------------------------------------------------
// The names the worker exports, from a real scrape.

const PUBLISHER = 'contoso';
const TOKEN = `dash-token-${randomUUID()}`;
const FAST_POLLING = { initialIntervalSeconds: 0.1, maxIntervalSeconds: 0.2 };
/**
 * Declared names that this run cannot produce: only a worker that signs in through Entra asks it
 * for tokens. Every other declared metric must be in the scrape.
 */
const ONLY_WITH_ENTRA_SIGN_IN = new Set<string>([TOKEN_REQUESTS_METRIC, CREDENTIALS_REFUSED_METRIC]);

let ctx: TemporalTestContext | undefined;
let simulator: RunningSimulator | undefined;
let worker: WorkerProcess | undefined;
let samples: Sample[] = [];
/** Every sample name in the scrape, plus `up`, which Prometheus itself records per target. */
let scraped = new Set<string>();

beforeAll(async () => {
  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
  const taskQueue = uniqueTaskQueue('dash');
  const metricsPort = await freePort();
  worker = spawnWorker({
    ...workerBaseEnv(taskQueue, simulator.url, TOKEN),
    INGESTION_BASE_URL: `${simulator.url}/rp/product-ingestion`,
    INGESTION_ACCESS_TOKEN: TOKEN,
    METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
  });
  await waitUntilReady(worker);

  const offer = async (scenario: OfferScenario) => {
    const offerId = `dash-${randomUUID().slice(0, 8)}`;
    simulator!.setScenario(PUBLISHER, offerId, scenario);
    return startOfferCancellation(ctx!.client, { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: FAST_POLLING }, { taskQueue });
  };
  const jobId = randomUUID();
  simulator.setJobScenario(jobId, { cancel: { mode: 'accepted', completesAfterPolls: 1 } });
  const handles = await Promise.all([
    offer({ cancel: { mode: 'synchronous' } }),
    // The SDK's failure counters only appear once something failed, so the run makes both fail
    // rather than excusing them: a 503 on the POST fails its first try (a local activity), one on a
    // poll fails that poll's activity.
    offer({
      cancel: { mode: 'accepted', completeAfterPolls: 2 },
      faults: [
        { on: 'cancel', fault: { kind: 'status', status: 503 } },
        { on: 'poll', fault: { kind: 'status', status: 503 } },
      ],
    }),
    startJobCancellation(ctx.client, { jobId, polling: FAST_POLLING }, { taskQueue }),
  ]);
  const results = await Promise.all(handles.map((h) => h.result()));
  expect(results.map((r) => [r.outcome, r.mode])).toEqual([
    ['succeeded', 'synchronous'],
    ['succeeded', 'asynchronous'],
    ['succeeded', 'asynchronous'],
  ]);

  // Workflow metrics leave the sandbox when the activation completes: scrape until they are in.
  const mine = { taskQueue };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    samples = parsePrometheus(await res.text());
    scraped = new Set([...samples.map((s) => s.name), 'up']);
    const complete =
      sumOf(samples, CANCELLATIONS_METRIC, mine) >= 2 &&
      sumOf(samples, JOB_CANCELLATIONS_METRIC, mine) >= 1 &&
      scraped.has('temporal_activity_execution_failed') &&
      scraped.has('temporal_local_activity_execution_failed');
    if (complete || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  await worker?.stop();
  await simulator?.close();
  await ctx?.close();
});

/**
 * The series names `src/workflow-safe/metric-names.ts` declares: each exported string constant, or
 * for a histogram (its doc comment says so, or it has buckets) its `_bucket`, `_sum` and `_count`.
 */
function declaredMetricNames(): Set<string> {
  const source = readFileSync(METRIC_NAMES_SOURCE, 'utf8');
  const names = new Set<string>();
  for (const [, doc, name] of source.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?export const \w+ = '([^']+)'/g)) {
    const histogram = /^\s*\*?\s*Histogram/.test(doc ?? '') || name! in HISTOGRAM_BUCKETS;
    // A histogram has no series of its own name.
    for (const suffix of histogram ? ['_bucket', '_sum', '_count'] : ['']) names.add(name! + suffix);
  }
  return names;
}

const DECLARED = declaredMetricNames();
/** A name the scrape had, or one declared that only shows after an event this run does not cause. */
const exported = (name: string) => scraped.has(name) || DECLARED.has(name);

/** Each expression's names that the worker does not export, keyed by where the expression is. */
function unknownNames(exprs: { where: string; expr: string }[]): Record<string, string[]> {
  const unknown: Record<string, string[]> = {};
  for (const { where, expr } of exprs) {
    const missing = metricNamesIn(expr).filter((name) => !exported(name));
    if (missing.length > 0) unknown[where] = missing;
  }
  return unknown;
}

/** Each selector's label names that no scraped sample of that metric carries (`taskQueue` vs `task_queue`, say). */
function unknownLabels(exprs: { where: string; expr: string }[]): Record<string, string[]> {
  const unknown: Record<string, string[]> = {};
  for (const { where, expr } of exprs) {
    for (const [, name, matchers] of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
      const series = samples.filter((s) => s.name === name);
      if (series.length === 0) continue;
      for (const [, label] of matchers!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
        if (!series.some((s) => label! in s.labels)) (unknown[where] ??= []).push(`${name}{${label}}`);
      }
    }
  }
  return unknown;
}

interface Target {
  expr?: string;
}
interface Panel {
  id?: number;
  title?: string;
  datasource?: string | { uid?: string };
  targets?: Target[];
}
interface Dashboard {
  title?: string;
  uid?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: unknown; datasource?: string | { uid?: string } }[] };
}

describe('the worker exports', () => {
  it('every metric it declares, except the Entra sign-in ones', () => {
    const missing = [...DECLARED].filter((name) => !scraped.has(name) && !ONLY_WITH_ENTRA_SIGN_IN.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const panels = dashboard.panels ?? [];
  const datasourceOf = (d: Panel['datasource']) => (typeof d === 'string' ? d : d?.uid);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t, i) => ({ where: `panel ${p.id} "${p.title}" target ${i}`, expr: t.expr ?? '' })));

  it('is an importable dashboard of panels with unique ids, each on the chosen data source with a query', () => {
    expect(dashboard).toMatchObject({ title: 'CPP offer cancellation', uid: 'cpp-offer-cancellation', schemaVersion: 39 });
    expect(panels.length).toBeGreaterThan(0);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids').toBe(ids.length);
    for (const panel of panels) {
      expect(datasourceOf(panel.datasource), panel.title).toBe('${datasource}');
      expect(panel.targets?.some((t) => typeof t.expr === 'string' && t.expr.trim() !== ''), panel.title).toBe(true);
    }
    const variables = dashboard.templating?.list ?? [];
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['namespace', 'taskQueue']) {
      const variable = variables.find((v) => v.name === name);
      expect(variable, name).toMatchObject({ type: 'query' });
      expect(datasourceOf(variable?.datasource), name).toBe('${datasource}');
    }
  });

  it('reads only metrics the worker exports, with the labels they carry', () => {
    // The variables' `label_values(<selector>, <label>)` read a metric too.
    const variableExprs = (dashboard.templating?.list ?? []).flatMap((v) => {
      const query = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
      const selector = query && /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
      return selector ? [{ where: `variable ${v.name}`, expr: selector }] : [];
    });
    expect(variableExprs).toHaveLength(2);
    const all = [...exprs, ...variableExprs];
    expect({ names: unknownNames(all), labels: unknownLabels(all) }).toEqual({ names: {}, labels: {} });
  });
});

describe('the Prometheus alert rules', () => {
  it.skipIf(!existsSync(ALERTS))('read only metrics the worker exports, with the labels they carry', () => {
    const rules = parse(readFileSync(ALERTS, 'utf8')) as { groups?: { name?: string; rules?: { alert?: string; record?: string; expr?: string | number }[] }[] };
    const exprs = (rules.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => ({ where: `${g.name} ${r.alert ?? r.record}`, expr: String(r.expr ?? '') })));
    expect(exprs.length).toBeGreaterThan(0);
    expect({ names: unknownNames(exprs), labels: unknownLabels(exprs) }).toEqual({ names: {}, labels: {} });
  });
});
