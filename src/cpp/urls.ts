/**
 * Every URL the client requests, built from checked, encoded parts on the API's one origin: the
 * offer's cancel and operation list, one operation, and a location to poll.
 */
import { identifierProblem, valueSchemas } from '../workflow-safe/value-rules';
import { CppInvalidRequestError, CppProtocolError } from './errors';
import { resolveLocation } from './location';

/** `/api/publishers/{publisherId}/offers/{offerId}` with both ids checked and encoded. */
export type OfferPath = string & { readonly __brand: 'OfferPath' };

/** The CPP URLs on one base URL, with a default `api-version`. */
export class CppUrls {
  readonly #base: URL;
  readonly #apiVersion: string;

  /** @param base checked: scheme, host and port only. */
  constructor(base: URL, apiVersion: string) {
    this.#base = base;
    this.#apiVersion = apiVersion;
  }

  /** @throws {@link CppInvalidRequestError} `publisherId`/`offerId` when an id is unfit. */
  offer(publisherId: unknown, offerId: unknown): OfferPath {
    const publisher = encodeIdentifier('publisherId', publisherId);
    const offer = encodeIdentifier('offerId', offerId);
    return `/api/publishers/${publisher}/offers/${offer}` as OfferPath;
  }

  /** `POST …/offers/{offerId}/cancel?api-version=…`. */
  cancel(offer: OfferPath, apiVersion: string | undefined): string {
    return `${this.#base.origin}${offer}/cancel?api-version=${this.#version(apiVersion)}`;
  }

  /** `GET …/offers/{offerId}/submissions/?api-version=…&status=…`, as the reference documents the list. */
  list(offer: OfferPath, options: { apiVersion?: string; status?: string }): string {
    let query = `api-version=${this.#version(options.apiVersion)}`;
    if (options.status !== undefined) {
      if (typeof options.status !== 'string' || options.status.trim() === '') {
        throw new CppInvalidRequestError('status', 'must be a non-empty string');
      }
      query += `&status=${encodeComponent('status', options.status)}`;
    }
    return `${this.#base.origin}${offer}/submissions/?${query}`;
  }

  /** `…/offers/{offerId}/operations/{operationId}?api-version=…`, as "GET operation" documents it. */
  operation(offer: OfferPath, operationId: unknown, apiVersion: string | undefined): string {
    if (typeof operationId !== 'string' || operationId.trim() === '') throw new CppInvalidRequestError('operationId', 'must be a non-empty string');
    const operation = encodeComponent('operationId', operationId);
    return `${this.#base.origin}${offer}/operations/${operation}?api-version=${this.#version(apiVersion)}`;
  }

  /**
   * A location a caller hands in, to poll.
   * @throws {@link CppInvalidRequestError} `location` when it is on another origin or not a URL.
   */
  poll(location: string): string {
    try {
      return resolveLocation(location, this.#base);
    } catch (error) {
      throw error instanceof CppProtocolError ? new CppInvalidRequestError('location', error.message) : error;
    }
  }

  /**
   * Where a 202 says to poll: its `Location` header, else a location in its body.
   * @throws {@link CppProtocolError} (status 202) when neither is a same-origin URL.
   */
  asynchronous(header: string | undefined, body: string, secrets: readonly string[] = []): string {
    try {
      return resolveLocation(header ?? locationInBody(body), this.#base, secrets);
    } catch (error) {
      throw error instanceof CppProtocolError ? new CppProtocolError(error.code, error.message, { status: 202 }) : error;
    }
  }

  /** The `api-version` of a call: the one it names (checked) or the client's. */
  #version(apiVersion: string | undefined): string {
    if (apiVersion === undefined) return this.#apiVersion;
    const result = valueSchemas().apiVersion.safeParse(apiVersion);
    if (!result.success) throw new CppInvalidRequestError('apiVersion', result.error.issues[0]?.message ?? 'is invalid');
    return result.data;
  }
}

/**
 * A location named in a 202's body (the reference says the body holds it, then shows a header):
 * a bare path, a JSON string, or a JSON object with a `location` field of any case.
 */
function locationInBody(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('/')) return trimmed;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof json === 'string') return json;
  if (typeof json !== 'object' || json === null) return undefined;
  const entry = Object.entries(json).find(([key, value]) => key.toLowerCase() === 'location' && typeof value === 'string');
  return entry?.[1] as string | undefined;
}

/** A path segment for an id, after the shared identifier rules. */
function encodeIdentifier(field: string, value: unknown): string {
  const problem = identifierProblem(value);
  if (problem !== undefined) throw new CppInvalidRequestError(field, problem);
  return encodeComponent(field, value as string);
}

function encodeComponent(field: string, value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone UTF-16 surrogate has no UTF-8 form.
    throw new CppInvalidRequestError(field, 'must be well-formed Unicode');
  }
}
