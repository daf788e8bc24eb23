/**
 * `npm run dev`: the whole stack on one machine, in one process tree — the Temporal dev server
 * (Web UI on, state kept in .data/), the CPP simulator with demo offers, and the worker.
 * Ctrl-C stops all three. With TEMPORAL_ADDRESS set, that server is used instead of starting one.
 */
import path from 'node:path';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { loadWorkerConfig } from '../src/config';
import { DEFAULT_TASK_QUEUE } from '../src/contract';
import { StaticTokenProvider, createTokenProviderFromEnv } from '../src/cpp/token-provider';
import { loadSeedFile } from '../src/simulator/seed';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { createCancellationWorker } from '../src/worker';
import { startStack, type StackParts } from '../harness/stack';

const DEMO_TOKEN = 'sim-token';

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
  /** Where the dev server keeps its SQLite file and log. @default .data/ */
  dataDir?: string;
}

/** The running `npm run dev` stack: where its parts answer, and how to stop them all. */
export interface DevStack {
  temporalAddress: string;
  uiUrl?: string;
  simulatorUrl: string;
  taskQueue: string;
  stop(): Promise<void>;
}

/** The options of the harness's stack for `env`: Temporal and the simulator unless `env` names its own. */
async function stackParts(env: NodeJS.ProcessEnv, options: DevStackOptions) {
  const dataDir = options.dataDir ?? path.join(PROJECT_ROOT, '.data');
  const temporal = env.TEMPORAL_ADDRESS
    ? { address: env.TEMPORAL_ADDRESS }
    : {
        port: options.temporalPort ?? Number(env.DEV_TEMPORAL_PORT ?? 7233),
        uiPort: options.uiPort ?? Number(env.DEV_UI_PORT ?? 8233),
        dbFilename: path.join(dataDir, 'temporal-dev.db'),
        logFile: path.join(dataDir, 'temporal-dev.log'),
        log: (line: string) => say('temporal', line),
      };
  const simulator = env.CPP_BASE_URL
    ? undefined
    : {
        port: options.simulatorPort ?? Number(env.SIMULATOR_PORT ?? 7450),
        tokens: [DEMO_TOKEN],
        seed: await loadSeedFile(path.join(PROJECT_ROOT, 'simulator', 'seed.example.json')),
      };
  return { temporal, simulator };
}

/**
 * The production worker (src/worker.ts's `createCancellationWorker`, configured from `env`) on the
 * stack's Temporal and simulator. A failed run is reported, not thrown: Ctrl-C must still stop the rest.
 */
function devWorker(env: NodeJS.ProcessEnv) {
  return async ({ temporal, simulator }: StackParts) => {
    const workerEnv: NodeJS.ProcessEnv = { ...env, TEMPORAL_ADDRESS: temporal.address, ...(simulator ? { CPP_BASE_URL: simulator.url } : {}) };
    const config = loadWorkerConfig(workerEnv);
    const tokenProvider = simulator ? new StaticTokenProvider(DEMO_TOKEN) : createTokenProviderFromEnv(workerEnv);
    const worker = await createCancellationWorker({ config, tokenProvider });
    return { ...worker, config, run: () => worker.run().catch((err: unknown) => say('worker', `stopped with ${String(err)}`)) };
  };
}

/**
 * Starts the stack (the harness's: parts already started are stopped when a later one fails, so no
 * orphaned dev server keeps the port or the SQLite file busy); exported so a test can drive the same
 * code path as `npm run dev`.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const env = options.env ?? process.env;
  if (!env.TEMPORAL_ADDRESS) say('temporal', 'starting the dev server (first start can take a few seconds)…');
  const stack = await startStack({ ...(await stackParts(env, options)), worker: devWorker(env) });
  const { devServer, simulator, worker } = stack;
  if (devServer) say('temporal', `ready at ${devServer.address} (${devServer.describe}); UI ${devServer.uiUrl ?? 'off'}`);
  if (simulator) say('simulator', `CPP simulator at ${simulator.url} (admin API under ${simulator.url}/_admin)`);
  const { temporal, cpp } = worker.config;
  say('worker', `polling task queue ${temporal.taskQueue} on ${temporal.address}; CPP ${cpp.baseUrl}`);
  return {
    temporalAddress: temporal.address,
    uiUrl: devServer?.uiUrl,
    simulatorUrl: simulator?.url ?? cpp.baseUrl,
    taskQueue: temporal.taskQueue,
    stop: () => stack.stop((err) => say('dev', `clean-up failed: ${String(err)}`)),
  };
}

/** The default address of the starter CLI; any other needs `TEMPORAL_ADDRESS` in front of the command. */
const STARTER_DEFAULT_ADDRESSES = new Set(['localhost:7233', '127.0.0.1:7233']);

/**
 * The demo cancellation as a CLI command, exactly as printed by `npm run dev` (the test runs it).
 * `npm start --` is `tsx src/starter.ts`.
 */
export function demoCliCommand(stack: Pick<DevStack, 'temporalAddress' | 'taskQueue'>, offerId = 'contoso-offer'): { env: Record<string, string>; args: string[]; text: string } {
  const env: Record<string, string> = STARTER_DEFAULT_ADDRESSES.has(stack.temporalAddress) ? {} : { TEMPORAL_ADDRESS: stack.temporalAddress };
  if (stack.taskQueue !== DEFAULT_TASK_QUEUE) env.TEMPORAL_TASK_QUEUE = stack.taskQueue;
  const args = ['--publisher', 'contoso', '--offer', offerId, '--email', 'jondoe@contoso.com', '--poll-initial', '2', '--wait'];
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  return { env, args, text: `${prefix}npm start -- ${args.join(' ')}` };
}

function printWelcome(stack: DevStack): void {
  const input = JSON.stringify({ publisherId: 'contoso', offerId: 'contoso-offer', notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 2 } });
  const lines = [
    '',
    'Ready. Start a demo cancellation:',
    '',
    `  Temporal UI:   ${stack.uiUrl ?? '(not started: TEMPORAL_ADDRESS is set)'}`,
    '                 Workflows → Start Workflow; Workflow Type: cancelOfferOperation;',
    `                 Task Queue: ${stack.taskQueue}; Input (JSON):`,
    `                 ${input}`,
    '',
    `  CLI:           ${demoCliCommand(stack).text}`,
    `  temporal CLI:  temporal workflow start --address ${stack.temporalAddress} --type cancelOfferOperation --task-queue ${stack.taskQueue} \\`,
    `                   --workflow-id cpp-cancel/contoso/demo-1 --input '${input.replace('contoso-offer', 'demo-1')}'`,
    '',
    '  Every offer id works: unknown offers follow the simulator\'s default scenario. An offer is',
    '  cancelled once per simulator run; pick a new offer id for the next demo. Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const level = (process.env.LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level, (entry) => say('worker', `${entry.level} ${entry.message}`)) });
  const stack = await startDevStack();
  printWelcome(stack);
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
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
