/**
 * `npm run dev`: the whole stack on one machine, in one process tree — the Temporal dev server
 * (Web UI on, state kept in .data/), the CPP simulator with its demo offers, and the worker.
 * Ctrl-C stops all three. With TEMPORAL_ADDRESS set, that server is used instead of starting one;
 * with CPP_BASE_URL set, that API instead of the simulator.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { loadWorkerConfig } from '../src/worker-process/config';
import { type TemporalConfig } from '../src/client/temporal-config';
import { DEFAULT_TASK_QUEUE, WORKFLOW_TYPE, defaultWorkflowId } from '../src/contract';
import { temporalConnectionOptions } from '../src/client/temporal-connection';
import { DEV_STACK_FILE, type DevStackFile } from '../src/client/dev-stack-address';
import { ensureNexusEndpoint, ensureSearchAttributes } from '../src/client/namespace-setup';
import { StaticTokenProvider, createTokenProviderFromEnv } from '../src/cpp/token-provider';
import { startSummary } from '../src/workflow-safe/progress-summary';
import type { SimulatorSeed } from '../simulator/scenario';
import { describeSeed, loadSeedFile } from '../simulator/seed';
import { PROJECT_ROOT } from '../temporal-cli/resolve';
import { createCancellationWorker } from '../src/worker-process/create-worker';
import { startStack, type StackParts } from '../harness/stack';

const DEMO_TOKEN = 'sim-token';
const DEMO_PUBLISHER = 'contoso';
const DEMO_EMAIL = 'jondoe@contoso.com';
const SEED_FILE = path.join(PROJECT_ROOT, 'simulator', 'seed.example.json');
const IP = '127.0.0.1';

function say(source: string, message: string): void {
  console.log(`[${source.padEnd(9)}] ${message}`);
}

/** Options of {@link startDevStack}; each port otherwise comes from the environment, or its default. */
export interface DevStackOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  temporalPort?: number;
  /** `false` runs the dev server without its Web UI. */
  uiPort?: number | false;
  simulatorPort?: number;
  /** Where the dev server keeps its SQLite file and log. @default $DEV_DATA_DIR or .data/ */
  dataDir?: string;
}

/** The running `npm run dev` stack: where its parts answer, and how to stop them all. */
export interface DevStack {
  temporalAddress: string;
  uiUrl?: string;
  simulatorUrl: string;
  taskQueue: string;
  /** The simulator's seed (its demo offers); absent when CPP_BASE_URL names another API. */
  seed?: SimulatorSeed;
  stop(): Promise<void>;
}

/** A port `npm run dev` listens on, and the variable that moves it. */
interface NeededPort {
  port: number;
  what: string;
  variable: string;
}

/** Raised before anything starts when a port is taken or another `npm run dev` uses the data directory; one line. */
export class DevStackInUseError extends Error {
  override readonly name = 'DevStackInUseError';
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, IP, () => server.close(() => resolve(true)));
  });

/** The first free port after `port` that nobody else here needs, for a suggestion that works as printed. */
async function freeNear(port: number, avoid: Set<number>): Promise<number | undefined> {
  for (let candidate = port + 1; candidate < port + 50 && candidate <= 65535; candidate++) {
    if (!avoid.has(candidate) && (await isFree(candidate))) return candidate;
  }
  return undefined;
}

/**
 * Checks every port before anything starts: the dev server would otherwise find another's server
 * answering on its port and report it ready, and the simulator would die on a bare EADDRINUSE.
 */
async function ensurePortsFree(needed: NeededPort[], dataDirVariable: string | undefined): Promise<void> {
  const taken: NeededPort[] = [];
  for (const need of needed) if (!(await isFree(need.port))) taken.push(need);
  if (taken.length === 0) return;
  const avoid = new Set(needed.map((n) => n.port));
  const moves: string[] = [];
  for (const { port, variable } of taken) {
    const free = await freeNear(port, avoid);
    if (free !== undefined) avoid.add(free);
    moves.push(`${variable}=${free ?? '<free port>'}`);
  }
  if (dataDirVariable) moves.push(dataDirVariable);
  const list = taken.map((t) => `${t.port} (${t.what}, ${t.variable})`).join(', ');
  throw new DevStackInUseError(
    `port${taken.length > 1 ? 's' : ''} ${list} already in use on ${IP} — is another npm run dev running? Stop it, or run this one beside it: ${moves.join(' ')} npm run dev`,
  );
}

