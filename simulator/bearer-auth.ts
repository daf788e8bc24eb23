/**
 * Which bearer tokens the simulator's routes accept: a fixed set (the default, for the local stack
 * and most tests), or the JWTs one token issuer signed (a fake Entra authority in tests), checked as
 * a resource server checks them: RS256 signature with the issuer's key, `iss`, `aud`, `nbf` and
 * `exp`. The CPP routes and the Product Ingestion routes are two audiences: each has its own set of
 * fixed tokens, or its own `aud`.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * What the simulator makes of a request's `Authorization` header. `wrongAudience`: a token the
 * simulator would accept for its other API (Graph answers it "Invalid audience").
 */
export type AuthVerdict = 'valid' | 'expired' | 'wrongAudience' | 'invalid' | 'missing';

/** Decides on one bearer token (the header's value after `Bearer `). */
export type TokenCheck = (token: string) => Exclude<AuthVerdict, 'missing'>;

/** A token issuer whose JWTs the simulator accepts (and no other tokens). */
export interface JwtIssuerOptions {
  /** The `iss` the tokens must carry. */
  issuer: string;
  /** The `aud` the tokens must carry on the CPP routes, e.g. `https://cloudpartner.azure.com`. */
  audience: string;
  /** The `aud` the tokens must carry on the Product Ingestion routes. @default 'https://graph.microsoft.com' */
  ingestionAudience?: string;
  /** The issuer's RS256 public key (PEM). */
  publicKeyPem: string;
  /**
   * Refuse a token as expired once it is this old (since its `iat`), however late its `exp`: a
   * stand-in for the ways a token dies before its holder expects (a server clock running ahead,
   * a revocation). Tests use it to make a token expire mid-run at a chosen moment.
   */
  maxTokenAgeMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** The Product Ingestion API's audience: Microsoft Graph. */
const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/** Accepts exactly `tokens`; one of `otherAudience` (the tokens of the simulator's other API) is `wrongAudience`. */
export function staticTokenCheck(tokens: Iterable<string>, otherAudience: Iterable<string> = []): TokenCheck {
  const set = new Set(tokens);
  if (set.size === 0 || [...set].some((t) => !t || /\s/.test(t))) throw new Error('tokens must be non-empty strings without white space');
  const others = new Set(otherAudience);
  return (token) => (set.has(token) ? 'valid' : others.has(token) ? 'wrongAudience' : 'invalid');
}

/** Accepts the unexpired RS256 JWTs `options.issuer` signed for `options.audience` (the CPP routes'); any other is `invalid`. */
export function jwtTokenCheck(options: JwtIssuerOptions): TokenCheck {
  const check = jwtAudienceCheck(options, options.audience);
  return (token) => {
    const verdict = check(token);
    return verdict === 'wrongAudience' ? 'invalid' : verdict;
  };
}

/**
 * Accepts the unexpired RS256 JWTs `options.issuer` signed for `options.ingestionAudience` (the
 * Product Ingestion routes'); one it signed for another audience is `wrongAudience`.
 */
export function ingestionJwtTokenCheck(options: JwtIssuerOptions): TokenCheck {
  return jwtAudienceCheck(options, options.ingestionAudience ?? GRAPH_AUDIENCE);
}

/** Checks a JWT of `options.issuer` for `audience`; a good one for another audience is `wrongAudience`. */
function jwtAudienceCheck(options: JwtIssuerOptions, audience: string): TokenCheck {
  const key: KeyObject = createPublicKey(options.publicKeyPem);
  const now = options.now ?? Date.now;
  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3) return 'invalid';
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJson(h);
    const payload = decodeJson(p);
    if (!header || !payload || header.alg !== 'RS256') return 'invalid';
    if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'invalid';
    if (payload.iss !== options.issuer) return 'invalid';
    const seconds = now() / 1000;
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return 'invalid';
    if (payload.aud !== audience) return 'wrongAudience';
    if (typeof payload.nbf === 'number' && payload.nbf > seconds + 60) return 'invalid';
    if (payload.exp <= seconds) return 'expired';
    if (options.maxTokenAgeMs !== undefined && (seconds - payload.iat) * 1000 >= options.maxTokenAgeMs) return 'expired';
    return 'valid';
  };
}

/** The verdict on an `Authorization` header. */
export function authOf(header: string | undefined, check: TokenCheck): AuthVerdict {
  if (!header) return 'missing';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] === undefined ? 'invalid' : check(match[1]);
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
