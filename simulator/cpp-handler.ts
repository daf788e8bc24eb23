/**
 * Serves the CPP routes: authentication, api-version, fault rules, then the offer model.
 *
 * Order of checks, as a front end would apply them: body size → bearer token → route → api-version
 * → fault rule → the route's own behaviour. A fault that replaces the answer (status, reset,
 * malformed or oversized body) leaves the offer untouched; slow and Location faults run the normal
 * behaviour first, so "the server acted but the client never saw it" can be simulated.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authOf, type TokenCheck } from './bearer-auth';
import { deliver, deliverOversized, type Pacing, type Sleep } from './deliver';
import {
  bearerTokenOf,
  DEFAULT_FOREIGN_ORIGIN,
  DEFAULT_OVERSIZED_BYTES,
  echoTokenReply,
  isReplacing,
  locationEchoingToken,
  malformedJsonReply,
  recordedQuery,
  replayReply,
  statusFaultReply,
  takeFault,
  withEchoedHeaders,
  type ReplacingFault,
} from './faults';
import type { AcceptedBehaviour, OfferBook, SimOffer, SimOperation } from './offer-model';
import { isTerminal, listedOperationJson, operationJson } from './operation-json';
import { customBodyReply, emptyReply, errorReply, jsonReply, type Reply } from './reply';
import { recordedHeaders } from './recorded-headers';
import { parseBody, readBody } from './request-body';
import { matchRoute, type CppRoute } from './routes';
import type { Fault, OfferScenario, SimulatedRequest } from './scenario';

/** What the CPP handler needs from the running simulator. */
export interface CppHandlerDeps {
  book: OfferBook;
  scenarioFor(publisherId: string, offerId: string): OfferScenario;
  /** Decides whether a bearer token is accepted (see bearer-auth.ts). */
  checkToken: TokenCheck;
  apiVersions: ReadonlySet<string>;
  /** Stores one request in the log (the entry never holds the token). */
  record(entry: SimulatedRequest): void;
  sleep: Sleep;
}

/** Handles one request to a CPP route (`rawPath`/`rawQuery` exactly as received). */
export type CppHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) => Promise<void>;

type Endpoint = SimulatedRequest['endpoint'];