/** Whether process `pid` is alive (another `npm run dev` holding the data directory). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another live `npm run dev` that holds `dataDir` (a second dev server on the same SQLite file would fight the first). */
async function dataDirHolder(dataDir: string): Promise<number | undefined> {
  const lockFile = path.join(dataDir, 'dev.pid');
  const holder = existsSync(lockFile) ? Number((await readFile(lockFile, 'utf8')).trim()) : NaN;
  return Number.isInteger(holder) && holder !== process.pid && alive(holder) ? holder : undefined;
}

/** A data directory beside the default that no live `npm run dev` holds: `.data-2`, `.data-3`, … */
async function freeDataDir(): Promise<string> {
  for (let n = 2; ; n++) if ((await dataDirHolder(path.join(PROJECT_ROOT, `.data-${n}`))) === undefined) return `.data-${n}`;
}

/** Claims `dataDir` for this process; returns its release. */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, 'dev.pid');
  await mkdir(dataDir, { recursive: true });
  await writeFile(lockFile, `${process.pid}\n`);
  return () => rm(lockFile, { force: true });
}

/** Writes where this stack answers, for the commands run beside it; returns the file. */
async function writeDevStackFile(dataDir: string, stack: DevStackFile): Promise<string> {
  const file = path.join(dataDir, DEV_STACK_FILE);
  await writeFile(file, `${JSON.stringify(stack, null, 2)}\n`);
  return file;
}

/** The options of the harness's stack for `env`: Temporal and the simulator unless `env` names its own. */
function stackParts(env: NodeJS.ProcessEnv, options: DevStackOptions, dataDir: string, seed: SimulatorSeed | undefined) {
  const ports = devPorts(env, options);
  const temporal = env.TEMPORAL_ADDRESS
    ? { address: env.TEMPORAL_ADDRESS }
    : {
        ip: IP,
        port: ports.temporal,
        uiPort: ports.ui,
        dbFilename: path.join(dataDir, 'temporal-dev.db'),
        logFile: path.join(dataDir, 'temporal-dev.log'),
        log: (line: string) => say('temporal', line),
      };
  // Its offers and operations outlive a restart, as CPP's would: a cancellation in flight finds its operation again.
  const simulator = seed ? { host: IP, port: ports.simulator, tokens: [DEMO_TOKEN], seed, stateFile: path.join(dataDir, 'simulator-state.json') } : undefined;
  return { temporal, simulator };
}

function devPorts(env: NodeJS.ProcessEnv, options: DevStackOptions) {
  return {
    temporal: options.temporalPort ?? Number(env.DEV_TEMPORAL_PORT ?? 7233),
    ui: options.uiPort ?? Number(env.DEV_UI_PORT ?? 8233),
    simulator: options.simulatorPort ?? Number(env.SIMULATOR_PORT ?? 7450),
  };
}

/**
 * The production worker (src/worker.ts's `createCancellationWorker`, configured from `env`) on the
 * stack's Temporal and simulator. A failed run is reported, not thrown: Ctrl-C must still stop the rest.
 */
function devWorker(env: NodeJS.ProcessEnv) {
  return async ({ temporal, simulator }: StackParts) => {
    // The simulator serves both APIs on one port, Product Ingestion under its real path.
    const workerEnv: NodeJS.ProcessEnv = { ...env, TEMPORAL_ADDRESS: temporal.address, ...(simulator ? { CPP_BASE_URL: simulator.url, INGESTION_BASE_URL: `${simulator.url}/rp/product-ingestion` } : {}) };
    const config = loadWorkerConfig(workerEnv);
    const tokenProvider = simulator ? new StaticTokenProvider(DEMO_TOKEN) : createTokenProviderFromEnv(workerEnv);
    // What `npm run setup` does, before the worker checks for it: a server of your own (TEMPORAL_ADDRESS) may lack it.
    const setupLines = await setUpNamespace(config.temporal);
    const worker = await createCancellationWorker({ config, tokenProvider, ...(simulator ? { ingestionTokenProvider: new StaticTokenProvider(DEMO_TOKEN) } : {}) });
    return { ...worker, config, setupLines, run: () => worker.run().catch((err: unknown) => say('worker', `stopped with ${String(err)}`)) };
  };
}

