/**
 * Keeps secrets out of error text.
 *
 * A server may echo the `Authorization` header in an error page, and identity libraries quote their
 * requests in error messages; whatever the client puts on an error passes through here first.
 */

/** What a removed secret is replaced with. */
const REDACTED = '[REDACTED]';

// `Bearer <token>` in any casing, the token being the RFC 6750 b64token alphabet.
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
// A form-encoded secret or assertion, as in an OAuth token request quoted back by an identity library.
// It ends before a backslash too: form values escape theirs, and in a JSON log line one starts `\"`.
const FORM_SECRET_PATTERN = /\b(client_secret|client_assertion|access_token|refresh_token)=[^&\s"'\\]+/gi;
// A JWT (Entra access tokens are JWTs) wherever it appears, even without `Bearer`.
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/**
 * `text` with every known secret and every token-looking string replaced by {@link REDACTED}.
 *
 * Known secrets are removed verbatim first, so a token that does not look like a JWT (a static
 * test token, say) goes too.
 */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(BEARER_PATTERN, `Bearer ${REDACTED}`)
    .replace(FORM_SECRET_PATTERN, (_match, key: string) => `${key}=${REDACTED}`)
    .replace(JWT_PATTERN, REDACTED);
}

/**
 * A secret-free stand-in for `error`, fit to be a `cause`: same `name` and `code`, redacted message
 * and stack, the same for its own causes (3 levels deep). Other properties (sockets, requests,
 * headers) are dropped on purpose: they are where secrets hide.
 */
export function safeCause(error: unknown, secrets: Iterable<string> = [], depth = 3): Error | undefined {
  if (error === undefined || error === null) return undefined;
  const list = [...secrets];
  if (!(error instanceof Error)) return new Error(redactText(describeValue(error), list));
  const copy = new Error(
    redactText(error.message, list),
    depth > 1 && error.cause !== undefined ? { cause: safeCause(error.cause, list, depth - 1) } : undefined,
  );
  copy.name = error.name;
  const code = errorCode(error);
  if (code !== undefined) Object.assign(copy, { code });
  copy.stack = error.stack === undefined ? undefined : redactText(error.stack, list);
  return copy;
}

/** `error.code` when it is a string (Node and undici errors carry one). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}

/** Text for a thrown value that is not an Error (a string, an object, a DOMException-like). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    // Circular or BigInt-holding objects cannot be serialised; their type is all we can say.
    return typeof value;
  }
}
