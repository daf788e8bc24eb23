/**
 * The CPP simulator: a real `node:http` server that speaks the Cloud Partner Portal routes this
 * product uses (cancel, get one operation, list operations), scripted per offer by
 * {@link OfferScenario}s, with an admin API under `/_admin`. See offer-model.ts for the state model.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler } from './admin';
import { jwtTokenCheck, staticTokenCheck, type JwtIssuerOptions } from './bearer-auth';
import { createCppHandler } from './cpp-handler';
import type { Sleep } from './deliver';
import { loadState, stateWriter } from './state-file';
import { OfferBook, offerKey } from './offer-model';
import { operationJson } from './operation-json';
import { errorReply } from './reply';
import { RingBuffer } from './ring-buffer';
import type { OfferScenario, SimulatedRequest, SimulatorSeed } from './scenario';
import { seedEntries, validateSeed } from './seed';
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
   * Accept the JWTs this issuer signed instead of fixed `tokens` (not both): an expired one gets
   * 401 `invalid_token` and is logged with `auth: 'expired'`.
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
  /** Keeps offers and operations in this file across restarts (read at start, written after changes). */
  stateFile?: string;
}

/** Which logged requests to return; every given field must match. */
export interface RequestFilter {
  publisherId?: string;
  offerId?: string;
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

/** A started simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:7450` (no trailing slash). */
  url: string;
  /** Scripts one offer from now on; its fault counters start afresh. @throws ScenarioError */
  setScenario(publisherId: string, offerId: string, scenario: OfferScenario): void;
  /** Scripts every offer without its own scenario. @throws ScenarioError */
  setDefaultScenario(scenario: OfferScenario): void;
  /** Logged CPP requests, oldest first. */
  requests(filter?: RequestFilter): SimulatedRequest[];
  /** Cancel POSTs to the offer answered with a status (resets excluded). */
  postCount(publisherId: string, offerId: string): number;
  /** GETs of the offer's operations answered with a status (resets excluded). */
  pollCount(publisherId: string, offerId: string): number;
  /** The offer as the simulator sees it (created on first sight, like any request would). */
  offerState(publisherId: string, offerId: string): OfferStateView;
  /** Forgets all offers, requests and scenarios, except the seed's. */
  reset(): void;
  /** Stops listening, drops keep-alive sockets and pending slow answers. */
  close(): Promise<void>;
}

/** The scenario of an offer nobody scripted. */
const BUILTIN_DEFAULT_SCENARIO: OfferScenario = { cancel: { mode: 'synchronous' } };

/** Starts the simulator and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  if (options.tokens !== undefined && options.tokenIssuer !== undefined) throw new Error('give tokens or tokenIssuer, not both');
  const checkToken = options.tokenIssuer ? jwtTokenCheck(options.tokenIssuer) : staticTokenCheck(options.tokens ?? ['sim-token']);
  const apiVersions = new Set(options.apiVersions ?? ['2017-10-31']);
  const seed = validateSeed(options.seed ?? {});
  const seeded = seedEntries(seed);

  const book = new OfferBook();
  const restored = options.stateFile ? loadState(book, options.stateFile) : 0;
  if (restored > 0) options.log?.(`restored ${restored} offers from ${options.stateFile}`);
  const state = options.stateFile ? stateWriter(book, options.stateFile) : undefined;
  const log = new RingBuffer<SimulatedRequest>(options.maxLoggedRequests ?? 100_000);
  let scenarios = new Map<string, OfferScenario>();
  let defaultScenario = BUILTIN_DEFAULT_SCENARIO;
  const applySeed = (): void => {
    scenarios = new Map(seeded.map((e) => [offerKey(e.publisherId, e.offerId), copy(e.scenario)]));
    defaultScenario = seed.default ? copy(seed.default) : BUILTIN_DEFAULT_SCENARIO;
  };
  applySeed();

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

  const sim: Omit<RunningSimulator, 'url' | 'close'> = {
    setScenario(publisherId, offerId, scenario) {
      // Stored as a copy: a new object identity restarts the offer's fault counters.
      scenarios.set(offerKey(publisherId, offerId), copy(validateScenario(scenario)));
    },
    setDefaultScenario(scenario) {
      defaultScenario = copy(validateScenario(scenario));
    },
    requests(filter = {}) {
      return log.toArray().filter(
        (r) =>
          (filter.publisherId === undefined || r.publisherId === filter.publisherId) &&
          (filter.offerId === undefined || r.offerId === filter.offerId) &&
          (filter.endpoint === undefined || r.endpoint === filter.endpoint),
      );
    },
    postCount: (publisherId, offerId) => offerState(publisherId, offerId).postCount,
    pollCount: (publisherId, offerId) => offerState(publisherId, offerId).pollCount,
    offerState,
    reset() {
      book.clear();
      log.clear();
      applySeed();
      state?.changed();
    },
  };

  const cpp = createCppHandler({
    book,
    scenarioFor: (publisherId, offerId) => scenarios.get(offerKey(publisherId, offerId)) ?? defaultScenario,
    checkToken,
    apiVersions,
    sleep,
    record(entry) {
      log.push(entry);
      options.log?.(`${entry.method} ${entry.path} -> ${entry.answered}${entry.auth === 'valid' ? '' : ` (auth ${entry.auth})`}`);
    },
  });
  const admin = createAdminHandler(sim);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const isAdmin = rawPath === '/_admin' || rawPath.startsWith('/_admin/');
    (isAdmin ? admin : cpp)(req, res, rawPath, rawQuery)
      // Any request may have created an offer or moved an operation on.
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

function copy(scenario: OfferScenario): OfferScenario {
  return structuredClone(scenario);
}
