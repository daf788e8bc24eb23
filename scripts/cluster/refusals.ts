/**
 * The negative case of the frontend's mTLS, before the load: a worker process of ours started
 * (a) with the cluster's CA but no client certificate, and (b) with a client certificate of an
 * unrelated CA. The frontend must refuse each, and the worker must exit non-zero within
 * {@link REFUSAL_TIMEOUT_MS} with one line (src/client/temporal-connection.ts) that names the TLS
 * variables to fix; nothing may have started: no workflow in the namespace, no request to CPP.
 */
import type { Client } from '@temporalio/client';
import { spawnWorkerProcess } from '../../harness/worker-process';
import type { RunningSimulator } from '../../simulator/server';
import { WORKER_NODE_FLAGS } from '../../src/worker-process/node-flags';
import { workerEnv, type WorkerTarget } from './cluster-workers';
import type { PortAllocator } from './processes';
import { log } from './run-context';

/** A refused worker must have exited within this: its start-up alone (node, tsx) takes 4 s on 2 idle cores, 16 s on busy ones. */
const REFUSAL_TIMEOUT_MS = 60_000;

/** One refused start, as printed and kept in latest.json. */
interface Refusal {
  case: string;
  /** The worker's TEMPORAL_TLS_* variables (file names only). */
  variables: string[];
  exitCode: number | null;
  signal: string | null;
  /** From the spawn until the process had exited (or was killed at the timeout). */
  seconds: number;
  /** Every non-empty line it wrote, stderr's prefixed `err|`, stdout's `out|`. */
  output: string[];
  /** The line that says what to fix (its only line on stderr). */
  line?: string;
  /** What is wrong with the refusal; empty when it is as required. */
  problems: string[];
}

export interface RefusalCheck {
  refusals: Refusal[];
  /** What exists after the refused starts: must be nothing. */
  afterwards: { workflows: number; cppRequests: number };
  ok: boolean;
}

/** What a refused start must look like; the problems, if any. */
function problemsOf(r: Omit<Refusal, 'problems'>, address: string): string[] {
  const problems: string[] = [];
  if (r.exitCode === null) problems.push(`did not exit within ${REFUSAL_TIMEOUT_MS / 1000} s (killed${r.signal ? ` by ${r.signal}` : ''})`);
  else if (r.exitCode === 0) problems.push('exited 0');
  if (r.output.some((l) => l.includes('worker ready'))) problems.push('reported "worker ready"');
  const errors = r.output.filter((l) => l.startsWith('err|') || /"level":"(ERROR|WARN)/i.test(l));
  if (errors.length !== 1) problems.push(`printed ${errors.length} error lines, not one`);
  if (r.output.length !== errors.length) problems.push(`printed ${r.output.length - errors.length} other lines`);
  if (!r.line?.startsWith(`cannot reach Temporal at ${address} `)) problems.push(`its line does not start "cannot reach Temporal at ${address}"`);
  if (!r.line || !/TEMPORAL_TLS_CERT_PATH/.test(r.line) || !/TEMPORAL_TLS_KEY_PATH/.test(r.line)) problems.push('its line does not name TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH');
  return problems;
}

async function refusedStart(name: string, target: WorkerTarget, tls: Record<string, string>, ports: PortAllocator): Promise<Refusal> {
  const began = Date.now();
  const proc = spawnWorkerProcess({
    nodeFlags: WORKER_NODE_FLAGS,
    env: workerEnv(target, { HEALTH_ADDRESS: `127.0.0.1:${await ports.next()}` }, tls),
  });
  const timer = setTimeout(() => void proc.stop('SIGKILL', 1_000), REFUSAL_TIMEOUT_MS);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  const output = proc.lines.filter((l) => l.replace(/^(out|err)\|/, '').trim() !== '');
  const stderr = output.filter((l) => l.startsWith('err|')).map((l) => l.slice(4));
  const refusal = {
    case: name,
    variables: Object.keys(tls).filter((k) => k.startsWith('TEMPORAL_TLS_')),
    exitCode: signal ? null : code,
    signal,
    seconds: (Date.now() - began) / 1000,
    output,
    ...(stderr.length === 1 ? { line: stderr[0]! } : {}),
  };
  return { ...refusal, problems: problemsOf(refusal, target.temporalAddress) };
}

/** Both refused starts (at once), then what exists: no workflow, no CPP request. Logs a line per case. */
export async function checkRefusals(target: WorkerTarget, ports: PortAllocator, client: Client, simulator: RunningSimulator): Promise<RefusalCheck> {
  const { tls } = target;
  const refusals = await Promise.all([
    refusedStart('no client certificate (only the CA)', target, tls.workerEnv(null), ports),
    refusedStart('client certificate of an unrelated CA', target, tls.workerEnv(tls.foreign.client), ports),
  ]);
  const afterwards = { workflows: (await client.workflow.count()).count, cppRequests: simulator.requests().length };
  for (const r of refusals) {
    log(`refused: ${r.case}: exit ${r.exitCode ?? r.signal} after ${r.seconds.toFixed(1)} s${r.problems.length ? ` — NOT AS REQUIRED: ${r.problems.join('; ')}` : ''}`);
    for (const line of r.output) log(`  ${line}`);
  }
  const nothing = afterwards.workflows === 0 && afterwards.cppRequests === 0;
  log(`after the refused starts: ${afterwards.workflows} workflows in the namespace, ${afterwards.cppRequests} requests to CPP${nothing ? '' : ' — NOT AS REQUIRED: both must be 0'}`);
  return { refusals, afterwards, ok: nothing && refusals.every((r) => r.problems.length === 0) };
}

/** The refusals as the run prints them after its tables (docs/cluster.md quotes it). */
export function refusalTable(check: RefusalCheck): string {
  return [
    '| mTLS: worker started with | exit | after s | its line |',
    '|---|---|---|---|',
    ...check.refusals.map((r) => `| ${r.case} | ${r.exitCode ?? r.signal} | ${r.seconds.toFixed(1)} | ${r.line ?? r.output.join(' / ')}${r.problems.length ? ` **(${r.problems.join('; ')})**` : ''} |`),
    '',
    `after them: ${check.afterwards.workflows} workflows in the namespace, ${check.afterwards.cppRequests} requests to CPP`,
  ].join('\n');
}
