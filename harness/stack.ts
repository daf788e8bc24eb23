/**
 * The stack tests, the benchmark and the scripts run against, each part only when asked for:
 * Temporal (a dev server of its own, or one already running), the CPP simulator, a workflow bundle,
 * a client, and a worker in this process. Independent parts start together; a part that fails to
 * start stops those already started, and `stop()` stops everything, last started first.
 */
import { Client, Connection } from '@temporalio/client';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server';
import { startDevServer, type DevServerOptions, type RunningDevServer } from '../temporal-cli/dev-server';
import { buildWorkflowBundle } from '../src/worker-process/workflow-bundle';
import type { RunnableWorker } from './in-process-worker';
import { Teardown } from './teardown';

/** Where a Temporal server answers. */
interface TemporalEndpoint {
  address: string;
  namespace: string;
}

/** A Temporal server that is already running. */
interface ExistingTemporal {
  address: string;
  /** @default 'default' */
  namespace?: string;
}

/** A workflow bundle to build: the module exporting the workflows, and where the bundle goes. */
interface WorkflowBundleBuild {
  workflowsPath: string;
  outFile: string;
}

/** What a stack's in-process worker is made from. */
export interface StackParts {
  temporal: TemporalEndpoint;
  simulator?: RunningSimulator;
  workflowBundlePath?: string;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** A running server to use, or how to start a dev server. @default an in-memory dev server */
  temporal?: ExistingTemporal | DevServerOptions;
  simulator?: SimulatorOptions;
  /** A prebuilt bundle, or one to build now. */
  workflowBundle?: { codePath: string } | WorkflowBundleBuild;
  /** A client of the stack's Temporal (a literal `true`, so the stack's type says the client is there). */
  client?: boolean;
  /** Makes the worker that runs in this process once the other parts run (e.g. harness/in-process-worker.ts). */
  worker?: (parts: StackParts) => Promise<RunnableWorker>;
}

// A part's type where the options ask for it, `undefined` where they do not (both where that depends
// on a value), so callers get what they asked for without non-null assertions.
type Part<O, K extends keyof StackOptions, V> = O extends { [P in K]: infer T } ? (T extends undefined | false ? undefined : V) : undefined;
type DevServerPart<O> = O extends { temporal: infer T } ? (T extends ExistingTemporal ? undefined : RunningDevServer) : RunningDevServer;
type WorkerPart<O> = O extends { worker: infer F } ? (F extends (parts: StackParts) => Promise<infer W> ? W : undefined) : undefined;

/** The running stack; see {@link StackOptions} for which parts it has. */
export interface Stack<O extends StackOptions> {
  temporal: TemporalEndpoint;
  /** The dev server the stack started; none when `temporal` named a running server. */
  devServer: DevServerPart<O>;
  simulator: Part<O, 'simulator', RunningSimulator>;
  workflowBundlePath: Part<O, 'workflowBundle', string>;
  client: Part<O, 'client', Client>;
  connection: Part<O, 'client', Connection>;
  worker: WorkerPart<O>;
  /** Stops every part, the worker first; failures go to `onError`, else the first is thrown after all stopped. */
  stop(onError?: (err: unknown) => void): Promise<void>;
}

/** Starts the parts `options` ask for; see {@link Stack}. */
export async function startStack<const O extends StackOptions>(options: O): Promise<Stack<O>> {
  const teardown = new Teardown();
  try {
    const [{ temporal, devServer }, simulator, workflowBundlePath] = await allStarted([
      startTemporal(teardown, options.temporal ?? {}),
      options.simulator ? teardown.add(startSimulator(options.simulator), (s) => s.close()) : undefined,
      options.workflowBundle ? bundlePath(options.workflowBundle) : undefined,
    ] as const);
    const connection = options.client ? await teardown.add(Connection.connect({ address: temporal.address }), (c) => c.close()) : undefined;
    const worker = options.worker ? await runWorker(teardown, options.worker({ temporal, simulator, workflowBundlePath })) : undefined;
    const stack = {
      temporal,
      devServer,
      simulator,
      workflowBundlePath,
      client: connection && new Client({ connection, namespace: temporal.namespace }),
      connection,
      worker,
      stop: (onError?: (err: unknown) => void) => teardown.run(onError),
    };
    // The parts' presence follows the options, which the types above say and TypeScript cannot check here.
    return stack as unknown as Stack<O>;
  } catch (err) {
    // The start's error is the one to throw; a part that then fails to stop is only reported.
    await teardown.run((stopErr) => console.warn(`stack: a part did not stop after the failed start: ${String(stopErr)}`));
    throw err;
  }
}

/** Starts the stack, runs `fn` with it, and stops it whatever `fn` does. */
export async function withStack<const O extends StackOptions, T>(options: O, fn: (stack: Stack<O>) => Promise<T>): Promise<T> {
  const stack = await startStack(options);
  try {
    return await fn(stack);
  } finally {
    await stack.stop();
  }
}

/** Like `Promise.all`, but settles only once every start has, so none is left running unregistered after a failure. */
async function allStarted<T extends readonly unknown[]>(starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

async function startTemporal(teardown: Teardown, option: ExistingTemporal | DevServerOptions): Promise<{ temporal: TemporalEndpoint; devServer?: RunningDevServer }> {
  if ('address' in option) return { temporal: { address: option.address, namespace: option.namespace ?? 'default' } };
  const devServer = await teardown.add(startDevServer(option), (s) => s.stop());
  return { temporal: { address: devServer.address, namespace: devServer.namespace }, devServer };
}

async function bundlePath(bundle: { codePath: string } | WorkflowBundleBuild): Promise<string> {
  if ('codePath' in bundle) return bundle.codePath;
  return (await buildWorkflowBundle(bundle)).outFile;
}

/** Runs the worker until the teardown, which shuts it down unless it is stopping already (a signal, a failure). */
async function runWorker<W extends RunnableWorker>(teardown: Teardown, created: Promise<W>): Promise<W> {
  const worker = await created;
  const running = worker.run();
  teardown.push(async () => {
    if (worker.worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  return worker;
}
