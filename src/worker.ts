#!/usr/bin/env node
/**
 * The worker: `npm run worker`, the package's `cpp-offer-cancellation-worker` command and the
 * Docker image run this file. A process that also starts cancellations (eagerly) makes the worker
 * itself with `createCancellationWorker`, exported here for it.
 */
import { runWorkerProcess } from './worker-process/main';

export { createCancellationWorker, type CancellationWorker, type CreateWorkerOptions } from './worker-process/create-worker';
export { loadWorkerConfig, type WorkerConfig } from './worker-process/config';
export { createTokenProvider, type TokenProvider } from './cpp/token-provider';

if (require.main === module) runWorkerProcess();
