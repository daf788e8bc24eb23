/**
 * Shared pieces of the reliability suite (test/reliability): sizes, worker child processes,
 * bounded waiting, history and secret scans, and the figures each test prints.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { arrayFromPayloads, defaultPayloadConverter } from '@temporalio/common';
import { inject } from 'vitest';
import { mapLimit } from '../../harness/concurrency';
import * as harness from '../../harness/worker-process';
import { readyLine } from '../../harness/worker-readiness';
import { type CallRetry } from '../../src/contract';
import { callRetryingSignal } from '../../src/contract/internal';
import { PROJECT_ROOT } from '../../temporal-cli/resolve';
import { historyText } from './history-text';
import { LOOPBACK_GUARD_MARKER } from './loopback-guard-marker';

/** `RELIABILITY_FULL=1` (`npm run test:reliability`) runs the full sizes; otherwise CI sizes. */
export const RELIABILITY_FULL = process.env.RELIABILITY_FULL === '1' || process.env.RELIABILITY_FULL === 'true';

/** The CI size, or the full one under `RELIABILITY_FULL=1`. */
export function size(ci: number, full: number): number {
  return RELIABILITY_FULL ? full : ci;
}

/**
 * Every secret the suite makes contains this, so a scan of anything (histories of other files'
 * runs included) can look for it without knowing the exact values.
 */
export const SECRET_MARKER = 'RELIABILITY-SECRET';

/** The prefix of test/helpers/stack.ts's token, so scans also cover the other test files' runs. */
const STACK_TOKEN_MARKER = 'sim-token-SECRET-';

/**
 * Secrets no scan can know by value, recognised by their form: a complete signed JWT (every token
 * an Entra authority issues, the fake one's included) and a PEM private key, or the start of a
 * PKCS#8 RSA key's base64 body (a client certificate's key). Nothing the product writes has
 * either form.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
  /PRIVATE KEY-----/,
  /IBADANBgkqhkiG9w0BAQEFAASC/,
];

/** A fresh, recognisable secret: `RELIABILITY-SECRET-<kind>-<uuid>`. */
export function makeSecret(kind: string): string {
  return `${SECRET_MARKER}-${kind}-${randomUUID()}`;
}

/** The suite's files import it from here with the rest of their helpers. */
export { mapLimit };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** `promise`, or a rejection after `ms` (the promise itself keeps running). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Everything an error carries (message, cause chain, details, own fields), as text for secret scans. */
export function errorText(err: unknown): string {
  return inspect(err, { depth: 12, showHidden: false, breakLength: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity });
}

/** The WorkflowTaskFailed events of a run (should always be none). */
export async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.filter((e) => e.workflowTaskFailedEventAttributes).length ?? 0;
}

/** The failed attempts Temporal retried, as the run's `cppCallRetrying` notices report them (`call: type message`). */
export async function retriedFailures(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== callRetryingSignal.name) return [];
    const [notice] = arrayFromPayloads(defaultPayloadConverter, signal.input?.payloads) as [CallRetry | undefined];
    return notice?.lastError ? [`${notice.call}: ${notice.lastError.type} ${notice.lastError.message}`] : [];
  });
}

/** Where the suite keeps its figures and logs between files. */
export const RELIABILITY_CACHE_DIR = path.join(PROJECT_ROOT, 'test', '.cache', 'reliability');

/**
 * Prints one summary line (`[reliability] <test>: k=v, …`) and appends it to
 * test/.cache/reliability/figures.jsonl so the figures can be quoted after a run.
 */
