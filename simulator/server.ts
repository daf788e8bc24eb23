/**
 * The CPP simulator: a real `node:http` server that speaks the Cloud Partner Portal routes this
 * product uses (cancel, get one operation, list operations), scripted per offer by
 * {@link OfferScenario}s, and on the same port the Product Ingestion routes of a configure job
 * (cancel, status, summary under `/rp/product-ingestion`), scripted per job by {@link JobScenario}s,
 * with an admin API under `/_admin`. See offer-model.ts and job-model.ts for the state models.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler } from './admin';
import { ingestionJwtTokenCheck, jwtTokenCheck, staticTokenCheck, type JwtIssuerOptions, type TokenCheck } from './bearer-auth';
import { createCppHandler } from './cpp-handler';
import type { Sleep } from './deliver';
import { createIngestionHandler } from './ingestion-handler';
import { isIngestionPath } from './ingestion-routes';
import { configureStatusJson } from './job-json';
import { isJobId, JobBook, processedCount } from './job-model';
import type { JobScenario } from './job-scenario';
import { loadState, stateWriter } from './state-file';
import { OfferBook, offerKey } from './offer-model';
import { operationJson } from './operation-json';
import { errorReply } from './reply';
import { RingBuffer } from './ring-buffer';
import type { OfferScenario, SimulatedRequest, SimulatorSeed } from './scenario';
import { seedEntries, validateSeed } from './seed';
import { ScenarioError } from './validate-fields';
import { validateJobScenario } from './validate-job-scenario';
import { validateScenario } from './validate-scenario';

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Bearer tokens the CPP routes accept. @default ['sim-token'] */
  tokens?: string[];
  /**
   * Bearer tokens the Product Ingestion routes accept; a token of `tokens` that is not among them
   * is refused there as a token for another audience (401 "Invalid audience").
   * @default the `tokens`, so that one development token serves both APIs
   */
  ingestionTokens?: string[];
  /**
   * Accept the JWTs this issuer signed instead of fixed `tokens`/`ingestionTokens` (not both): for
   * its `audience` on the CPP routes, for its `ingestionAudience` on the Product Ingestion routes.
   * An expired one gets 401 `invalid_token` and is logged with `auth: 'expired'`.
   */
  tokenIssuer?: JwtIssuerOptions;
  /** Scenarios to start with, and to return to on `reset()`. */
  seed?: SimulatorSeed;
  /** Receives one line per request (method, path, status; never a token). */
  log?: (line: string) => void;
  /** How many requests the log keeps; older ones are dropped. @default 100_000 */
  maxLoggedRequests?: number;
  /** `api-version` values the CPP routes accept; others get 400. @default ['2017-10-31'] */
  apiVersions?: string[];
  /** `$version` values the Product Ingestion routes accept; others get 400. @default ['2022-03-01-preview2'] */
  ingestionVersions?: string[];
  /** Keeps offers, operations and jobs in this file across restarts (read at start, written after changes). */
  stateFile?: string;
}

/** Which logged requests to return; every given field must match. */
export interface RequestFilter {
  publisherId?: string;
  offerId?: string;
  /** A job id; a GUID matches in either case. */
  jobId?: string;
  endpoint?: SimulatedRequest['endpoint'];
}

/** A JSON-able view of one simulated offer (operations with their internal status). */
interface OfferStateView {
  publisherId: string;
  offerId: string;
  /** Cancel POSTs answered with a status (any status, including 400/401/faults; not resets). */
  postCount: number;
  /** GETs of one operation answered with a status (not resets). */
  pollCount: number;
  operations: Record<string, unknown>[];
}

/** A JSON-able view of one simulated configure job. */
interface JobStateView {
  jobId: string;
  /** Cancel POSTs answered with a status (any status, including 400/401/faults; not resets). */
  cancelCount: number;
  /** GETs of the job's status answered with a status (not resets). */
  statusCount: number;
  /** GETs of the job's summary answered with a status (not resets). */
  summaryCount: number;
  /** The configure-status object a status GET would show now. */
  status: Record<string, unknown>;
  /** The job's resources, each with whether it is processed (the summary lists those that are). */
  resources: { id: string; resourceName?: string; processed: boolean }[];
}

