import { createPublicKey, KeyObject } from 'node:crypto';
import { parsePredicate, PredicateNode } from '../predicate';
import { jwksKeySource, KeySource } from './keys';

/**
 * The handler's configuration, read once from the environment at cold start (the names are a contract with the
 * construct, which writes them). Every value is validated here: a bad one throws `Error('CLERK_X ...')` naming the
 * variable, so a misconfigured function fails on its first invocation with a clear log line instead of answering
 * anything.
 */
export interface Config {
  /** `CLERK_ISSUER`: the exact `iss`. */
  readonly issuer: string;
  /** `CLERK_AUDIENCE`: `aud` must intersect it; undefined = no check. */
  readonly audience?: readonly string[];
  /** `CLERK_AUTHORIZED_PARTIES`: `azp` must be one of them; undefined = no check. */
  readonly authorizedParties?: readonly string[];
  /** `CLERK_PREDICATE`: undefined = any verified active session. */
  readonly predicate?: PredicateNode;
  /** `CLERK_CLOCK_SKEW_SECONDS`, in milliseconds. */
  readonly skewMs: number;
  /** `CLERK_ALLOW_PENDING_SESSIONS`. */
  readonly allowPending: boolean;
  /** `CLERK_SESSION_COOKIE`. */
  readonly sessionCookie: boolean;
  /** `CLERK_LOG_ALLOWED`: true = allowed requests are logged too (refusals always are). */
  readonly logAllowed: boolean;
  /** The verification key: the PEM's, or the JWKS's (`CLERK_PUBLIC_KEY_PEM` / `CLERK_JWKS_URI`). */
  readonly keys: KeySource;
}

/** The environment variables the handler reads. */
type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws `Error('CLERK_X ...')` naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const issuer = required(env, 'CLERK_ISSUER', ISSUER);
  const pem = env.CLERK_PUBLIC_KEY_PEM;
  const jwksUri = env.CLERK_JWKS_URI;
  if (pem !== undefined && jwksUri !== undefined) {
    throw new Error(
      'CLERK_PUBLIC_KEY_PEM and CLERK_JWKS_URI are both set: set one',
    );
  }
  const timeoutMs = optional(env, 'CLERK_JWKS_TIMEOUT_MS', integerIn(1, 5000)) ?? 1500;
  const cooldownMs = optional(env, 'CLERK_JWKS_COOLDOWN_MS', integerIn(0, 600_000)) ?? 30_000;
  const cacheMaxAgeMs = optional(env, 'CLERK_JWKS_CACHE_MAX_AGE_MS', integerIn(1000, 86_400_000)) ?? 600_000;
  const keys: KeySource =
    pem !== undefined
      ? { pem: required(env, 'CLERK_PUBLIC_KEY_PEM', PEM) }
      : jwksKeySource(
        jwksUri !== undefined ? required(env, 'CLERK_JWKS_URI', JWKS_URI) : `${issuer}/.well-known/jwks.json`,
        { timeoutMs, cooldownMs, cacheMaxAgeMs },
      );
  return {
    issuer,
    audience: optional(env, 'CLERK_AUDIENCE', STRING_LIST),
    authorizedParties: optional(env, 'CLERK_AUTHORIZED_PARTIES', STRING_LIST),
    predicate: predicate(env),
    skewMs: (optional(env, 'CLERK_CLOCK_SKEW_SECONDS', integerIn(0, 300)) ?? 5) * 1000,
    allowPending: optional(env, 'CLERK_ALLOW_PENDING_SESSIONS', BOOLEAN) ?? false,
    sessionCookie: optional(env, 'CLERK_SESSION_COOKIE', BOOLEAN) ?? false,
    logAllowed: optional(env, 'CLERK_LOG_ALLOWED', BOOLEAN) ?? false,
    keys,
  };
}

/** A rule (for the error message) and a parse that returns undefined when the value breaks it. */
type Parser<T> = readonly [rule: string, parse: (value: string) => T | undefined];

function required<T>(env: Env, name: string, parser: Parser<T>): T {
  if (env[name] === undefined) throw new Error(`${name} is required`);
  return optional(env, name, parser)!;
}

function optional<T>(env: Env, name: string, [rule, parse]: Parser<T>): T | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  let parsed: T | undefined;
  try {
    parsed = parse(value);
  } catch {
    parsed = undefined;
  }
  // Only the start of the value: enough to recognize it, never a whole key.
  if (parsed === undefined) throw new Error(`${name} ${rule}, got: ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`);
  return parsed;
}

/**
 * The issuer: https, a host, an optional path, no credentials, query, fragment, whitespace or trailing slash (Clerk's
 * `iss` has none and is compared exactly). Already validated at synth time; a pattern rather than `new URL`, because
 * URL parsing adds about 0.2 ms to every cold start and this only guards against a hand-edited variable.
 */
const ISSUER: Parser<string> = [
  'must be the Clerk Frontend API URL (https, no trailing slash, query or fragment)',
  (value) => (/^https:\/\/[^\s/?#@\\]+(\/[^\s?#\\]*)?$/.test(value) && !value.endsWith('/') ? value : undefined),
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A JWKS URL: absolute https without credentials, fragment or surrounding spaces; plain http only on a loopback host
 * (a JWKS served by a test).
 */
const JWKS_URI: Parser<string> = [
  'must be an https URL (http only for a loopback host) without credentials or fragment',
  (value) => {
    const u = new URL(value);
    const ok =
      !u.username && !u.password && !u.hash && !value.includes('#') && value.trim() === value &&
      (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname)));
    return ok ? value : undefined;
  },
];

const PEM: Parser<KeyObject> = [
  'must be an RSA public key of at least 2048 bits in SPKI PEM form (-----BEGIN PUBLIC KEY-----)',
  (value) => {
    // node derives a public key from a private one, or takes one from a certificate, without complaint: refuse both.
    if (!value.trim().startsWith('-----BEGIN PUBLIC KEY-----') || value.includes('PRIVATE KEY')) return undefined;
    const key = createPublicKey({ key: value, format: 'pem', type: 'spki' });
    const ok = key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
    return ok ? key : undefined;
  },
];

const STRING_LIST: Parser<readonly string[]> = [
  'must be a JSON array of 1 to 50 non-empty strings without surrounding spaces',
  (value) => {
    const list: unknown = JSON.parse(value);
    const ok =
      Array.isArray(list) && list.length > 0 && list.length <= 50 &&
      list.every((s) => typeof s === 'string' && s.length > 0 && s.trim() === s);
    return ok ? Object.freeze(list as string[]) : undefined;
  },
];

const BOOLEAN: Parser<boolean> = ['must be true or false', (value) => (value === 'true' ? true : value === 'false' ? false : undefined)];

function integerIn(min: number, max: number): Parser<number> {
  return [
    `must be an integer from ${min} to ${max}`,
    (value) => {
      const n = /^(0|[1-9][0-9]{0,8})$/.test(value) ? Number(value) : NaN;
      return n >= min && n <= max ? n : undefined;
    },
  ];
}

/** The predicate's own validation says what is wrong, so its message is kept. */
function predicate(env: Env): PredicateNode | undefined {
  const value = env.CLERK_PREDICATE;
  if (value === undefined) return undefined;
  try {
    return parsePredicate(value);
  } catch (e) {
    throw new Error(`CLERK_PREDICATE ${(e as Error).message}`);
  }
}
