/**
 * The admin API under `/_admin` (no auth, JSON): lets the local stack, the benchmark and
 * out-of-process tests script offers and configure jobs and read what the simulator saw. Admin
 * calls are not API requests and are not written to the request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendNow } from './deliver';
import { errorReply, jsonReply, type Reply } from './reply';
import { readBody } from './request-body';
import type { JobScenario } from './job-scenario';
import type { OfferScenario, SimulatedRequest } from './scenario';
import type { RequestFilter, RunningSimulator } from './server';
import { ScenarioError } from './validate-fields';

/** The simulator controls the admin API exposes. */
export type AdminControls = Pick<
  RunningSimulator,
  'setScenario' | 'setDefaultScenario' | 'setJobScenario' | 'setDefaultJobScenario' | 'requests' | 'offerState' | 'jobState' | 'reset'
>;

const ENDPOINTS: readonly SimulatedRequest['endpoint'][] = ['cancel', 'poll', 'list', 'jobCancel', 'jobStatus', 'jobSummary', 'unknown'];

/** Handles one `/_admin/...` request. */
export function createAdminHandler(sim: AdminControls): (req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string) => Promise<void> {
  return async (req, res, rawPath, rawQuery) => {
    const body = await readBody(req);
    sendNow(res, route(sim, req.method ?? 'GET', rawPath, rawQuery, body));
  };
}

function route(sim: AdminControls, method: string, rawPath: string, rawQuery: string, body: Buffer | 'tooLarge'): Reply {
  let segments: string[];
  try {
    segments = rawPath.split('/').slice(2).map((s) => decodeURIComponent(s));
  } catch {
    return errorReply(400, 'The admin path holds an invalid percent-encoding.');
  }
  const [resource, a, b, ...rest] = segments;
  const key = `${method} ${resource ?? ''}`;
  if (key === 'GET health' && a === undefined) return jsonReply(200, { ok: true });
  if (key === 'POST reset' && a === undefined) {
    sim.reset();
    return jsonReply(200, { ok: true });
  }
  if (key === 'GET requests' && a === undefined) return requestsReply(sim, new URLSearchParams(rawQuery));
  if (key === 'GET offers' && a && b && rest.length === 0) return jsonReply(200, sim.offerState(a, b));
  if (key === 'PUT scenarios' && a === 'default' && b === undefined) {
    return withScenario(body, (scenario: OfferScenario) => sim.setDefaultScenario(scenario), 'default');
  }
  if (key === 'PUT scenarios' && a && b && rest.length === 0) {
    return withScenario(body, (scenario: OfferScenario) => sim.setScenario(a, b, scenario), { publisherId: a, offerId: b });
  }
  // Job ids are GUIDs, so `default` names no job.
  if (key === 'PUT jobs' && a === 'default' && b === undefined) {
    return withScenario(body, (scenario: JobScenario) => sim.setDefaultJobScenario(scenario), 'default');
  }
  if (key === 'PUT jobs' && a && b === undefined) {
    return withScenario(body, (scenario: JobScenario) => sim.setJobScenario(a, scenario), { jobId: a });
  }
  if (key === 'GET jobs' && a && b === undefined) return orBadRequest(() => jsonReply(200, sim.jobState(a)));
  return errorReply(
    404,
    `No admin resource matches ${method} ${rawPath}. See GET /_admin/health, GET /_admin/requests, GET /_admin/offers/{publisherId}/{offerId}, PUT /_admin/scenarios/{publisherId}/{offerId}, PUT /_admin/scenarios/default, GET /_admin/jobs/{jobId}, PUT /_admin/jobs/{jobId}, PUT /_admin/jobs/default, POST /_admin/reset.`,
  );
}

function requestsReply(sim: AdminControls, params: URLSearchParams): Reply {
  const filter: RequestFilter = {};
  const publisherId = params.get('publisherId');
  const offerId = params.get('offerId');
  const jobId = params.get('jobId');
  const endpoint = params.get('endpoint');
  if (publisherId) filter.publisherId = publisherId;
  if (offerId) filter.offerId = offerId;
  if (jobId) filter.jobId = jobId;
  if (endpoint) {
    if (!ENDPOINTS.includes(endpoint as SimulatedRequest['endpoint'])) return errorReply(400, `endpoint must be one of ${ENDPOINTS.join(', ')}`);
    filter.endpoint = endpoint as SimulatedRequest['endpoint'];
  }
  return jsonReply(200, sim.requests(filter));
}

/** Parses the body as a scenario and applies it (which validates it); 400 with the field at fault otherwise. */
function withScenario<S>(body: Buffer | 'tooLarge', apply: (scenario: S) => void, target: unknown): Reply {
  if (body === 'tooLarge') return errorReply(413, 'The scenario is too large.');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return errorReply(400, `The body is not valid JSON: ${(err as Error).message}`);
  }
  return orBadRequest(() => {
    apply(json as S);
    return jsonReply(200, { ok: true, target, scenario: json });
  });
}

/** The reply of `act`, or 400 when it refused a scenario or a job id (a {@link ScenarioError}). */
function orBadRequest(act: () => Reply): Reply {
  try {
    return act();
  } catch (err) {
    if (err instanceof ScenarioError) return errorReply(400, err.message);
    throw err;
  }
}
