/**
 * Maps a raw request path onto the Product Ingestion routes the simulator serves, all under
 * `/rp/product-ingestion/configure/{jobID}`: the cancel, the status and the summary of one job.
 */

/** Where the Product Ingestion routes live, on the same server as the CPP routes. */
const BASE_SEGMENTS = ['rp', 'product-ingestion'];

/** A recognised Product Ingestion request; `jobId` is percent-decoded but not yet checked to be a GUID. */
export type IngestionRoute =
  | { endpoint: 'jobCancel' | 'jobStatus' | 'jobSummary'; jobId: string }
  | { endpoint: 'unknown'; problem: 'notFound' | 'badEncoding' };

/** Whether the raw `path` (no query) belongs to the Product Ingestion API. */
export function isIngestionPath(path: string): boolean {
  const [, rp, api] = path.split('/');
  return rp === BASE_SEGMENTS[0] && api === BASE_SEGMENTS[1];
}

/** Matches `method` and the raw `path` (no query) to a route. */
export function matchIngestionRoute(method: string, path: string): IngestionRoute {
  let segments: string[];
  try {
    segments = path.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return { endpoint: 'unknown', problem: 'badEncoding' };
  }
  const [, , resource, jobId, action, ...rest] = segments;
  if (resource !== 'configure' || !jobId || rest.length > 0) return notFound;
  if (method === 'POST' && action === 'cancel') return { endpoint: 'jobCancel', jobId };
  if (method === 'GET' && action === 'status') return { endpoint: 'jobStatus', jobId };
  if (method === 'GET' && action === undefined) return { endpoint: 'jobSummary', jobId };
  return notFound;
}

const notFound: IngestionRoute = { endpoint: 'unknown', problem: 'notFound' };