export function createCppHandler(deps: CppHandlerDeps): CppHandler {
  return async (req, res, rawPath, rawQuery) => {
    const time = new Date().toISOString();
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const now = Date.now();
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    const route = matchRoute(method, rawPath);
    const auth = authOf(req.headers.authorization, deps.checkToken);

    // Resolve the offer first, so that even refused requests are logged against it.
    let offer: SimOffer | undefined;
    let operation: SimOperation | undefined;
    if (route.endpoint === 'pollLegacy') {
      ({ offer, operation } = deps.book.findOperation(route.operationId, now) ?? {});
    } else if (route.endpoint !== 'unknown') {
      offer = deps.book.get(route.publisherId, route.offerId, now);
      if (route.endpoint === 'poll') operation = offer.operations.find((op) => op.id === route.operationId);
    }
    const endpoint: Endpoint = route.endpoint === 'pollLegacy' ? 'poll' : route.endpoint;
    const parsedBody = body === 'tooLarge' ? undefined : parseBody(body);

    const record = (answered: number | 'reset'): void => {
      deps.record({
        time,
        method,
        path: rawPath,
        query: recordedQuery(query),
        headers: recordedHeaders(req.headers),
        auth,
        ...(parsedBody !== undefined ? { body: parsedBody } : {}),
        ...(offer ? { publisherId: offer.publisherId, offerId: offer.offerId } : {}),
        endpoint,
        answered,
      });
      if (!offer || answered === 'reset') return;
      if (endpoint === 'cancel') offer.postCount += 1;
      else if (endpoint === 'poll') offer.pollCount += 1;
    };
    // Recorded when decided, before any pacing: a slow answer still counts as the server having acted.
    const answer = (reply: Reply, pacing?: Pacing): Promise<void> => {
      record(reply.status);
      reply.headers['x-ms-request-id'] = randomUUID();
      return deliver(res, reply, deps.sleep, pacing);
    };

    if (body === 'tooLarge') return answer(errorReply(413, 'The request body is too large.'));
    if (auth !== 'valid') {
      const expired = auth === 'expired' ? ', error_description="The token is expired"' : '';
      return answer(
        errorReply(401, auth === 'expired' ? 'The access token is expired.' : undefined, {
          'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"${expired}`,
        }),
      );
    }
    if (route.endpoint === 'unknown') {
      return answer(
        route.problem === 'badEncoding'
          ? errorReply(400, 'The request path holds an invalid percent-encoding.')
          : errorReply(404, `No resource matches ${method} ${rawPath}.`),
      );
    }
    const apiVersion = query['api-version'];
    if (!apiVersion || !deps.apiVersions.has(apiVersion)) {
      const supported = [...deps.apiVersions].join(', ');
      return answer(
        errorReply(400, apiVersion ? `The api-version '${apiVersion}' is not supported. Supported versions: ${supported}.` : `The api-version query parameter is required. Supported versions: ${supported}.`),
      );
    }
    // Only a legacy id can leave the offer unknown: it names no offer in its path.
    if (!offer) return answer(errorReply(404, `Operation ${route.endpoint === 'pollLegacy' ? route.operationId : rawPath} was not found.`));

    const scenario = deps.scenarioFor(offer.publisherId, offer.offerId);
    // Before the fault rules: a demo offer cancelled once meets its scenario again from the start.
    if (endpoint === 'cancel' && scenario.repeatable) deps.book.restartDemo(offer, now);
    const fault = takeFault(offer, scenario, endpoint === 'cancel' ? 'cancel' : endpoint === 'poll' ? 'poll' : 'list');
    if (fault && isReplacing(fault)) {
      return serveReplacingFault(fault, req, res, answer, record);
    }
    // Only the answer ever holds the token an `echoToken` fault echoes.
    const token = bearerTokenOf(req.headers.authorization);
    const echoReply = fault?.kind === 'echoToken' ? echoTokenReply(fault, token) : undefined;
    if (echoReply) return answer(echoReply);
    const pacing: Pacing =
      fault?.kind === 'slowHeaders' ? { headersDelayMs: fault.delayMs } : fault?.kind === 'slowBody' ? { bodyDelayMs: fault.delayMs } : {};
    switch (route.endpoint) {
      case 'cancel':
        return answer(withEchoedHeaders(cancelReply(deps.book, offer, scenario, route, parsedBody, fault, now, token), fault, token), pacing);
      case 'poll':
      case 'pollLegacy':
        return answer(withEchoedHeaders(pollReply(deps.book, offer, operation, scenario, route.operationId, now), fault, token), pacing);
      case 'list':
        return answer(withEchoedHeaders(listReply(offer, scenario, query), fault, token), pacing);
    }
  };
}

function serveReplacingFault(
  fault: ReplacingFault,
  req: IncomingMessage,
  res: ServerResponse,
  answer: (reply: Reply) => Promise<void>,
  record: (answered: number | 'reset') => void,
): Promise<void> {
  switch (fault.kind) {
    case 'status':
      return answer(statusFaultReply(fault));
    case 'replay':
      return answer(replayReply(fault));
    case 'malformedJson':
      return answer(malformedJsonReply());
    case 'reset':
      record('reset');
      req.socket.destroy();
      return Promise.resolve();
    case 'oversizedBody':
      record(200);
      return deliverOversized(res, fault.bytes ?? DEFAULT_OVERSIZED_BYTES);
  }
}

