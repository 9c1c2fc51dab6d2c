import type { KeyObject } from 'node:crypto';

/**
 * The contract between the construct and the handler: the environment variables the construct writes and the handler
 * reads, their defaults and limits, and the rules both sides apply to the issuer, the JWKS URL and the key.
 *
 * Written once, here, so the two sides cannot drift. Imported by the construct side (jsii-compiled) and by
 * `./lambda/config` (bundled): enums, a few constants and small pure functions only, no Node built-ins at run time and
 * nothing Lambda- or CDK-specific, so esbuild inlines the names and numbers and drops what the handler does not use.
 */

// ---------------------------------------------------------------------------------------------------------------
// Environment variable names (UPPER_SNAKE, namespaced)

/**
 * The environment variables: the construct writes them, the handler reads them.
 *
 * An enum, not string constants: esbuild inlines enum members across modules (and drops the enum), while an exported
 * string constant stays a variable in the bundle.
 */
export enum EnvVar {
  /** The exact `iss` (the Clerk Frontend API URL). Required. */
  ISSUER = 'CLERK_ISSUER',
  /** PEM mode: the RSA public key, canonical SPKI PEM. Mutually exclusive with `JWKS_URI`. */
  PUBLIC_KEY_PEM = 'CLERK_PUBLIC_KEY_PEM',
  /** JWKS mode: where keys are fetched; defaults to the issuer's `IssuerPath.JWKS`. */
  JWKS_URI = 'CLERK_JWKS_URI',
  /** A JSON array: `aud` must intersect it. Absent: no check. */
  AUDIENCE = 'CLERK_AUDIENCE',
  /** A JSON array: `azp` must be one of them. Absent: no check. */
  AUTHORIZED_PARTIES = 'CLERK_AUTHORIZED_PARTIES',
  /** The claim predicate's wire format (`./predicate`). Absent: any verified active session. */
  PREDICATE = 'CLERK_PREDICATE',
  /** Whole seconds of tolerance on `exp`, `nbf` and `iat`. */
  CLOCK_SKEW_SECONDS = 'CLERK_CLOCK_SKEW_SECONDS',
  /** `true` or `false`: accept `sts: "pending"`. */
  ALLOW_PENDING_SESSIONS = 'CLERK_ALLOW_PENDING_SESSIONS',
  /** `true` or `false`: fall back to Clerk's `__session` cookie. */
  SESSION_COOKIE = 'CLERK_SESSION_COOKIE',
  /** `true` or `false`: log allowed requests too (refusals always are). */
  LOG_ALLOWED = 'CLERK_LOG_ALLOWED',
  /** A JSON array of `TokenKind` values: the kinds of token accepted. Absent: session tokens only. */
  ACCEPTS_TOKEN = 'CLERK_ACCEPTS_TOKEN',
  /** A JSON array: an OAuth access token's `client_id` must be one of them. Absent: any client of the instance. */
  OAUTH_CLIENT_IDS = 'CLERK_OAUTH_CLIENT_IDS',
  /** This API's Clerk machine id (`mch_...`): an M2M token must list it. Required when M2M tokens are accepted. */
  MACHINE_ID = 'CLERK_MACHINE_ID',
  /** JWKS fetch timeout in ms. Not written by the construct: the handler's default applies. */
  JWKS_TIMEOUT_MS = 'CLERK_JWKS_TIMEOUT_MS',
  /** Least time between two JWKS refetches for an unknown `kid`, in ms. Not written by the construct. */
  JWKS_COOLDOWN_MS = 'CLERK_JWKS_COOLDOWN_MS',
  /** Longest time a fetched JWKS is used, in ms. Not written by the construct. */
  JWKS_CACHE_MAX_AGE_MS = 'CLERK_JWKS_CACHE_MAX_AGE_MS',
  /**
   * How long, in ms, the last good JWKS keeps answering beyond `JWKS_CACHE_MAX_AGE_MS` while fetches fail (the
   * `jwksStaleIfError` prop). Written by the construct in JWKS mode.
   */
  JWKS_STALE_IF_ERROR_MS = 'CLERK_JWKS_STALE_IF_ERROR_MS',
  /** Per-route rules: the route table file (`./route-table`), in a layer of the function. Absent: no per-route rules. */
  ROUTES_FILE = 'CLERK_ROUTES_FILE',
  /** Per-route rules: the ids of the APIs of the route table, comma-separated, in the table's order. */
  ROUTE_APIS = 'CLERK_ROUTE_APIS',
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults and limits (enums for the same reason: esbuild folds their members into the handler's messages)

/** What the handler assumes when a variable is absent (the construct writes the clock skew explicitly). */
export enum Default {
  /** Clerk's own clock skew tolerance, in seconds. */
  CLOCK_SKEW_SECONDS = 5,
  /** JWKS fetch timeout, in ms (within the function's 5 s timeout, with room for a cold start). */
  JWKS_TIMEOUT_MS = 1500,
  /** Least time between two JWKS refetches for an unknown `kid`, in ms. */
  JWKS_COOLDOWN_MS = 30_000,
  /** Longest time a fetched JWKS is used, in ms. */
  JWKS_CACHE_MAX_AGE_MS = 600_000,
  /** How long the last good JWKS keeps answering past its freshness while fetches fail, in ms (1 hour). */
  JWKS_STALE_IF_ERROR_MS = 3_600_000,
}

/** The bounds both sides enforce. */
export enum Limit {
  /** The largest clock skew, in seconds (5 minutes). */
  MAX_CLOCK_SKEW_SECONDS = 300,
  MIN_JWKS_TIMEOUT_MS = 1,
  MAX_JWKS_TIMEOUT_MS = 5000,
  MIN_JWKS_COOLDOWN_MS = 0,
  MAX_JWKS_COOLDOWN_MS = 600_000,
  MIN_JWKS_CACHE_MAX_AGE_MS = 1000,
  MAX_JWKS_CACHE_MAX_AGE_MS = 86_400_000,
  MIN_JWKS_STALE_IF_ERROR_MS = 0,
  /** 24 hours. */
  MAX_JWKS_STALE_IF_ERROR_MS = 86_400_000,
  /** Most entries of `audience` and `authorizedParties` (API Gateway's limit on a JWT authorizer's audiences). */
  MAX_LIST_ENTRIES = 50,
  /** RSA keys shorter than this are refused, from a PEM or a JWKS; Clerk issues 2048-bit keys. */
  MIN_RSA_MODULUS_BITS = 2048,
  /**
   * API Gateway's quota on the size of a Lambda authorizer's result, in bytes ("AWS Lambda authorizer result size",
   * 8 KB, not adjustable; Service Quotas code L-20859C74). Per-route answers stay within it.
   */
  MAX_AUTHORIZER_RESULT_BYTES = 8192,
}

/**
 * The kinds of Clerk token, in Clerk's vocabulary (`acceptsToken`, `auth().tokenType`): the values of the public
 * `ClerkTokenType` enum, of `CLERK_ACCEPTS_TOKEN` and of the context's `tokenType`.
 */
export enum TokenKind {
  SESSION = 'session_token',
  OAUTH = 'oauth_token',
  M2M = 'm2m_token',
}

/** Every token kind, in a fixed order. */
export const TOKEN_KINDS: readonly TokenKind[] = [TokenKind.SESSION, TokenKind.OAUTH, TokenKind.M2M];

/**
 * A Clerk machine id: `mch_` and letters, digits or underscores (Clerk's ids are `mch_` + base62), at most 128
 * characters in all.
 */
export const MACHINE_ID_PATTERN = /^mch_[A-Za-z0-9_]{1,124}$/;

/** The hosts on which a JWKS may be served over plain http: only a test serves one there. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

// ---------------------------------------------------------------------------------------------------------------
// Rules

/**
 * The issuer's shape: https, a host, an optional path, no credentials, query, fragment, whitespace or trailing slash
 * (Clerk's `iss` has none and is compared exactly). A pattern rather than `new URL`, because URL parsing adds about
 * 0.2 ms to a cold start; the construct checks more (canonical form) and explains each failure, then this.
 */
export const ISSUER_PATTERN = /^https:\/\/[^\s/?#@\\]+(?:\/[^\s?#\\]*[^\s?#\\/])?$/;

/** Paths below the issuer. */
export enum IssuerPath {
  /** The JWKS URL when none is given is `${issuer}${IssuerPath.JWKS}`: Clerk serves the instance's keys there. */
  JWKS = '/.well-known/jwks.json',
}

/** Whether a parsed JWKS URL's scheme and host are acceptable: https, or plain http on a loopback host. */
export function isSecureJwksUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** Markers of the PEM rule. */
export enum Pem {
  /** The handler is given canonical SPKI PEM, which starts with this line. */
  SPKI_HEADER = '-----BEGIN PUBLIC KEY-----',
  /**
   * A value containing this is refused before parsing, on both sides: node derives a public key from a private one
   * without complaint, and a private key must never reach a template.
   */
  PRIVATE_KEY = 'PRIVATE KEY',
}

/** Whether a key is one Clerk signs with and this library trusts: an RSA public key of at least 2048 bits. */
export function isStrongRsaKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= Limit.MIN_RSA_MODULUS_BITS;
}

// ---------------------------------------------------------------------------------------------------------------
// The decision log

/**
 * The reason codes of the decision log: a contract (dashboards, metric filters and alarms match on them). Every
 * decision names exactly one: `ok` is the allow, `predicate_failed` the deny, every other a refusal. The handler
 * imports only the `Reason` type (nothing of this list reaches the bundle); the construct validates metric options
 * against it.
 */
export const REASONS = [
  'ok',
  'predicate_failed',
  'token_missing',
  'token_malformed',
  'token_too_large',
  'alg_not_allowed',
  'header_key_not_trusted',
  'crit_unsupported',
  'category_not_session',
  'kid_unknown',
  'jwks_unavailable',
  'signature_invalid',
  'iss_mismatch',
  'exp_missing',
  'expired',
  'not_yet_valid',
  'iat_in_future',
  'sub_missing',
  'sid_missing',
  'session_pending',
  'azp_mismatch',
  'aud_mismatch',
  'event_unsupported',
  // Machine tokens (OAuth access tokens and M2M tokens, JWT formats) and the kinds an authorizer accepts.
  'token_opaque',
  'session_token_not_accepted',
  'oauth_token_not_accepted',
  'm2m_token_not_accepted',
  'token_type_ambiguous',
  'client_id_mismatch',
  'machine_id_mismatch',
  // A defect in the handler itself, caught so that it still answers 401 and never a 500.
  'internal_error',
] as const;

/** One reason code of the decision log. */
export type Reason = (typeof REASONS)[number];

/**
 * Variables Lambda itself sets in the function's environment.
 *
 * `LOG_FORMAT` is `JSON` or `Text`, from the function's `LoggingConfig` (the construct sets JSON): the runtime picks
 * its formatter from it, and the handler, reading the same variable, logs its decision records to match.
 */
export enum LambdaEnvVar {
  LOG_FORMAT = 'AWS_LAMBDA_LOG_FORMAT',
}