/**
 * Starts the stack (the harness's: parts already started are stopped when a later one fails, so no
 * orphaned dev server keeps the port or the SQLite file busy); exported so a test can drive the same
 * code path as `npm run dev`.
 *
 * @throws DevStackInUseError before starting anything when a port or the data directory is taken.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? path.resolve(PROJECT_ROOT, env.DEV_DATA_DIR || '.data');
  const ports = devPorts(env, options);
  const needed: NeededPort[] = [];
  if (!env.TEMPORAL_ADDRESS) {
    needed.push({ port: ports.temporal, what: 'Temporal gRPC', variable: 'DEV_TEMPORAL_PORT' });
    if (ports.ui !== false) needed.push({ port: ports.ui, what: 'Temporal UI', variable: 'DEV_UI_PORT' });
  }
  if (!env.CPP_BASE_URL) needed.push({ port: ports.simulator, what: 'CPP simulator', variable: 'SIMULATOR_PORT' });
  const holder = env.TEMPORAL_ADDRESS ? undefined : await dataDirHolder(dataDir);
  // Port 0 means "any free one": nothing to check.
  const otherDataDir = holder ? `DEV_DATA_DIR=${await freeDataDir()}` : undefined;
  await ensurePortsFree(
    needed.filter((n) => n.port !== 0),
    otherDataDir,
  );
  if (holder) {
    throw new DevStackInUseError(
      `${path.relative(PROJECT_ROOT, dataDir) || dataDir}/ is in use by another npm run dev (pid ${holder}) — stop it, or give this one its own: ${otherDataDir} npm run dev`,
    );
  }
  const release = env.TEMPORAL_ADDRESS ? undefined : await claimDataDir(dataDir);
  try {
    const seed = env.CPP_BASE_URL ? undefined : await loadSeedFile(SEED_FILE);
    if (!env.TEMPORAL_ADDRESS) say('temporal', 'starting the dev server (first start can take a few seconds)…');
    const stack = await startStack({ ...stackParts(env, options, dataDir, seed), worker: devWorker(env) });
    const { devServer, simulator, worker } = stack;
    if (devServer) say('temporal', `ready at ${devServer.address} (${devServer.describe}); UI ${devServer.uiUrl ?? 'off'}`);
    if (simulator) say('simulator', `CPP simulator at ${simulator.url} (admin API under ${simulator.url}/_admin)`);
    const { temporal, cpp } = worker.config;
    say('worker', `polling task queue ${temporal.taskQueue} on ${temporal.address}; CPP ${cpp.baseUrl}`);
    for (const line of worker.setupLines) say('temporal', line);
    // Commands run without TEMPORAL_ADDRESS in this checkout find this stack by it (src/client/dev-stack-address.ts).
    const stackFile = release ? await writeDevStackFile(dataDir, { pid: process.pid, temporalAddress: temporal.address, uiUrl: devServer?.uiUrl, simulatorUrl: simulator?.url, taskQueue: temporal.taskQueue }) : undefined;
    return {
      temporalAddress: temporal.address,
      uiUrl: devServer?.uiUrl,
      simulatorUrl: simulator?.url ?? cpp.baseUrl,
      taskQueue: temporal.taskQueue,
      seed,
      stop: async () => {
        if (stackFile) await rm(stackFile, { force: true });
        await stack.stop((err) => say('dev', `clean-up failed: ${String(err)}`));
        await release?.();
      },
    };
  } catch (err) {
    await release?.();
    throw err;
  }
}

/**
 * Registers the search attributes the namespace lacks and creates the Nexus endpoint other namespaces
 * call us through (as `npm run setup` does); lines saying how it went. A failure to create the endpoint
 * is only reported: the cancellations themselves do not need it.
 */
async function setUpNamespace(config: TemporalConfig): Promise<string[]> {
  const { namespace, taskQueue, nexusEndpoint } = config;
  const connection = await Connection.connect(await temporalConnectionOptions(config));
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    const lines = added.length > 0 ? [`search attributes ${added.join(', ')} registered on namespace ${namespace}`] : [];
    try {
      const how = await ensureNexusEndpoint(connection, { name: nexusEndpoint, namespace, taskQueue });
      lines.push(`Nexus endpoint ${nexusEndpoint} (${how}) → namespace ${namespace}, task queue ${taskQueue}`);
    } catch (err) {
      lines.push(`Nexus endpoint ${nexusEndpoint} not created: ${err instanceof Error ? err.message : String(err)}`);
    }
    return lines;
  } finally {
    await connection.close();
  }
}

/** The addresses the starter CLI and the Temporal CLI use by default; any other is spelled out. */
const DEFAULT_ADDRESSES = new Set(['localhost:7233', '127.0.0.1:7233']);

/** Which offer the printed commands cancel: a demo offer of the simulator, or, against a real CPP, yours. */
interface CommandOffer {
  publisherId: string;
  offerId: string;
  email: string;
}