/** The cancel POST's answer; `noLocation`/`foreignLocation`/`echoToken` at `location` force the accepted path, then spoil its header. */
function cancelReply(
  book: OfferBook,
  offer: SimOffer,
  scenario: OfferScenario,
  route: Extract<CppRoute, { endpoint: 'cancel' }>,
  body: unknown,
  fault: Fault | undefined,
  now: number,
  token: string,
): Reply {
  const behaviour = scenario.cancel;
  const echoesInLocation = fault?.kind === 'echoToken' && fault.where === 'location';
  const spoilsLocation = fault?.kind === 'noLocation' || fault?.kind === 'foreignLocation' || echoesInLocation;
  if (behaviour.mode === 'error' && !spoilsLocation) {
    return behaviour.body !== undefined ? customBodyReply(behaviour.status, behaviour.body) : errorReply(behaviour.status, errorMessage(behaviour.status, offer));
  }
  const emails = notificationEmailsOf(body);
  if (emails === undefined) {
    return errorReply(400, 'The request body must be JSON like {"metadata":{"notification-emails":"jondoe@contoso.com"}}.');
  }
  const effective: { mode: 'synchronous' } | AcceptedBehaviour = spoilsLocation
    ? behaviour.mode === 'accepted'
      ? behaviour
      : { mode: 'accepted' }
    : behaviour.mode === 'accepted'
      ? behaviour
      : { mode: 'synchronous' };
  const outcome = book.cancel(offer, effective, emails, { publisher: route.rawPublisher, offer: route.rawOffer }, now);
  switch (outcome.kind) {
    case 'nothingToCancel':
      return errorReply(400, `There is no operation in progress to cancel on offer ${offer.offerId} of publisher ${offer.publisherId}.`);
    case 'synchronous':
      return emptyReply(200);
    case 'accepted': {
      const headers: Record<string, string> = {};
      if (fault?.kind === 'foreignLocation') headers.location = `${fault.origin ?? DEFAULT_FOREIGN_ORIGIN}${outcome.location}`;
      else if (echoesInLocation) headers.location = locationEchoingToken(outcome.location, token);
      else if (fault?.kind !== 'noLocation') headers.location = outcome.location;
      const retryAfter = outcome.operation.cancel?.behaviour.retryAfterSeconds;
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      return emptyReply(202, headers);
    }
  }
}

/** One operation, as the documented array of one (or a bare object when the scenario says so). */
function pollReply(
  book: OfferBook,
  offer: SimOffer,
  operation: SimOperation | undefined,
  scenario: OfferScenario,
  operationId: string,
  now: number,
): Reply {
  if (!operation) return errorReply(404, `Operation ${operationId} was not found on offer ${offer.offerId} of publisher ${offer.publisherId}.`);
  const pollNumber = book.poll(offer, operation, now);
  const behaviour = operation.cancel?.behaviour ?? (scenario.cancel.mode === 'accepted' ? scenario.cancel : undefined);
  const json = operationJson(operation, now, pollNumber);
  const headers: Record<string, string> = {};
  const retryAfter = operation.cancel?.behaviour.retryAfterSeconds;
  if (retryAfter !== undefined && !isTerminal(operation)) headers['retry-after'] = String(retryAfter);
  return jsonReply(200, behaviour?.bodyShape === 'object' ? json : [json], headers);
}

/**
 * The offer's operations in the list layout, filtered by the documented `status` query (compared
 * case-insensitively with the item's state, even when `stateField: 'none'` hides it).
 */
function listReply(offer: SimOffer, scenario: OfferScenario, query: Record<string, string>): Reply {
  const filter = query.status?.toLowerCase();
  const stateField = scenario.list?.stateField ?? 'submissionState';
  const operations = offer.operations.filter((op) => !filter || op.status.toLowerCase() === filter);
  return jsonReply(200, operations.map((op) => listedOperationJson(offer, op, stateField)));
}

function errorMessage(status: number, offer: SimOffer): string | undefined {
  if (status === 404) return `Offer ${offer.offerId} of publisher ${offer.publisherId} was not found.`;
  if (status === 403) return `The client does not have access to publisher ${offer.publisherId}.`;
  return undefined;
}

/** `metadata.notification-emails` when the body has the documented shape. */
function notificationEmailsOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const metadata = (body as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const emails = (metadata as Record<string, unknown>)['notification-emails'];
  return typeof emails === 'string' ? emails : undefined;
}