/** A started simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:7450` (no trailing slash). */
  url: string;
  /** Scripts one offer from now on; its fault counters start afresh. @throws ScenarioError */
  setScenario(publisherId: string, offerId: string, scenario: OfferScenario): void;
  /** Scripts every offer without its own scenario. @throws ScenarioError */
  setDefaultScenario(scenario: OfferScenario): void;
  /**
   * Scripts one configure job (a GUID) from now on: the job starts afresh, created from this
   * scenario by the next request naming it. @throws ScenarioError
   */
  setJobScenario(jobId: string, scenario: JobScenario): void;
  /** Scripts every job without its own scenario (jobs already seen keep their course so far). @throws ScenarioError */
  setDefaultJobScenario(scenario: JobScenario): void;
  /** Logged CPP and Product Ingestion requests, oldest first. */
  requests(filter?: RequestFilter): SimulatedRequest[];
  /** Cancel POSTs to the offer answered with a status (resets excluded). */
  postCount(publisherId: string, offerId: string): number;
  /** GETs of the offer's operations answered with a status (resets excluded). */
  pollCount(publisherId: string, offerId: string): number;
  /** The offer as the simulator sees it (created on first sight, like any request would). */
  offerState(publisherId: string, offerId: string): OfferStateView;
  /** The job (a GUID) as the simulator sees it (created on first sight, like any request would). @throws ScenarioError */
  jobState(jobId: string): JobStateView;
  /** Forgets all offers, jobs, requests and scenarios, except the seed's. */
  reset(): void;
  /** Stops listening, drops keep-alive sockets and pending slow answers. */
  close(): Promise<void>;
}

/** The scenario of an offer nobody scripted. */
const BUILTIN_DEFAULT_SCENARIO: OfferScenario = { cancel: { mode: 'synchronous' } };
/** The scenario of a job nobody scripted: it runs 60 s, processing 4 resources, and is cancelled at once. */
const BUILTIN_DEFAULT_JOB_SCENARIO: JobScenario = {};

