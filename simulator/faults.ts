/**
 * Fault rules: which fault (if any) the next request of a kind gets, and the answers of the faults
 * that replace the normal behaviour.
 */
import { customBodyReply, emptyReply, errorReply, type Reply } from './reply';
import type { Fault } from './scenario';

/** Default size of an `oversizedBody` answer: 8 MiB. */
export const DEFAULT_OVERSIZED_BYTES = 8 * 1024 * 1024;
/** Default origin of a `foreignLocation`. */
export const DEFAULT_FOREIGN_ORIGIN = 'https://evil.example';
/** A JSON answer cut off mid-value, as a proxy that drops the connection would leave it. */
const MALFORMED_JSON_BODY = '[{"id": "x", "status": ';

/** Fault counters of an offer or a job, tied to the scenario they were made for (a new scenario starts afresh). */
export interface FaultCounters {
  scenario: object;
  remaining: number[];
}

/**
 * Takes the next fault for a request of kind `on`: rules are consumed in their listed order, each
 * for `times` requests. Counters belong to the offer or job (`holder`) and restart whenever its
 * scenario changes.
 */
export function takeFault<On extends string, F extends Fault>(
  holder: { faults?: FaultCounters },
  scenario: { faults?: { on: On; fault: F; times?: number }[] },
  on: On,
): F | undefined {
  const rules = scenario.faults ?? [];
  if (rules.length === 0) return undefined;
  if (holder.faults?.scenario !== scenario) {
    holder.faults = { scenario, remaining: rules.map((rule) => rule.times ?? 1) };
  }
  const remaining = holder.faults.remaining;
  const index = rules.findIndex((rule, i) => rule.on === on && (remaining[i] ?? 0) > 0);
  if (index < 0) return undefined;
  remaining[index] = (remaining[index] ?? 1) - 1;
  return rules[index]?.fault;
}

/** Faults whose answer replaces the normal behaviour entirely (the offer's state does not change). */
export type ReplacingFault = Extract<Fault, { kind: 'status' | 'replay' | 'reset' | 'malformedJson' | 'oversizedBody' }>;

export function isReplacing(fault: Fault): fault is ReplacingFault {
  return fault.kind === 'status' || fault.kind === 'replay' || fault.kind === 'reset' || fault.kind === 'malformedJson' || fault.kind === 'oversizedBody';
}

/** The answer of a `replay` fault: its status, headers and body as given (a JSON body gets a JSON `Content-Type` unless one is named). */
export function replayReply(fault: Extract<Fault, { kind: 'replay' }>): Reply {
  const headers = { ...fault.headers };
  if (fault.body === undefined || fault.body === null) return emptyReply(fault.status, headers);
  const named = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return { status: fault.status, headers: named ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers }, body: Buffer.from(JSON.stringify(fault.body)) };
}

/** The answer of a `status` fault: the given body, or the CPP error body for that status. */
export function statusFaultReply(fault: Extract<Fault, { kind: 'status' }>): Reply {
  const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
  if (fault.body !== undefined) return customBodyReply(fault.status, fault.body, headers);
  const message = fault.status === 429 && fault.retryAfter !== undefined ? `Rate limit is exceeded. Try again in ${fault.retryAfter} seconds.` : undefined;
  return errorReply(fault.status, message, headers);
}

type EchoTokenFault = Extract<Fault, { kind: 'echoToken' }>;

/** The query parameter in which an `echoToken` fault's `Location` carries the token. */
const ECHO_QUERY_PARAMETER = 'token';

/** The token of a request's `Authorization: Bearer <token>` (empty without one). */
export function bearerTokenOf(authorization: string | undefined): string {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
}

/**
 * The answer of an `echoToken` fault when it replaces the normal one: `body`, or `header` with a
 * status. Undefined when the normal answer goes out, its headers or `Location` echoing the token.
 */
export function echoTokenReply(fault: EchoTokenFault, token: string): Reply | undefined {
  if (fault.where === 'body') {
    return errorReply(fault.status ?? 500, `The request with Authorization: Bearer ${token} failed (access token: ${token}).`);
  }
  return fault.where === 'header' && fault.status !== undefined ? errorReply(fault.status, undefined, echoedTokenHeaders(token)) : undefined;
}

/** `reply` with the token echoed in its headers when `fault` says so (a `header` echo on the normal answer). */
export function withEchoedHeaders(reply: Reply, fault: Fault | undefined, token: string): Reply {
  if (fault?.kind !== 'echoToken' || fault.where !== 'header') return reply;
  return { ...reply, headers: { ...reply.headers, ...echoedTokenHeaders(token) } };
}

function echoedTokenHeaders(token: string): Record<string, string> {
  return {
    'www-authenticate': `Bearer realm="cloudpartner", error="invalid_token", error_description="token ${token} was checked"`,
    'x-debug-token': `Bearer ${token}`,
  };
}

/** A 202's `location` carrying the token in its query, as an `echoToken` fault at `location` spoils it. */
export function locationEchoingToken(location: string, token: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}${ECHO_QUERY_PARAMETER}=${token}`;
}

/** The query as the request log keeps it: the parameter an echoed `Location` carries the token in is redacted. */
export function recordedQuery(query: Record<string, string>): Record<string, string> {
  return ECHO_QUERY_PARAMETER in query ? { ...query, [ECHO_QUERY_PARAMETER]: '[REDACTED]' } : query;
}

/** The answer of a `malformedJson` fault: `body` is JSON cut off mid-value. */
export function malformedJsonReply(body = MALFORMED_JSON_BODY): Reply {
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(body) };
}

/** The JSON around the padding of an `oversizedBody` answer: `head`, then the padding, then `tail`. */
export interface PaddedJson {
  head: string;
  tail: string;
  /** The one character the padding repeats. @default 'x' */
  filler?: string;
}

/** A JSON array of one operation whose `padding` field is the padding. */
const PADDED_OPERATION: PaddedJson = { head: '[{"id":"oversized","status":"running","padding":"', tail: '"}]' };

/**
 * Chunks of an `oversizedBody` answer: `frame` (by default a JSON array of one operation) whose
 * padding brings the total to exactly `bytes` bytes (small sizes fall back to a run of spaces), so
 * the body is valid JSON and only its size is wrong.
 */
export function* oversizedChunks(bytes: number, frame: PaddedJson = PADDED_OPERATION, chunkSize = 64 * 1024): Generator<Buffer> {
  const head = Buffer.from(frame.head);
  const tail = Buffer.from(frame.tail);
  const padding = bytes - head.length - tail.length;
  if (padding < 0) {
    yield Buffer.from(' '.repeat(bytes));
    return;
  }
  yield head;
  const filler = Buffer.alloc(chunkSize, frame.filler ?? 'x');
  for (let left = padding; left > 0; left -= chunkSize) yield left >= chunkSize ? filler : filler.subarray(0, left);
  yield tail;
}
