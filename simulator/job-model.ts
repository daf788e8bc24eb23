/**
 * The simulated configure jobs of the Product Ingestion API: the state machine behind its routes.
 *
 * Model (small, and faithful to what the reference says; job-scenario.ts has the knobs):
 * - A job is created on first sight (any request naming it, or an admin look-up) from its
 *   scenario: `running` from then (or from `startedAgoMs` before), `notStarted` until
 *   `startsAfterMs` later, or `completed` already.
 * - It runs for `runsForMs`, processing its resources one after the other, evenly, then ends on
 *   its own with `endsWith`; `jobEnd` is the moment it ended, however late anyone looks.
 * - A cancel applies only to resources not yet processed (the reference's words): those processed
 *   before it stay processed, and the job's summary lists only them. `immediate` ends the job
 *   cancelled at once; `accepted` leaves it running until the cancel completes (by status polls or
 *   time), during which its own end no longer comes; `refused` changes nothing; `racesEnd` ends the
 *   job on its own just as the cancel arrives. A cancel finding the job completed changes nothing.
 * Time-based progression is evaluated lazily, on every look-up, like the offers', so no timers are needed.
 */
import { randomUUID } from 'node:crypto';
import type { FaultCounters } from './faults';
import type { JobCancelBehaviour, JobError, JobScenario } from './job-scenario';

/** A job's `jobStatus`. */
type JobStatus = 'notStarted' | 'running' | 'completed';
/** A job's `jobResult`. */
type JobResult = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** One resource the job configures. */
interface JobResource {
  /** A durable id, `plan/{guid}`. */
  id: string;
  resourceName?: string;
}

/** One simulated configure job. Times are wall-clock milliseconds, so a state file can keep them. */
export interface SimJob {
  /** Lower-case GUID. */
  jobId: string;
  /** `jobStart`: when the job was submitted. */
  startMs: number;
  /** When it starts processing: `startMs`, or later for a job that starts as `notStarted`. */
  runStartMs: number;
  runsForMs: number;
  endsWith: 'succeeded' | 'failed';
  /** Reported once the job has ended failed. */
  errors: JobError[];
  resources: JobResource[];
  /** Set once the job has completed: when, how, and how many resources it had processed. */
  end?: { atMs: number; result: Exclude<JobResult, 'pending'>; processed: number };
  /** An accepted cancel still under way; `processed` is what the job had processed when it arrived. */
  cancel?: { requestedMs: number; processed: number; completesAfterMs?: number; completesAfterPolls?: number; polls: number };
  /** Cancel POSTs answered with a status (any status, faults included; not resets). */
  cancelCount: number;
  /** GETs of the job's status answered with a status (not resets). */
  statusCount: number;
  /** GETs of the job's summary answered with a status (not resets). */
  summaryCount: number;
  faults?: FaultCounters;
}

/** A job as a state file keeps it (fault counters are not kept: they start afresh). */
export type PersistedJob = Omit<SimJob, 'faults'>;

/** What a cancel POST did: `cancelled`/`accepted` answer 200, the others 400. */
export type JobCancelOutcome = 'cancelled' | 'accepted' | 'refused' | 'alreadyCompleted';

const DEFAULT_RUNS_FOR_MS = 60_000;
const DEFAULT_STARTS_AFTER_MS = 10_000;
const DEFAULT_RESOURCE_COUNT = 4;
const DEFAULT_COMPLETES_AFTER_POLLS = 2;
const DEFAULT_ERRORS: JobError[] = [{ code: 'internalError', message: 'The job failed while configuring its resources.' }];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a job id: a GUID, in either case. */
export function isJobId(value: string): boolean {
  return GUID.test(value);
}

/** The job's `jobStatus` at `now`. */
export function jobStatusOf(job: SimJob, now: number): JobStatus {
  if (job.end) return 'completed';
  return now < job.runStartMs ? 'notStarted' : 'running';
}

/** How many of the job's resources are processed at `now` (those processed before a cancel, after one). */
export function processedCount(job: SimJob, now: number): number {
  if (job.end) return job.end.processed;
  if (job.cancel) return job.cancel.processed;
  const fraction = job.runsForMs <= 0 ? (now >= job.runStartMs ? 1 : 0) : (now - job.runStartMs) / job.runsForMs;
  return Math.floor(job.resources.length * Math.min(1, Math.max(0, fraction)));
}

/** All simulated jobs, keyed by lower-case job id. */
export class JobBook {
  private readonly jobs = new Map<string, SimJob>();

  /** The job, created from `scenarioFor()` on first sight; `jobId` must be a GUID (see {@link isJobId}). */
  get(jobId: string, scenarioFor: () => JobScenario, now = Date.now()): SimJob {
    const key = jobId.toLowerCase();
    let job = this.jobs.get(key);
    if (!job) {
      job = newJob(key, scenarioFor(), now);
      this.jobs.set(key, job);
    }
    settle(job, now);
    return job;
  }

  /** Forgets a job: the next request naming it creates it afresh. */
  forget(jobId: string): void {
    this.jobs.delete(jobId.toLowerCase());
  }