/** Starts the simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const { checkToken, checkIngestionToken } = tokenChecks(options);
  const apiVersions = new Set(options.apiVersions ?? ['2017-10-31']);
  const ingestionVersions = new Set(options.ingestionVersions ?? ['2022-03-01-preview2']);
  const seed = validateSeed(options.seed ?? {});
  const seeded = seedEntries(seed);

  const book = new OfferBook();
  const jobs = new JobBook();
  const books = { offers: book, jobs };
  const restored = options.stateFile ? loadState(books, options.stateFile) : { offers: 0, jobs: 0 };
  if (restored.offers + restored.jobs > 0) options.log?.(`restored ${restored.offers} offers and ${restored.jobs} jobs from ${options.stateFile}`);
  const state = options.stateFile ? stateWriter(books, options.stateFile) : undefined;
  const log = new RingBuffer<SimulatedRequest>(options.maxLoggedRequests ?? 100_000);
  let scenarios = new Map<string, OfferScenario>();
  let defaultScenario = BUILTIN_DEFAULT_SCENARIO;
  let jobScenarios = new Map<string, JobScenario>();
  let defaultJobScenario = BUILTIN_DEFAULT_JOB_SCENARIO;
  const applySeed = (): void => {
    scenarios = new Map(seeded.map((e) => [offerKey(e.publisherId, e.offerId), copy(e.scenario)]));
    defaultScenario = seed.default ? copy(seed.default) : BUILTIN_DEFAULT_SCENARIO;
    jobScenarios = new Map(Object.entries(seed.jobs ?? {}).map(([jobId, scenario]) => [jobId.toLowerCase(), copy(scenario)]));
    defaultJobScenario = BUILTIN_DEFAULT_JOB_SCENARIO;
  };
  applySeed();
  const jobScenarioFor = (jobId: string): JobScenario => jobScenarios.get(jobId) ?? defaultJobScenario;

  // Slow answers wait on these timers; close() clears them so nothing fires after the server is gone.
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: (elapsed: boolean) => void }>();
  let closed = false;
  const sleep: Sleep = (ms) =>
    closed
      ? Promise.resolve(false)
      : new Promise((resolve) => {
          const entry = {
            timer: setTimeout(() => {
              pending.delete(entry);
              resolve(true);
            }, ms),
            resolve,
          };
          pending.add(entry);
        });

  const offerState = (publisherId: string, offerId: string): OfferStateView => {
    const now = Date.now();
    const offer = book.get(publisherId, offerId, now);
    return { publisherId, offerId, postCount: offer.postCount, pollCount: offer.pollCount, operations: offer.operations.map((op) => operationJson(op, now)) };
  };
  const jobState = (jobId: string): JobStateView => {
    const now = Date.now();
    const job = jobs.get(checkedJobId(jobId), () => jobScenarioFor(jobId.toLowerCase()), now);
    const processed = processedCount(job, now);
    return {
      jobId: job.jobId,
      cancelCount: job.cancelCount,
      statusCount: job.statusCount,
      summaryCount: job.summaryCount,
      status: configureStatusJson(job, now),
      resources: job.resources.map((resource, i) => ({ ...resource, processed: i < processed })),
    };
  };

  const sim: Omit<RunningSimulator, 'url' | 'close'> = {
    setScenario(publisherId, offerId, scenario) {
      // Stored as a copy: a new object identity restarts the offer's fault counters.
      scenarios.set(offerKey(publisherId, offerId), copy(validateScenario(scenario)));
    },
    setDefaultScenario(scenario) {
      defaultScenario = copy(validateScenario(scenario));
    },
    setJobScenario(jobId, scenario) {
      const key = checkedJobId(jobId).toLowerCase();
      jobScenarios.set(key, copy(validateJobScenario(scenario)));
      jobs.forget(key);
    },
    setDefaultJobScenario(scenario) {
      defaultJobScenario = copy(validateJobScenario(scenario));
    },
    requests(filter = {}) {
      const jobId = filter.jobId !== undefined && isJobId(filter.jobId) ? filter.jobId.toLowerCase() : filter.jobId;
      return log.toArray().filter(
        (r) =>
          (filter.publisherId === undefined || r.publisherId === filter.publisherId) &&
          (filter.offerId === undefined || r.offerId === filter.offerId) &&
          (jobId === undefined || r.jobId === jobId) &&
          (filter.endpoint === undefined || r.endpoint === filter.endpoint),
      );
    },
    postCount: (publisherId, offerId) => offerState(publisherId, offerId).postCount,
    pollCount: (publisherId, offerId) => offerState(publisherId, offerId).pollCount,
    offerState,
    jobState,
    reset() {
      book.clear();
      jobs.clear();
      log.clear();
      applySeed();
      state?.changed();
    },
  };

  const record = (entry: SimulatedRequest): void => {
    log.push(entry);
    options.log?.(`${entry.method} ${entry.path} -> ${entry.answered}${entry.auth === 'valid' ? '' : ` (auth ${entry.auth})`}`);
  };
  const cpp = createCppHandler({
    book,
    scenarioFor: (publisherId, offerId) => scenarios.get(offerKey(publisherId, offerId)) ?? defaultScenario,
    checkToken,
    apiVersions,
    sleep,
    record,
  });
  const ingestion = createIngestionHandler({ jobs, scenarioFor: jobScenarioFor, checkToken: checkIngestionToken, versions: ingestionVersions, sleep, record });
  const admin = createAdminHandler(sim);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const isAdmin = rawPath === '/_admin' || rawPath.startsWith('/_admin/');
    (isAdmin ? admin : isIngestionPath(rawPath) ? ingestion : cpp)(req, res, rawPath, rawQuery)
      // Any request may have created an offer or a job, or moved an operation or a job on.
      .then(() => state?.changed())
      .catch((err: unknown) => {
      options.log?.(`simulator error on ${req.method ?? ''} ${rawPath}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) {
        const reply = errorReply(500, 'The simulator failed to handle the request.');
        res.writeHead(reply.status, reply.headers).end(reply.body);
      } else {
        res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    ...sim,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of pending) {
        clearTimeout(entry.timer);
        entry.resolve(false);
      }
      pending.clear();
      state?.flush();
      const stopped = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function copy<T extends OfferScenario | JobScenario>(scenario: T): T {
  return structuredClone(scenario);
}

/** The token checks of the CPP routes and of the Product Ingestion routes. */
function tokenChecks(options: SimulatorOptions): { checkToken: TokenCheck; checkIngestionToken: TokenCheck } {
  if (options.tokenIssuer) {
    if (options.tokens !== undefined || options.ingestionTokens !== undefined) throw new Error('give tokens or tokenIssuer, not both');
    return { checkToken: jwtTokenCheck(options.tokenIssuer), checkIngestionToken: ingestionJwtTokenCheck(options.tokenIssuer) };
  }
  const tokens = options.tokens ?? ['sim-token'];
  const ingestionTokens = options.ingestionTokens ?? tokens;
  return { checkToken: staticTokenCheck(tokens), checkIngestionToken: staticTokenCheck(ingestionTokens, tokens) };
}

/** `jobId` when it is a GUID. @throws ScenarioError otherwise */
function checkedJobId(jobId: string): string {
  if (!isJobId(jobId)) throw new ScenarioError(`jobId: must be a GUID like 00000000-0000-4000-8000-000000000001, got "${jobId}"`);
  return jobId;
}
