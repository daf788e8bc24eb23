/**
 * Maps a raw request path onto the CPP routes the simulator serves. Works on the raw path, so that
 * `$` and `%24` in legacy operation ids both arrive, and decodes each id segment on its own.
 */

/** A recognised CPP request, ids percent-decoded; `raw*` keep the segments as received. */
export type CppRoute =
  | { endpoint: 'cancel'; publisherId: string; offerId: string; rawPublisher: string; rawOffer: string }
  | { endpoint: 'poll'; publisherId: string; offerId: string; operationId: string }
  | { endpoint: 'pollLegacy'; operationId: string }
  | { endpoint: 'list'; publisherId: string; offerId: string }
  | { endpoint: 'unknown'; problem: 'notFound' | 'badEncoding' };

/** Matches `method` and the raw `path` (no query) to a route. */
export function matchRoute(method: string, path: string): CppRoute {
  const raw = path.split('/').slice(1);
  let segments: string[];
  try {
    segments = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return { endpoint: 'unknown', problem: 'badEncoding' };
  }
  const [api, first, publisherId, offers, offerId, action, operationId, ...rest] = segments;
  if (api !== 'api') return notFound;

  if (first === 'operations' && method === 'GET' && segments.length === 3 && publisherId) {
    // /api/operations/{legacyId}: the id sits where a publisher id would.
    return { endpoint: 'pollLegacy', operationId: publisherId };
  }
  if (first !== 'publishers' || offers !== 'offers' || !publisherId || !offerId || rest.length > 0) return notFound;

  if (action === 'cancel' && operationId === undefined && method === 'POST') {
    return { endpoint: 'cancel', publisherId, offerId, rawPublisher: raw[2] ?? '', rawOffer: raw[4] ?? '' };
  }
  if (method !== 'GET') return notFound;
  if (action === 'operations' && operationId) return { endpoint: 'poll', publisherId, offerId, operationId };
  // The list is documented only as `submissions/?…` (trailing slash); accept it without the slash too.
  // `…/operations` without an id is not in the reference, so it is an unknown route (404).
  if (action === 'submissions' && (operationId === undefined || operationId === '')) return { endpoint: 'list', publisherId, offerId };
  return notFound;
}

const notFound: CppRoute = { endpoint: 'unknown', problem: 'notFound' };