const demoOffer = (offerId: string): CommandOffer => ({ publisherId: DEMO_PUBLISHER, offerId, email: DEMO_EMAIL });
/** With CPP_BASE_URL set there are no demo offers: the commands name what to fill in. */
const REAL_OFFER: CommandOffer = { publisherId: '<publisherId>', offerId: '<offerId>', email: '<you@your-company.com>' };

/**
 * The demo cancellation as a starter CLI command, exactly as printed by `npm run dev` (the test runs it).
 * `npm start --` is `tsx src/starter.ts`.
 */
export function demoCliCommand(stack: Pick<DevStack, 'temporalAddress' | 'taskQueue'>, offerId = 'contoso-offer', offer: CommandOffer = demoOffer(offerId)): { env: Record<string, string>; args: string[]; text: string } {
  const env: Record<string, string> = DEFAULT_ADDRESSES.has(stack.temporalAddress) ? {} : { TEMPORAL_ADDRESS: stack.temporalAddress };
  if (stack.taskQueue !== DEFAULT_TASK_QUEUE) env.TEMPORAL_TASK_QUEUE = stack.taskQueue;
  const args = ['--publisher', offer.publisherId, '--offer', offer.offerId, '--email', offer.email, '--wait'];
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  return { env, args, text: `${prefix}npm start -- ${args.join(' ')}` };
}

/** The demo configure job that `npm run dev` prints a command for: cancelled at once, its summary read. */
export const DEMO_JOB_ID = '00000000-0000-4000-8000-000000000001';

/** A Product Ingestion job's cancellation as a CLI command, as printed by `npm run dev` (the test runs it). */
export function demoJobCommand(stack: Pick<DevStack, 'temporalAddress' | 'taskQueue'>, jobId = DEMO_JOB_ID): { env: Record<string, string>; args: string[]; text: string } {
  const { env } = demoCliCommand(stack);
  const args = ['--job', jobId, '--wait'];
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  return { env, args, text: `${prefix}npm start -- ${args.join(' ')}` };
}

/**
 * The same cancellation through the Temporal CLI (`npm run temporal --` runs the project's resolved
 * binary, which is not on PATH): a start and a progress query, as printed; the test runs them.
 */
export function demoTemporalCommands(stack: Pick<DevStack, 'temporalAddress' | 'taskQueue'>, offerId = 'long-offer', offer: CommandOffer = demoOffer(offerId)): { start: string[]; query: string[]; text: string[] } {
  const workflowId = defaultWorkflowId(offer.publisherId, offer.offerId);
  const address = DEFAULT_ADDRESSES.has(stack.temporalAddress) ? [] : ['--address', stack.temporalAddress];
  const input = JSON.stringify({ publisherId: offer.publisherId, offerId: offer.offerId, notificationEmails: [offer.email] });
  const start = ['workflow', 'start', ...address, '--type', WORKFLOW_TYPE, '--task-queue', stack.taskQueue, '--workflow-id', workflowId, '--static-summary', startSummary(offer.publisherId, offer.offerId), '--input', input];
  const query = ['workflow', 'query', ...address, '--workflow-id', workflowId, '--name', 'progress'];
  const quote = (arg: string) => (/^[\w./:=@-]+$/.test(arg) ? arg : `'${arg}'`);
  const text = [start, query].map((args) => `npm run temporal -- ${args.map(quote).join(' ')}`);
  return { start, query, text };
}

/** What `npm run dev` prints once the stack runs: where things are, the three ways to start, the demo offers (or, against a real CPP, what to fill in). */
export function welcomeText(stack: DevStack): string {
  const offer = stack.seed ? demoOffer('contoso-offer') : REAL_OFFER;
  const input = JSON.stringify({ publisherId: offer.publisherId, offerId: offer.offerId, notificationEmails: [offer.email] });
  const temporalCli = demoTemporalCommands(stack, 'long-offer', stack.seed ? demoOffer('long-offer') : REAL_OFFER);
  const offers = stack.seed ? describeSeed(stack.seed, '    ') : [];
  return [
    '',
    'Ready. Start a cancellation in any of three ways:',
    '',
    `  CLI:           ${demoCliCommand(stack, offer.offerId, offer).text}`,
    `  Temporal UI:   ${stack.uiUrl ? `${stack.uiUrl} → Workflows → Start Workflow` : '(not started here: TEMPORAL_ADDRESS is set)'}`,
    `                 Workflow ID ${defaultWorkflowId(offer.publisherId, offer.offerId)} · Task Queue ${stack.taskQueue} · Workflow Type ${WORKFLOW_TYPE}`,
    `                 Input → Data: ${input}`,
    `  Temporal CLI:  ${temporalCli.text[0]}`,
    `                 ${temporalCli.text[1]}`,
    ...(stack.seed ? [`  A Product Ingestion configure job: ${demoJobCommand(stack).text}`] : []),
    '',
    ...(offers.length > 0
      ? [`  Demo offers (publisher ${DEMO_PUBLISHER}; use any as --offer or offerId) and configure jobs (Product Ingestion API, by job id); each can be cancelled again and again:`, ...offers, '']
      : [`  CPP: ${stack.simulatorUrl} (CPP_BASE_URL), with your credentials: real offers only; put your publisher, offer and e-mail in place of the <…>.`, '']),
    '  Each finished cancellation prints one line here. Ctrl-C stops everything.',
    '',
  ].join('\n');
}