export function reportFigures(test: string, figures: Record<string, unknown>): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  console.log(`[reliability] ${test}${RELIABILITY_FULL ? ' (full)' : ' (ci)'}: ${line}`);
  mkdirSync(RELIABILITY_CACHE_DIR, { recursive: true });
  appendFileSync(path.join(RELIABILITY_CACHE_DIR, 'figures.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), full: RELIABILITY_FULL, test, ...figures })}\n`);
}

/**
 * Run markers, so the namespace-wide secret scan can wait for the other reliability files running
 * in parallel: keyed by the run's Temporal address (a fresh port per `vitest` run).
 */
function runDir(runKey: string): string {
  return path.join(RELIABILITY_CACHE_DIR, 'runs', runKey.replace(/[^\w.-]/g, '_'));
}

/** Marks a reliability file as started (`phase: 'started'`) or finished (`'done'`) in this run. */
export function markFile(runKey: string, file: string, phase: 'started' | 'done'): void {
  const dir = runDir(runKey);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${phase}-${file}`), new Date().toISOString());
}

/**
 * Waits (bounded) until every other reliability file that has started in this run is done. Files
 * not started yet are not waited for: they may be queued behind the caller in the same fork.
 */
export async function waitForStartedFiles(runKey: string, self: string, timeoutMs: number): Promise<string[]> {
  const dir = runDir(runKey);
  const pending = () => {
    if (!existsSync(dir)) return [];
    const names = readdirSync(dir);
    return names
      .filter((n) => n.startsWith('started-') && n !== `started-${self}`)
      .map((n) => n.slice('started-'.length))
      .filter((f) => !names.includes(`done-${f}`));
  };
  const deadline = Date.now() + timeoutMs;
  while (pending().length > 0 && Date.now() < deadline) await sleep(1_000);
  return pending();
}

/**
 * Where in `text` each needle occurs (a short excerpt per hit), for a readable failure. A needle
 * is a secret's exact value or a pattern of its form (see {@link SECRET_PATTERNS}).
 */
export function findLeaks(source: string, text: string, needles: readonly (string | RegExp)[]): string[] {
  const leaks: string[] = [];
  for (const needle of needles) {
    const match = typeof needle === 'string' ? (text.includes(needle) ? { at: text.indexOf(needle), length: needle.length } : undefined) : matchOf(needle, text);
    if (match) leaks.push(`${source}: …${text.slice(Math.max(0, match.at - 80), match.at + match.length + 20)}…`);
  }
  return leaks;
}

function matchOf(pattern: RegExp, text: string): { at: number; length: number } | undefined {
  const found = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
  return found ? { at: found.index, length: found[0].length } : undefined;
}

/** Decoded text of the histories of every execution `query` matches (all runs), `limit` fetched at once. */
export async function historiesText(client: Client, query: string | undefined, limit = 8): Promise<{ id: string; text: string }[]> {
  const executions: { workflowId: string; runId: string }[] = [];
  for await (const execution of client.workflow.list(query === undefined ? {} : { query })) {
    executions.push({ workflowId: execution.workflowId, runId: execution.runId });
  }
  return mapLimit(executions, limit, async ({ workflowId, runId }) => ({
    id: `${workflowId}/${runId}`,
    text: historyText(await client.workflow.getHandle(workflowId, runId).fetchHistory()),
  }));
}

/**
 * Scans every history in the namespace (all files' runs so far) for the suite's secret markers and
 * for anything shaped like a token or a private key ({@link SECRET_PATTERNS}). Each reliability
 * file runs it at its end, so whichever file ends last has scanned everything.
 */
export async function scanNamespaceForSecrets(
  client: Client,
  extraNeedles: readonly (string | RegExp)[] = [],
): Promise<{ historiesScanned: number; withDecodedPayloads: number; leaks: string[] }> {
  const histories = await historiesText(client, undefined, 16);
  const needles = [SECRET_MARKER, STACK_TOKEN_MARKER, ...SECRET_PATTERNS, ...extraNeedles];
  return {
    historiesScanned: histories.length,
    // Proof the scan reads decoded payloads: the inputs' e-mail addresses exist only inside them.
    withDecodedPayloads: histories.filter((h) => h.text.includes('@contoso.com')).length,
    leaks: histories.flatMap((h) => findLeaks(`history ${h.id}`, h.text, needles)),
  };
}

/** Options of {@link spawnWorkerProcess}. */
export interface WorkerProcessOptions {
  /** A name for log prefixes. */
  name: string;
  /** @default the test run's dev server (`inject('temporalAddress')`) */
  temporalAddress?: string;
  /** @default the test run's namespace */
  namespace?: string;
  taskQueue: string;
  cppBaseUrl: string;
  /** `CPP_ACCESS_TOKEN`; leave out to configure Entra through `env`. */
  accessToken?: string;
  /** @default the bundle global-setup built; `null` to let the worker bundle its own */
  workflowBundlePath?: string | null;
  /** More environment (LOG_LEVEL, AZURE_*). */
  env?: Record<string, string>;
}

/** A worker running as `node --import tsx src/worker.ts`, its output kept line by line. */
export interface WorkerProcess extends Pick<harness.WorkerProcess, 'child' | 'lines' | 'exited'> {
  name: string;
  /** Resolves when the worker printed `worker ready`; rejects if it exits first. */
  ready: Promise<void>;
  /** Lines in which the loopback guard reported a refused connection. */
  blockedConnections(): string[];
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const LOOPBACK_GUARD = path.join(PROJECT_ROOT, 'test', 'helpers', 'loopback-guard.mjs');

/** Only the environment given here (plus PATH/HOME): nothing of the test process's leaks in. */
function workerEnv(options: WorkerProcessOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
    TEMPORAL_NAMESPACE: options.namespace ?? inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    CPP_BASE_URL: options.cppBaseUrl,
    LOG_LEVEL: 'INFO',
    ...(options.accessToken !== undefined ? { CPP_ACCESS_TOKEN: options.accessToken } : {}),
    ...(options.workflowBundlePath === null ? {} : { WORKFLOW_BUNDLE_PATH: options.workflowBundlePath ?? inject('workflowBundlePath') }),
    ...options.env,
  };
}

/**
 * Starts the product's worker entry point as a child process (harness/worker-process.ts), with
 * only the environment given here, the loopback guard preloaded and a fresh SDK runtime.
 */
export function spawnWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const worker = harness.spawnWorkerProcess({ env: workerEnv(options), preloads: [LOOPBACK_GUARD] });
  const ready = readyLine(worker).then(
    () => undefined,
    (err: unknown) => Promise.reject(new Error(`worker ${options.name} was not ready: ${String(err)}`)),
  );
  // A worker that is expected to exit at start (bad configuration) need not have its readiness awaited.
  ready.catch(() => undefined);
  return {
    name: options.name,
    child: worker.child,
    lines: worker.lines,
    ready,
    exited: worker.exited,
    blockedConnections: () => worker.lines.filter((l) => l.includes(LOOPBACK_GUARD_MARKER)),
    async kill() {
      await worker.stop('SIGKILL');
    },
    async stop(graceMs = 15_000) {
      await worker.stop('SIGTERM', graceMs);
    },
  };
}
