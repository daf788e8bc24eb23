/**
 * Where an operation can be polled: the `Location` of a 202, or a location handed back by a caller.
 */
import { CppProtocolError } from './errors';

// Header values cannot hold these, and the WHATWG parser would silently drop tabs and newlines.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * `raw` resolved against `baseUrl`, as an absolute URL string on the same origin.
 *
 * CPP sends relative paths (`/api/operations/contoso$contoso-offer$2$preview?api-version=…`); an
 * absolute URL is accepted when its scheme, host and port are the base URL's. The path and query
 * keep their bytes: `$`, percent-escapes and their case pass through unchanged (the WHATWG parser
 * only resolves `.`/`..` segments and escapes characters that cannot appear in a URL).
 *
 * A query parameter that holds one of `secrets` (a server that echoes the bearer token into its
 * Location) is dropped: the location is kept in the run's history, and the token goes with every
 * request anyway.
 *
 * @throws {@link CppProtocolError} `MissingLocation` when `raw` is absent or blank,
 * `ForeignLocation` when it points to another origin (the bearer token must never go there),
 * `InvalidLocation` when it is not a URL, carries credentials or control characters, or holds a
 * secret outside its query.
 */
export function resolveLocation(raw: string | undefined, baseUrl: URL, secrets: readonly string[] = []): string {
  if (raw === undefined || raw.trim() === '') {
    throw new CppProtocolError('MissingLocation', 'The answer has no Location to poll');
  }
  if (CONTROL_CHARACTERS.test(raw)) {
    throw new CppProtocolError('InvalidLocation', 'The Location contains control characters');
  }
  let url: URL;
  try {
    url = new URL(raw, baseUrl);
  } catch {
    throw new CppProtocolError('InvalidLocation', 'The Location is not a URL');
  }
  if (url.origin !== baseUrl.origin) {
    // The origin alone is safe to name: no path, query or credentials.
    throw new CppProtocolError(
      'ForeignLocation',
      `The Location points to ${url.origin}, not to the CPP API at ${baseUrl.origin}; it is not followed`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new CppProtocolError('InvalidLocation', 'The Location carries credentials');
  }
  // A fragment is never sent; drop it so the URL equals what is requested.
  url.hash = '';
  return withoutSecrets(url.href, secrets);
}

/** `href` without the query parameters holding one of `secrets` (as sent or percent-decoded). */
function withoutSecrets(href: string, secrets: readonly string[]): string {
  const known = secrets.filter((s) => s.length > 0);
  const holdsSecret = (text: string): boolean => known.some((s) => text.includes(s) || decoded(text).includes(s));
  if (!holdsSecret(href)) return href;
  const q = href.indexOf('?');
  const kept = q < 0 ? [] : href.slice(q + 1).split('&').filter((part) => !holdsSecret(part));
  const clean = `${q < 0 ? href : href.slice(0, q)}${kept.length > 0 ? `?${kept.join('&')}` : ''}`;
  if (holdsSecret(clean)) throw new CppProtocolError('InvalidLocation', 'The Location carries the bearer token outside its query');
  return clean;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
