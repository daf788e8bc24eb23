/** The workflows of the bench's bundle: the production ones, plus the baseline it compares them with. */
export * from '../../src/workflows';
export { helloLocalWorkflow, helloWorkflow } from './hello';
export { infrequentPollingCancellation } from './infrequent-polling';
