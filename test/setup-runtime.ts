/** Keeps the SDK's chatter (including the expected activity failures) out of test output; TEST_LOG_LEVEL=debug brings it back. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'ERROR') });
