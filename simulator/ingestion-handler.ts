/**
 * Serves the Product Ingestion routes: authentication, `$version`, the job id, fault rules, then
 * the job model.
 *
 * Order of checks, as for the CPP routes: body size → bearer token → route → `$version` → job id
 * (a GUID) → fault rule → the route's own behaviour. A fault that replaces the answer (status,
 * reset, malformed or oversized body) leaves the job untouched; slow faults run the normal
 * behaviour first, so "the server cancelled but the client never saw it" can be simulated.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authOf, type TokenCheck } from './bearer-auth';
import { deliver, deliverOversized, type Pacing, type Sleep } from './deliver';
import { DEFAULT_OVERSIZED_BYTES, malformedJsonReply, takeFault } from './faults';
import { ALREADY_COMPLETED, ingestionErrorReply, ingestionStatusFaultReply, STILL_RUNNING, TOO_FAR_ALONG, unauthorizedReply } from './ingestion-replies';
import { matchIngestionRoute } from './ingestion-routes';
import { configureDetailJson, configureStatusJson } from './job-json';
import { isJobId, type JobBook, type SimJob } from './job-model';
import type { JobFault, JobScenario } from './job-scenario';
import { recordedHeaders } from './recorded-headers';
import { jsonReply, type Reply } from './reply';
import { parseBody, readBody } from './request-body';
import type { SimulatedRequest } from './scenario';

/** What the Product Ingestion handler needs from the running simulator. */
export interface IngestionHandlerDeps {
  jobs: JobBook;
  /** The scenario of a job (lower-case GUID). */
  scenarioFor(jobId: string): JobScenario;
  /** Decides whether a bearer token is accepted for the Product Ingestion audience (see bearer-auth.ts). */
  checkToken: TokenCheck;
  /** The `$version` values accepted. */
  versions: ReadonlySet<string>;
  /** Stores one request in the log (the entry never holds the token). */
  record(entry: SimulatedRequest): void;
  sleep: Sleep;
}

/** Handles one request to a Product Ingestion route (`rawPath`/`rawQuery` exactly as received). */
export type IngestionHandler = (req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) => Promise<void>;

/** A configure-status object cut off mid-value, as a proxy that drops the connection would leave it. */
const MALFORMED_STATUS_BODY = '{"$schema": "https://schema.mp.microsoft.com/schema/configure-status/2022-03-01-preview2", "jobStatus": ';

