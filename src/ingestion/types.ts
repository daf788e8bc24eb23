/**
 * The Product Ingestion API as this project sees it (a configure job and its cancel): parsed
 * answers and the client's shape. Plain TypeScript, no Temporal. The job's view is the contract's
 * (src/contract/ingestion.ts); the client fills it in.
 */
import type { JobError, JobResult, JobStatus, JobView, ProcessedResource } from '../contract';
import type { RequestOptions } from '../cpp/types';

export type { JobError, JobResult, JobStatus, JobView, ProcessedResource };

/** A configure-status answer, parsed; `retryAfterMs` when the answer carried `Retry-After`. */
export interface JobStatusAnswer {
  job: JobView;
  retryAfterMs?: number;
}

/** A cancel the API refused (400), with its error body's code and message. */
export interface CancelRefusal {
  kind: 'refused';
  /** `error.code` of the body, e.g. `badRequest`. */
  code?: string;
  /** `error.message`, e.g. `Cannot cancel job, job has already completed.` */
  message: string;
  /** The body as sent (redacted, truncated). */
  body?: string;
}

/** A configure-detail answer (the job's summary): what it processed. */
export interface JobSummary {
  job: JobView;
  resources: ProcessedResource[];
}

/** What the cancellation workflow's activities need of the Product Ingestion API. */
export interface IngestionClient {
  /** `POST configure/{jobID}/cancel`: the job's status after the cancel, or the API's refusal (400). */
  cancelJob(jobId: string, options?: RequestOptions & { version?: string }): Promise<JobStatusAnswer | CancelRefusal>;
  /** `GET configure/{jobID}/status`. */
  getJobStatus(jobId: string, options?: RequestOptions & { version?: string }): Promise<JobStatusAnswer>;
  /** `GET configure/{jobID}`: the summary of a finished job. */
  getJobSummary(jobId: string, options?: RequestOptions & { version?: string }): Promise<JobSummary>;
}
