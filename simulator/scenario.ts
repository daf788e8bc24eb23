/**
 * How a simulated offer behaves. Set per offer through the admin API, a seed file, or in process.
 * Tests, the local stack and the benchmark all describe CPP behaviour with these types (and
 * Product Ingestion configure jobs with those of job-scenario.ts).
 */
import type { JobScenario } from './job-scenario';

/** A misbehaviour served instead of the normal answer, for `times` matching requests. */
export type Fault =
  /** Answer with this status (e.g. 429, 500, 502, 503) and optional raw `Retry-After` value and body. */
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  /**
   * Answer with exactly this status, these headers and this body (JSON; absent or `null`: no body),
   * e.g. a reference fixture's `response`. `Content-Type: application/json` is added to a body
   * unless `headers` name one.
   */
  | { kind: 'replay'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** Wait `delayMs` before sending headers, then answer normally. */
  | { kind: 'slowHeaders'; delayMs: number }
  /** Send headers at once, then the body after `delayMs`. */
  | { kind: 'slowBody'; delayMs: number }
  /** 200 with `Content-Type: application/json` and a body that is not JSON. */
  | { kind: 'malformedJson' }
  /** A valid-looking JSON answer of `bytes` bytes (default 8 MiB). */
  | { kind: 'oversizedBody'; bytes?: number }
  /** Cancel only: 202 without a `Location` header. */
  | { kind: 'noLocation' }
  /** Cancel only: 202 whose `Location` is absolute on another origin (default `https://evil.example`). */
  | { kind: 'foreignLocation'; origin?: string }
  /**
   * Echoes the bearer token the request carried, as a careless server or proxy does. `body`: an
   * answer of `status` (default 500) whose CPP error body quotes `Bearer <token>` and the bare
   * token. `header`: `WWW-Authenticate` and `x-debug-token` hold it, on the normal answer or, with
   * `status`, on that status's CPP error answer. `location` (cancel only, no `status`): a 202 whose
   * same-origin `Location` carries `token=<token>` in its query. Only the answer holds the token:
   * the request log records that query parameter as `[REDACTED]`.
   */
  | { kind: 'echoToken'; where: 'body' | 'header' | 'location'; status?: number };

interface FaultRule {
  /** Which request the fault hits: the cancel POST, a GET of one operation, or the operations list. */
  on: 'cancel' | 'poll' | 'list';
  fault: Fault;
  /** How many matching requests get it, counted from the first one after it was set. @default 1 */
  times?: number;
}

/** What the cancel POST does when no fault applies. */
export type CancelBehaviour =
  | { mode: 'synchronous' }
  | {
      mode: 'accepted';
      /** `migrated`: /api/publishers/{p}/offers/{o}/operations/{uuid}; `legacy`: /api/operations/{p}${o}${n}$preview. @default 'migrated' */
      locationForm?: 'migrated' | 'legacy';
      /** The operation turns terminal on this GET of it (1 = the first poll). @default 2 */
      completeAfterPolls?: number;
      /** …or once this long has passed since the POST (whichever comes first when both are set). */
      completeAfterMs?: number;
      /** The terminal status. @default 'completed' */
      outcome?: 'completed' | 'failed' | 'canceled';
      /** `error` of a failed operation. */
      error?: string;
      /** `Retry-After` (seconds) on the 202 and on every non-terminal poll; none when absent. */
      retryAfterSeconds?: number;
      /** Raw `status` per poll, overriding the normal one (e.g. ['running', 'pendingReview', 'Completed']); the last repeats. */
      rawStatuses?: string[];
      /** The GET answer as the documented array of one, or a bare object. @default 'array' */
      bodyShape?: 'array' | 'object';
      /** Number of steps whose `progressPercentage` advances with each poll. @default 3 */
      steps?: number;
    }
  /** A final error with a realistic CPP error body (400, 403, 404, …). */
  | { mode: 'error'; status: number; body?: unknown };

/** How the operations list (`GET …/submissions/`) renders its items. */
export interface ListBehaviour {
  /**
   * The field that carries an item's state. The reference's example says `submissionState`, its
   * properties table `status`; `none` leaves the state out, for clients that must cope without it.
   * @default 'submissionState'
   */
  stateField?: 'submissionState' | 'status' | 'none';
}

export interface OfferScenario {
  cancel: CancelBehaviour;
  list?: ListBehaviour;
  faults?: FaultRule[];
  /**
   * A demo offer, cancellable again and again: a cancel POST that finds no Publish operation
   * running first starts the offer over — a new Publish operation, as if the publisher had
   * submitted again, and the fault rules from their first rule. An earlier cancellation still
   * running (its workflow was cancelled, say) is dropped: its operation ends `canceled`. Without
   * it, such a POST gets the CPP's 400 "no operation in progress".
   */
  repeatable?: boolean;
  /** What the scenario shows, for people: `npm run dev` and `npm run simulator` list it. */
  description?: string;
}

/**
 * A seed file: a default for every offer not named, per-offer scenarios keyed `publisherId/offerId`,
 * and per-job scenarios of the Product Ingestion API keyed by job id (a GUID).
 */
export interface SimulatorSeed {
  default?: OfferScenario;
  offers?: Record<string, OfferScenario>;
  jobs?: Record<string, JobScenario>;
}

/** One request the simulator received. The bearer token is never recorded, only whether it was right. */
export interface SimulatedRequest {
  time: string;
  method: string;
  /** The raw path as received (percent-encoding and `$` kept), without the query. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names; `authorization` is replaced by `auth`. */
  headers: Record<string, string>;
  /**
   * `expired`: a token the accepted issuer signed, past its expiry; `wrongAudience`: a token for
   * the simulator's other API (see bearer-auth.ts).
   */
  auth: 'valid' | 'expired' | 'wrongAudience' | 'invalid' | 'missing';
  body?: unknown;
  publisherId?: string;
  offerId?: string;
  /** The job id of a Product Ingestion request, lower-cased when it is a GUID, as received otherwise. */
  jobId?: string;
  /** CPP: `cancel`, `poll`, `list`; Product Ingestion: `jobCancel`, `jobStatus`, `jobSummary`. */
  endpoint: 'cancel' | 'poll' | 'list' | 'jobCancel' | 'jobStatus' | 'jobSummary' | 'unknown';
  /** The status answered, or 'reset' when the socket was destroyed. */
  answered: number | 'reset';
}
