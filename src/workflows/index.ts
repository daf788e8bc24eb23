/** Every workflow the worker registers. Bundled by the SDK: deterministic code only. */
export { helloWorkflow } from './hello';
