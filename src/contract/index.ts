/**
 * The package's contract: what callers write and read (workflow types, task queue, queries,
 * signals, the update, search attributes, inputs, results, progress, failure types) and the Nexus
 * service. Safe to import from workflow code: no Node built-ins, no I/O.
 */
export * from './cancellation';
export * from './failure-types';
export * from './ingestion';
export * from './job-failure-types';
export * from './nexus-service';
export * from './release';
export * from './search-attributes';