export function createIngestionHandler(deps: IngestionHandlerDeps): IngestionHandler {
  return async (req, res, rawPath, rawQuery) => {
    const time = new Date().toISOString();
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const now = Date.now();
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    const route = matchIngestionRoute(method, rawPath);
    const auth = authOf(req.headers.authorization, deps.checkToken);
    const routedId = route.endpoint === 'unknown' ? undefined : route.jobId;
    // Created on first sight, even by a refused request, so that it is logged against the job.
    let job = routedId !== undefined && isJobId(routedId) ? deps.jobs.get(routedId, () => deps.scenarioFor(routedId.toLowerCase()), now) : undefined;

    const record = (answered: number | 'reset'): void => {
      const parsedBody = body === 'tooLarge' ? undefined : parseBody(body);
      deps.record({
        time,
        method,
        path: rawPath,
        query,
        headers: recordedHeaders(req.headers),
        auth,
        ...(parsedBody !== undefined ? { body: parsedBody } : {}),
        ...(routedId !== undefined ? { jobId: job?.jobId ?? routedId } : {}),
        endpoint: route.endpoint,
        answered,
      });
      if (!job || answered === 'reset') return;
      if (route.endpoint === 'jobCancel') job.cancelCount += 1;
      else if (route.endpoint === 'jobStatus') job.statusCount += 1;
      else if (route.endpoint === 'jobSummary') job.summaryCount += 1;
    };
    // Recorded when decided, before any pacing: a slow answer still counts as the server having acted.
    const answer = (reply: Reply, pacing?: Pacing): Promise<void> => {
      record(reply.status);
      reply.headers['request-id'] = randomUUID();
      return deliver(res, reply, deps.sleep, pacing);
    };

    if (body === 'tooLarge') return answer(ingestionErrorReply(413, 'The request body is too large.'));
    if (auth !== 'valid') return answer(unauthorizedReply(auth));
    if (route.endpoint === 'unknown') {
      return answer(
        route.problem === 'badEncoding'
          ? ingestionErrorReply(400, 'The request path holds an invalid percent-encoding.')
          : ingestionErrorReply(404, `No resource matches ${method} ${rawPath}.`),
      );
    }
    const version = query.$version;
    if (!version || !deps.versions.has(version)) {
      const supported = [...deps.versions].join(', ');
      return answer(
        ingestionErrorReply(400, version ? `The $version '${version}' is not supported. Supported versions: ${supported}.` : `The $version query parameter is required. Supported versions: ${supported}.`),
      );
    }
    if (!job) return answer(ingestionErrorReply(400, `'${route.jobId}' is not a valid job ID: a job ID is a GUID.`));

    const scenario = deps.scenarioFor(job.jobId);
    // Before the fault rules: a demo job that has completed meets its scenario again from the start.
    if (route.endpoint === 'jobCancel' && scenario.repeatable) job = deps.jobs.restartDemo(job, scenario, now);
    const fault = takeFault(job, scenario, route.endpoint);
    if (fault && isReplacing(fault)) return serveReplacingFault(fault, route.endpoint === 'jobSummary' ? configureDetailJson(job, now) : configureStatusJson(job, now), { req, res, answer, record });
    const pacing: Pacing = fault?.kind === 'slowHeaders' ? { headersDelayMs: fault.delayMs } : fault?.kind === 'slowBody' ? { bodyDelayMs: fault.delayMs } : {};
    switch (route.endpoint) {
      case 'jobCancel':
        return answer(cancelReply(deps.jobs, job, scenario, now), pacing);
      case 'jobStatus':
        deps.jobs.poll(job, now);
        return answer(jsonReply(200, configureStatusJson(job, now)), pacing);
      case 'jobSummary':
        return answer(job.end ? jsonReply(200, configureDetailJson(job, now)) : ingestionErrorReply(400, STILL_RUNNING), pacing);
    }
  };
}

/** The cancel POST's answer: the job's configure-status, or 400 when the job cannot be cancelled. */
function cancelReply(jobs: JobBook, job: SimJob, scenario: JobScenario, now: number): Reply {
  switch (jobs.cancel(job, scenario.cancel ?? { mode: 'immediate' }, now)) {
    case 'cancelled':
    case 'accepted':
      return jsonReply(200, configureStatusJson(job, now));
    case 'refused':
      return ingestionErrorReply(400, TOO_FAR_ALONG);
    case 'alreadyCompleted':
      return ingestionErrorReply(400, ALREADY_COMPLETED);
  }
}

/** Faults whose answer replaces the normal behaviour entirely (the job's state does not change). */
type ReplacingFault = Extract<JobFault, { kind: 'status' | 'reset' | 'malformedJson' | 'oversizedBody' }>;

function isReplacing(fault: JobFault): fault is ReplacingFault {
  return fault.kind !== 'slowHeaders' && fault.kind !== 'slowBody';
}

/** Serves a replacing fault; `normalBody` is what the route answers with 200, the layout an oversized body keeps. */
function serveReplacingFault(
  fault: ReplacingFault,
  normalBody: Record<string, unknown>,
  io: { req: IncomingMessage; res: ServerResponse; answer: (reply: Reply) => Promise<void>; record: (answered: number | 'reset') => void },
): Promise<void> {
  switch (fault.kind) {
    case 'status':
      return io.answer(ingestionStatusFaultReply(fault));
    case 'malformedJson':
      return io.answer(malformedJsonReply(MALFORMED_STATUS_BODY));
    case 'reset':
      io.record('reset');
      io.req.socket.destroy();
      return Promise.resolve();
    case 'oversizedBody':
      io.record(200);
      // The route's own body, then white space: valid JSON in a layout the reference shows, only its size is wrong.
      return deliverOversized(io.res, fault.bytes ?? DEFAULT_OVERSIZED_BYTES, { head: JSON.stringify(normalBody), tail: '', filler: ' ' });
  }
}
