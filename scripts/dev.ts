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
import { startSimulator } from '../src/simulator/server';
import { startDevServer, type RunningDevServer } from '../src/temporal-cli/dev-server';
import { PROJECT_ROOT } from '../src/temporal-cli/resolve';
import { createCancellationWorker } from '../src/worker';

const DEMO_TOKEN = 'sim-token';

function say(source: string, message: string): void {
  console.log(`[${source.padEnd(9)}] ${message}`);
}

export interface DevStackOptions {
  env?: NodeJS.ProcessEnv;
  temporalPort?: number;
  uiPort?: number | false;
  simulatorPort?: number;
  dataDir?: string;
}

export interface DevStack {
  temporalAddress: string;
  uiUrl?: string;
  simulatorUrl: string;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * Starts the stack; exported so a test can drive the same code path as `npm run dev`.
 * When a part fails to start, the parts already started are stopped before the error is rethrown,
 * so no orphaned dev server keeps the port (or the SQLite file) busy.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const env = options.env ?? process.env;
  const dataDir = options.dataDir ?? path.join(PROJECT_ROOT, '.data');
  const started: Array<() => Promise<void>> = [];
  const stopStarted = async () => {
    for (const stop of started.reverse()) await stop().catch((err: unknown) => say('dev', `clean-up failed: ${String(err)}`));
  };
  try {
    let server: RunningDevServer | undefined;
    if (!env.TEMPORAL_ADDRESS) {
      say('temporal', 'starting the dev server (first start can take a few seconds)…');
      server = await startDevServer({
        port: options.temporalPort ?? Number(env.DEV_TEMPORAL_PORT ?? 7233),
        uiPort: options.uiPort ?? Number(env.DEV_UI_PORT ?? 8233),
        dbFilename: path.join(dataDir, 'temporal-dev.db'),
        logFile: path.join(dataDir, 'temporal-dev.log'),
        log: (line) => say('temporal', line),
      });
      const devServer = server;
      started.push(() => devServer.stop());
      say('temporal', `ready at ${server.address} (${server.describe}); UI ${server.uiUrl ?? 'off'}`);
    }
    const useSimulator = !env.CPP_BASE_URL;
    const simulator = useSimulator
      ? await startSimulator({
          port: options.simulatorPort ?? Number(env.SIMULATOR_PORT ?? 7450),
          tokens: [DEMO_TOKEN],
          seed: await loadSeedFile(path.join(PROJECT_ROOT, 'simulator', 'seed.example.json')),
        })
      : undefined;
    if (simulator) {
      started.push(() => simulator.close());
      say('simulator', `CPP simulator at ${simulator.url} (admin API under ${simulator.url}/_admin)`);
    }

    const workerEnv: NodeJS.ProcessEnv = {
      ...env,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS ?? server?.address,
      ...(simulator ? { CPP_BASE_URL: simulator.url } : {}),
    };
    const config = loadWorkerConfig(workerEnv);
    const tokenProvider = simulator ? new StaticTokenProvider(DEMO_TOKEN) : createTokenProviderFromEnv(workerEnv);
    const worker = await createCancellationWorker({ config, tokenProvider });
    const running = worker.run();
    say('worker', `polling task queue ${config.temporal.taskQueue} on ${config.temporal.address}; CPP ${config.cpp.baseUrl}`);

    return {
      temporalAddress: config.temporal.address,
      uiUrl: server?.uiUrl,
      simulatorUrl: simulator?.url ?? config.cpp.baseUrl,
      taskQueue: config.temporal.taskQueue,
      async stop() {
        // The SDK's own SIGINT handler may have begun the shutdown already.
        if (worker.worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch((err: unknown) => say('worker', `stopped with ${String(err)}`));
        await stopStarted();
      },
    };
  } catch (err) {
    await stopStarted();
    throw err;
  }
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
