/**
 * Renders simulated configure jobs as the Product Ingestion API shows them: the configure-status
 * object (status GET, cancel POST) and the configure-detail object (the job's summary). Every key
 * and enum value emitted here must appear in a fixture of test/fixtures/ingestion/
 * (test/ingestion-conformance.test.ts checks it), so the simulator never invents a layout.
 */
import { jobStatusOf, processedCount, type SimJob } from './job-model';

/** The schema version the simulator answers with (the reference's; it serves no other). */
const SCHEMA_VERSION = '2022-03-01-preview2';
const SCHEMA_BASE = 'https://schema.mp.microsoft.com/schema';
/** `jobEnd` of a job that has not ended, as the reference shows it. */
const NOT_ENDED = '0001-01-01T00:00:00';

/** The configure-status object of `job` at `now`. */
export function configureStatusJson(job: SimJob, now: number): Record<string, unknown> {
  return { $schema: `${SCHEMA_BASE}/configure-status/${SCHEMA_VERSION}`, ...jobFields(job, now) };
}

/**
 * The configure-detail object of `job` (its summary): the status fields and the resources the job
 * processed — after a cancel, only those processed before it. The reference shows no example of
 * this body; the simulator keeps it to these fields (see test/fixtures/ingestion/README.md).
 */
export function configureDetailJson(job: SimJob, now: number): Record<string, unknown> {
  return {
    $schema: `${SCHEMA_BASE}/configure/${SCHEMA_VERSION}`,
    ...jobFields(job, now),
    resources: job.resources.slice(0, processedCount(job, now)).map((resource) => ({ $schema: `${SCHEMA_BASE}/plan/${SCHEMA_VERSION}`, ...resource })),
  };
}

function jobFields(job: SimJob, now: number): Record<string, unknown> {
  return {
    jobID: job.jobId,
    jobStatus: jobStatusOf(job, now),
    jobResult: job.end?.result ?? 'pending',
    jobStart: timestamp(job.startMs),
    jobEnd: job.end ? timestamp(job.end.atMs) : NOT_ENDED,
    errors: job.end?.result === 'failed' ? job.errors : [],
  };
}

/** ISO 8601 with seven fractional digits, as .NET writes a UTC `DateTime` (the reference's example has six). */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '0000Z');
}