const SEVERITY: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** `Type: message` of a failure, on one line. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const type = error instanceof ApplicationFailure && error.type ? error.type : error.name;
  const message = error.message.replace(/\s+/g, ' ').trim();
  return `${type}: ${message.length > 200 ? `${message.slice(0, 199)}…` : message}`;
}

/**
 * The dev console's view of the worker's log (the same entries `npm run worker` writes as JSON):
 * entries at `level` or above, plus the workflow's one line per finished cancellation (INFO) always.
 * The SDK's bare `Workflow failed` / `Activity failed` get the workflow id and the reason; a
 * `Workflow failed` that follows its run's own finished line is left out, since that line says it,
 * and so is (above INFO) an activity failure that is final: the run's finished line follows.
 */
export class DevConsoleLog {
  private readonly finishedRuns = new Set<string>();

  constructor(
    private readonly level: LogLevel,
    private readonly write: (line: string) => void = (line) => say('worker', line),
  ) {}

  /** The Runtime logger: passes INFO through at least, so the finished lines arrive whatever `level` says. */
  logger(): DefaultLogger {
    const floor: LogLevel = SEVERITY[this.level] < SEVERITY.INFO ? this.level : 'INFO';
    return new DefaultLogger(floor, (entry) => {
      const line = this.format(entry);
      if (line !== undefined) this.write(line);
    });
  }

  /** The console line for `entry`, or undefined to leave it out. */
  format(entry: LogEntry): string | undefined {
    const meta = entry.meta ?? {};
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    const runId = typeof meta.runId === 'string' ? meta.runId : undefined;
    if (isFinishedLine(entry)) {
      if (runId) this.finishedRuns.add(runId);
      return entry.message;
    }
    if (SEVERITY[entry.level] < SEVERITY[this.level]) return undefined;
    if (entry.message === 'Workflow failed') {
      if (runId && this.finishedRuns.delete(runId)) return undefined;
      return `${entry.level} workflow ${workflowId ?? '?'} failed: ${errorText(meta.error)}`;
    }
    if (entry.message === 'Activity failed') {
      const error: unknown = meta.error;
      // A retried one: the activity's own line says it, numbered as the CLI and the UI number attempts.
      if (error instanceof ApplicationFailure && !error.nonRetryable) return undefined;
      // A final failure ends the run, whose finished line says it: shown only when asked for more (LOG_LEVEL=INFO).
      if (SEVERITY[this.level] > SEVERITY.INFO) return undefined;
      return `${entry.level} ${String(meta.activityType ?? 'activity')} of ${workflowId ?? '?'} failed: ${errorText(error)}`;
    }
    const context = workflowId ? ` (${workflowId})` : '';
    const error = meta.error !== undefined ? `: ${errorText(meta.error)}` : '';
    return `${entry.level} ${entry.message}${context}${error}`;
  }
}

/** The workflow's line for a finished cancellation (src/workflows/cancellation-run.ts): it carries outcome, duration and polls. */
function isFinishedLine(entry: LogEntry): boolean {
  const meta = entry.meta ?? {};
  return entry.level === 'INFO' && 'outcome' in meta && 'durationMs' in meta && 'polls' in meta;
}

async function main(): Promise<void> {
  const level = (process.env.LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  if (!(level in SEVERITY)) throw new Error(`LOG_LEVEL: must be TRACE, DEBUG, INFO, WARN or ERROR, got "${process.env.LOG_LEVEL}"`);
  Runtime.install({ logger: new DevConsoleLog(level).logger() });
  const stack = await startDevStack();
  console.log(welcomeText(stack));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say('dev', `${signal}: stopping worker, simulator and Temporal…`);
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`npm run dev: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
