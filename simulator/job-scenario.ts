/**
 * How a simulated Product Ingestion configure job behaves. Set per job through the admin API, a
 * seed file (`jobs`), or in process; every field has a default, so `{}` is a job that runs 60 s,
 * processes 4 resources and is cancelled at once.
 */
import type { Fault } from './scenario';

/** The CPP fault kinds that make sense for the ingestion routes (no `Location` there to spoil). */
export type JobFault = Extract<Fault, { kind: 'status' | 'reset' | 'slowHeaders' | 'slowBody' | 'malformedJson' | 'oversizedBody' }>;

/** A fault served instead of the normal answer, for `times` matching requests. */
interface JobFaultRule {
  /** Which request the fault hits: the cancel POST, a GET of the job's status, or a GET of its summary. */
  on: 'jobCancel' | 'jobStatus' | 'jobSummary';
  fault: JobFault;
  /** How many matching requests get it, counted from the first one after it was set. @default 1 */
  times?: number;
}

/** What a cancel POST does to a job that has not completed (a completed one always gets 400 "already completed"). */
export type JobCancelBehaviour =
  /** 200: the job is completed, cancelled, at once. */
  | { mode: 'immediate' }
  /**
   * 200 with the job still `running` (result `pending`): the cancel is under way. The job turns
   * completed, cancelled on the `completesAfterPolls`-th status GET after the cancel, or
   * `completesAfterMs` after it, whichever comes first (2 polls when neither is given).
   */
  | { mode: 'accepted'; completesAfterMs?: number; completesAfterPolls?: number }
  /** 400 "too far along" while the job runs; the job goes on to its own end. */
  | { mode: 'refused' }
  /** The job ends on its own (`endsWith`) just as the cancel arrives: 400 "already completed". */
  | { mode: 'racesEnd' };

/** One entry of a failed job's `errors`, in the layout the reference's other pages show. */
export interface JobError {
  code: string;
  message: string;
  /** The resource the error is about, e.g. `plan/…`. */
  resource?: string;
}

/** A configure job's script. */
export interface JobScenario {
  /**
   * The job's state when first seen. `completed` jobs ended the moment they were first seen, with
   * `jobResult`, having processed all their resources (none when `cancelled`).
   * @default 'running'
   */
  startsAs?: 'running' | 'notStarted' | 'completed';
  /** With `startsAs: 'notStarted'`: how long the job waits before it runs. @default 10_000 */
  startsAfterMs?: number;
  /** With `startsAs: 'completed'`: how it ended. @default 'succeeded' */
  jobResult?: 'succeeded' | 'failed' | 'cancelled';
  /** With `startsAs: 'running'`: how long the job had already run when first seen (its `jobStart` lies that far back). @default 0 */
  startedAgoMs?: number;
  /** How long the job runs before it ends on its own. @default 60_000 */
  runsForMs?: number;
  /** How the job ends on its own (or as a `racesEnd` cancel arrives). @default 'succeeded' */
  endsWith?: 'succeeded' | 'failed';
  /** The `errors` of a failed job. @default one `internalError` */
  errors?: JobError[];
  /**
   * The job's resources, as a count or as their names (`resourceName` in the summary). They are
   * processed one after the other, evenly over the run: a cancel at half time leaves half of them
   * processed, and the summary lists only those.
   * @default 4
   */
  resources?: number | string[];
  /** @default { mode: 'immediate' } */
  cancel?: JobCancelBehaviour;
  faults?: JobFaultRule[];
  /**
   * A demo job, cancellable again and again: a cancel POST that finds the job completed first
   * starts it over — as first seen, with the fault rules from their first rule — so the POST meets
   * the scenario from its beginning. Without it, such a POST gets 400 "already completed".
   */
  repeatable?: boolean;
  /** What the scenario shows, for people: `npm run dev` and `npm run simulator` list it. */
  description?: string;
}
