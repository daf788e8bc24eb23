/**
 * The client library: start a cancellation (or a whole release) from code, read where it is, and
 * connect to Temporal with the same settings as the worker and the CLI. Temporal's own client
 * does the talking; this adds input checks, the standard ids and the UI's labels.
 */
export { startOfferCancellation, InvalidCancellationInputError, type AcceptedCancellation, type OfferCancellationHandle, type StartOfferCancellationOptions } from './start-cancellation';
export { startReleaseCancellation, InvalidReleaseInputError, type ReleaseCancellationHandle } from './start-release-cancellation';
export { startJobCancellation, InvalidJobInputError, JobSearchAttributeMissingError, type JobCancellationHandle, type StartJobCancellationOptions } from './start-job-cancellation';
export { getCancellationStatus, type CancellationStatus } from './cancellation-status';
export { describeRetry, progressSummary } from '../workflow-safe/progress-summary';
export { loadTemporalConfig, describeTemporal, ConfigError, type TemporalConfig } from './temporal-config';
export { connectTemporalClient, TemporalConnectionError } from './temporal-connection';