  /** Applies a cancel POST (see the model above). */
  cancel(job: SimJob, behaviour: JobCancelBehaviour, now = Date.now()): JobCancelOutcome {
    settle(job, now);
    if (job.end) return 'alreadyCompleted';
    // A cancel already under way: the new POST adds nothing to it.
    if (job.cancel) return 'accepted';
    switch (behaviour.mode) {
      case 'immediate':
        job.end = { atMs: now, result: 'cancelled', processed: processedCount(job, now) };
        return 'cancelled';
      case 'accepted': {
        const { completesAfterMs, completesAfterPolls } = behaviour;
        job.cancel = { requestedMs: now, processed: processedCount(job, now), completesAfterMs, completesAfterPolls, polls: 0 };
        settle(job, now);
        return job.end ? 'cancelled' : 'accepted';
      }
      case 'refused':
        return 'refused';
      case 'racesEnd':
        job.end = { atMs: now, result: job.endsWith, processed: job.resources.length };
        return 'alreadyCompleted';
    }
  }

  /**
   * For a repeatable (demo) job, before a cancel POST: when the job has completed, starts it over
   * from `scenario` — as first seen now, fault counters forgotten, request counts kept — so the
   * POST meets the scenario from its beginning. Returns the job to go on with.
   */
  restartDemo(job: SimJob, scenario: JobScenario, now = Date.now()): SimJob {
    settle(job, now);
    if (!job.end) return job;
    const fresh: SimJob = { ...newJob(job.jobId, scenario, now), cancelCount: job.cancelCount, statusCount: job.statusCount, summaryCount: job.summaryCount };
    this.jobs.set(job.jobId, fresh);
    settle(fresh, now);
    return fresh;
  }

  /** Counts a status GET towards an accepted cancel and lets the job advance. */
  poll(job: SimJob, now = Date.now()): void {
    if (job.cancel) job.cancel.polls += 1;
    settle(job, now);
  }

  clear(): void {
    this.jobs.clear();
  }

  /** Every job as plain data, for a state file. */
  snapshot(): PersistedJob[] {
    return [...this.jobs.values()].map(({ faults: _faults, ...job }) => structuredClone(job));
  }

  /** Takes back jobs a {@link snapshot} kept; their times are wall-clock, so their clocks ran on meanwhile. */
  restore(jobs: PersistedJob[]): void {
    this.clear();
    for (const job of jobs) this.jobs.set(job.jobId, structuredClone(job));
  }
}

function newJob(jobId: string, scenario: JobScenario, now: number): SimJob {
  const runsForMs = scenario.runsForMs ?? DEFAULT_RUNS_FOR_MS;
  const resources = resourcesOf(scenario.resources ?? DEFAULT_RESOURCE_COUNT);
  const job = { jobId, runsForMs, endsWith: scenario.endsWith ?? 'succeeded', errors: scenario.errors ?? DEFAULT_ERRORS, resources, cancelCount: 0, statusCount: 0, summaryCount: 0 };
  switch (scenario.startsAs ?? 'running') {
    case 'notStarted':
      return { ...job, startMs: now, runStartMs: now + (scenario.startsAfterMs ?? DEFAULT_STARTS_AFTER_MS) };
    case 'completed': {
      const result = scenario.jobResult ?? 'succeeded';
      return { ...job, startMs: now - runsForMs, runStartMs: now - runsForMs, end: { atMs: now, result, processed: result === 'cancelled' ? 0 : resources.length } };
    }
    case 'running': {
      const startMs = now - (scenario.startedAgoMs ?? 0);
      return { ...job, startMs, runStartMs: startMs };
    }
  }
}

function resourcesOf(resources: number | string[]): JobResource[] {
  const names = typeof resources === 'number' ? Array.from({ length: resources }, () => undefined) : resources;
  return names.map((resourceName) => ({ id: `plan/${randomUUID()}`, ...(resourceName === undefined ? {} : { resourceName }) }));
}

/** Ends the job when its time has come: an accepted cancel completing (by polls or time), or the job's own end. */
function settle(job: SimJob, now: number): void {
  if (job.end) return;
  if (job.cancel) {
    const at = cancelCompletesAt(job.cancel, now);
    if (at === undefined) return;
    job.end = { atMs: at, result: 'cancelled', processed: job.cancel.processed };
    job.cancel = undefined;
    return;
  }
  const endMs = job.runStartMs + job.runsForMs;
  if (now >= endMs) job.end = { atMs: endMs, result: job.endsWith, processed: job.resources.length };
}

/**
 * When an accepted cancel completes, if it has by `now`. Polls count when `completesAfterPolls` is
 * set or no `completesAfterMs` is (so a time-only scenario is not cut short by the default poll count).
 */
function cancelCompletesAt(cancel: NonNullable<SimJob['cancel']>, now: number): number | undefined {
  const { completesAfterMs, completesAfterPolls, polls, requestedMs } = cancel;
  const byTime = completesAfterMs !== undefined && now >= requestedMs + completesAfterMs ? requestedMs + completesAfterMs : undefined;
  const countsPolls = completesAfterPolls !== undefined || completesAfterMs === undefined;
  const byPolls = countsPolls && polls >= (completesAfterPolls ?? DEFAULT_COMPLETES_AFTER_POLLS) ? now : undefined;
  if (byTime === undefined) return byPolls;
  return byPolls === undefined ? byTime : Math.min(byTime, byPolls);
}
