/**
 * What every phase of the cluster test shares: its settings (from the environment), the run's own
 * deadline and log, the stops of what it started (run in reverse order whatever happens), and the
 * retry of a call that may meet a service being down.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../../src/contract';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';
import { sleep } from './processes';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

function readVersions(): Record<string, string> {
  const text = readFileSync(path.join(PROJECT_ROOT, 'deploy', 'versions.env'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
}

export const N = positive('CLUSTER_CANCELLATIONS', 1000);
export const START_RATE = positive('CLUSTER_START_RATE', 8);
export const DEADLINE_MS = positive('CLUSTER_DEADLINE_MINUTES', 25) * 60_000;
export const WORKERS = 3;
export const NAMESPACE = 'default';
export const TASK_QUEUE = DEFAULT_TASK_QUEUE;
/** `.data/cluster`; the upgrade drill (`npm run test:upgrade`) keeps its own, `.data/upgrade`. */
export const DATA_DIR = path.resolve(PROJECT_ROOT, process.env.CLUSTER_DATA_DIR || path.join('.data', 'cluster'));
export const LOG_DIR = path.join(DATA_DIR, 'logs');
export const VERSIONS = readVersions();

export const began = Date.now();
const deadline = began + DEADLINE_MS;
export const remaining = () => Math.max(0, deadline - Date.now());
export const elapsed = (from = began) => ((Date.now() - from) / 1000).toFixed(1);
export const log = (line: string) => console.log(`[cluster +${elapsed()} s] ${line}`);

/** What is running, to stop in reverse order whatever happens. */
const stops: Array<() => Promise<void>> = [];
export function onTeardown(stop: () => Promise<void>): void {
  stops.push(stop);
}
export async function teardown(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) {
    await stop().catch((err: unknown) => console.error(`[cluster] stop failed: ${String(err)}`));
  }
}

/** Retries a call that may meet a service being down; each try is bounded by `connection.withDeadline`. */
export async function retrying<T>(what: string, connection: Connection, fn: () => Promise<T>, timeoutMs: number, permanent: (err: unknown) => boolean = () => false): Promise<T> {
  const until = Math.min(deadline, Date.now() + timeoutMs);
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.withDeadline(Date.now() + 20_000, fn);
    } catch (err) {
      if (permanent(err) || Date.now() > until) throw new Error(`${what}: ${String(err)}`);
      await sleep(Math.min(250 * attempt, 2_000));
    }
  }
}
