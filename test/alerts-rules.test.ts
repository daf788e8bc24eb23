/**
 * The shipped alert rules (deploy/prometheus/alerts.yml) as Prometheus reads them: `promtool check
 * rules`, and `promtool test rules` over deploy/prometheus/alerts.test.yml (series that must fire and
 * series that must not, for every alert).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { promtool } from './helpers/prometheus';

const DIR = path.join(__dirname, '..', 'deploy', 'prometheus');
const RULES = path.join(DIR, 'alerts.yml');
const RULE_TESTS = path.join(DIR, 'alerts.test.yml');

interface RuleFile {
  groups: { rules: { alert: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe('deploy/prometheus/alerts.yml', () => {
  it('is valid for promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RULES);
    expect(output).toMatch(/SUCCESS: 11 rules found/);
    expect(status).toBe(0);
  });

  it("the compose stack's Prometheus config loads it, and names the worker's job as WorkerDown does", () => {
    const config = path.join(DIR, 'prometheus.yml');
    const { status, output } = promtool('check', 'config', config);
    expect(output, output).toMatch(/SUCCESS: 1 rule files found/);
    expect(status).toBe(0);
    const jobs = (parse(readFileSync(config, 'utf8')) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((c) => c.job_name);
    const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    const named = [...rules.map((r) => r.expr).join('\n').matchAll(/job="([^"]+)"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const job of named) expect(jobs).toContain(job);
  });

  it('passes its unit tests (promtool test rules)', () => {
    const { status, output } = promtool('test', 'rules', RULE_TESTS);
    expect(output, output).toMatch(/SUCCESS/);
    expect(status).toBe(0);
  });

  it('every alert has a severity, a summary and a description, and is tested both firing and quiet', () => {
    const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    const checks = (parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toMatch(/^Check first: /);
      const mine = checks.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert} fires in some test`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert} stays quiet in some test`).toBe(true);
    }
  });
});
