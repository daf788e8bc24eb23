/**
 * Starts `temporal server start-dev` and waits until its namespace answers.
 *
 * We launch the process ourselves instead of `TestWorkflowEnvironment.createLocal` because that
 * gives up after 5 seconds, which a loaded 2-core machine can exceed. When the resolver says
 * "sdk-download" we do use `createLocal`, so a laptop with internet needs no install step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_NAMES } from '../src/contract';
import { resolveTemporalCli, type ResolvedTemporalCli } from './resolve';

export interface DevServerOptions {
  /** @default '127.0.0.1' */
  ip?: string;
  /** gRPC port; 0 picks a free one. @default 0 */
  port?: number;
  /** Web UI port; `false` runs headless, 0 picks a free one. @default false */
  uiPort?: number | false;
  /** SQLite file that keeps state across restarts; in memory when absent. */
  dbFilename?: string;
  /** @default 'default' */
  namespace?: string;
  /** Where the server's own output goes; discarded when absent. */
  logFile?: string;
  /** Serve the server's Prometheus metrics (its request counters, read by the benchmark) on this port; 0 picks a free one. None when absent. */
  metricsPort?: number;
  /** How long to wait for the namespace to answer. @default 60_000 (60 s) */
  startupTimeoutMs?: number;
  /** An already resolved CLI, to skip resolution. */
  cli?: ResolvedTemporalCli;
  log?: (line: string) => void;
}

export interface RunningDevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** `http://…/metrics` when started with `metricsPort`. */
  metricsUrl?: string;
  /** The server process, for benchmarks that read its CPU time; unknown when the SDK launched it. */
  pid?: number;
  /** How the binary was found, for the logs. */
  describe: string;
  stop(): Promise<void>;
}

/** Asks the OS for a free TCP port on `ip`. */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `DescribeNamespace` until it answers or the deadline passes. */
async function waitForTemporal(address: string, namespace: string, timeoutMs: number, isAlive = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`Temporal dev server at ${address} exited during start-up`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a dev server with this project's search attributes registered up front. */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port || (await freePort(ip));
  const uiPort = options.uiPort === false || options.uiPort === undefined ? undefined : options.uiPort || (await freePort(ip));
  const cli = options.cli ?? (await resolveTemporalCli({ log: options.log }));
  const address = `${ip}:${port}`;
  const uiUrl = uiPort ? `http://${ip}:${uiPort}` : undefined;
  const metricsPort = options.metricsPort === undefined ? undefined : options.metricsPort || (await freePort(ip));
  const metricsUrl = metricsPort ? `http://${ip}:${metricsPort}/metrics` : undefined;

  if (cli.kind === 'sdk-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip, port, namespace,
        ui: uiPort !== undefined, uiPort,
        dbFilename: options.dbFilename,
        searchAttributes: SEARCH_ATTRIBUTE_NAMES.map((name) => ({ name, type: 'KEYWORD' as const })),
        extraArgs: metricsPort ? ['--metrics-port', String(metricsPort)] : [],
      },
    }).catch((err: unknown) => {
      throw new Error(`No local Temporal CLI, and the SDK could not download one (needs internet): ${String(err)}`);
    });
    return { address, namespace, uiUrl, metricsUrl, describe: 'Temporal CLI downloaded by @temporalio/testing', stop: () => env.teardown() };
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  args.push(...(uiPort ? ['--ui-port', String(uiPort), '--ui-ip', ip] : ['--headless']));
  if (metricsPort) args.push('--metrics-port', String(metricsPort));
  if (options.dbFilename) {
    await mkdir(path.dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  // The same switches createLocal sets, so tests behave as they would under the SDK's launcher.
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true');

  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.logFile) {
    await mkdir(path.dirname(options.logFile), { recursive: true });
    const sink = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(sink);
    child.stderr?.pipe(sink);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitForTemporal(address, namespace, options.startupTimeoutMs ?? 60_000, alive);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    address, namespace, uiUrl, metricsUrl,
    pid: child.pid,
    describe: `${cli.path} (${cli.version.split('\n')[0]}, via ${cli.source})`,
    stop: () => stopProcess(child),
  };
}
