/**
 * A real Prometheus (Debian's `prometheus` package) for the alert tests: loopback only, its data in a
 * temporary folder, stopped after the test. `.ci/run` installs the package when it is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../temporal-cli/dev-server';

const INSTALL_HINT = 'install Debian\'s prometheus package (apt-get install prometheus), or set PROMETHEUS_BIN and PROMTOOL_BIN';

/** The path of a Prometheus binary (`prometheus` or `promtool`): the env variable, else Debian's. */
function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  const bin = process.env[`${name.toUpperCase()}_BIN`] ?? `/usr/bin/${name}`;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: ${INSTALL_HINT}`);
  return bin;
}

/** Runs promtool with `args`; its exit code and whole output. */
export function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(prometheusBinary('promtool'), args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * The rules with time compressed: each minute of a range (`[5m]`) and of a `for:` becomes
 * `secondsPerMinute` seconds, an hour 60 times that. The expressions and thresholds stay as shipped.
 */
export function compressTime(rulesYaml: string, secondsPerMinute: number): string {
  const seconds = (n: string, unit: string) => `${Number(n) * secondsPerMinute * (unit === 'h' ? 60 : 1)}s`;
  return rulesYaml.replace(/\[(\d+)([mh])\]/g, (_, n: string, unit: string) => `[${seconds(n, unit)}]`).replace(/\bfor: (\d+)([mh])\b/g, (_, n: string, unit: string) => `for: ${seconds(n, unit)}`);
}

interface AlertState {
  alertname: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  /** The alerts pending or firing now (an inactive one is not listed). */
  alerts(): Promise<AlertState[]>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (job `cpp-offer-cancellation-worker`) every second, evaluating `rulesYaml` every second. */
export async function startPrometheus(options: { targets: string[]; rulesYaml: string }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'prometheus-'));
  writeFileSync(path.join(dir, 'alerts.yml'), options.rulesYaml);
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: cpp-offer-cancellation-worker',
      `    static_configs: [{ targets: ${JSON.stringify(options.targets)} }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    prometheusBinary('prometheus'),
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (const started = Date.now(); ; ) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() - started > 30_000) {
      await stop();
      throw new Error(`prometheus did not become ready: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async alerts() {
      const body = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: AlertState['state'] }[] } };
      return body.data.alerts.map((a) => ({ alertname: a.labels.alertname ?? '', state: a.state, labels: a.labels }));
    },
    stop,
  };
}
