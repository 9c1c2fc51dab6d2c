import { createPublicKey, KeyObject } from 'node:crypto';
import {
  Default, EnvVar, ISSUER_PATTERN, IssuerPath, isSecureJwksUrl, isStrongRsaKey, LambdaEnvVar, Limit, MACHINE_ID_PATTERN, Pem, TOKEN_KINDS, TokenKind,
} from '../contract';
import { parsePredicate, PredicateNode } from '../predicate';
import { KeySource, loadJwksKeySource } from './keys';
import { loadMachineRules, MachineRules } from './machine';
import type { Routes } from './routes';

/**
 * The handler's configuration, read once from the environment at cold start (the names, defaults and limits are the
 * contract with the construct, which writes them: `../contract`). Every value is validated here: a bad one throws an
 * `Error` whose message starts with the variable's name, so a misconfigured function fails on its first invocation
 * with a clear log line instead of answering anything.
 */
export interface Config {
  /** `CLERK_ISSUER`: the exact `iss`. */
  readonly issuer: string;
  /** `CLERK_ACCEPTS_TOKEN`: the kinds of token accepted (session tokens only when unset). */
  readonly accepts: ReadonlySet<TokenKind>;
  /** `CLERK_OAUTH_CLIENT_IDS`: an OAuth token's `client_id` must be one of them; undefined = any client. */
  readonly oauthClientIds?: readonly string[];
  /** `CLERK_MACHINE_ID`: an M2M token must list it (set whenever M2M tokens are accepted). */
  readonly machineId?: string;
  /** The rules of the machine kinds (`machine.js`), loaded only when one is accepted. */
  readonly machineRules?: MachineRules;
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
  /**
   * `AWS_LAMBDA_LOG_FORMAT` (set by Lambda) is `JSON`: decision records are logged as objects, which the runtime nests
   * under `message` (the runtime reads the same variable, case-insensitively, to choose its formatter).
   */
  readonly jsonLogs: boolean;
  /** The verification key: the PEM's, or the JWKS's (`CLERK_PUBLIC_KEY_PEM` / `CLERK_JWKS_URI`). */
  readonly keys: KeySource;
  /** `CLERK_ROUTES_FILE` and `CLERK_ROUTE_APIS`: per-route rules by API id; undefined = none. */
  readonly routes?: Routes;
}

/** The environment variables the handler reads. */
type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws an `Error` naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const issuer = required(env, EnvVar.ISSUER, ISSUER);
  const pem = env[EnvVar.PUBLIC_KEY_PEM];
  const jwksUri = env[EnvVar.JWKS_URI];
  if (pem !== undefined && jwksUri !== undefined) {
    throw new Error(`${EnvVar.PUBLIC_KEY_PEM} and ${EnvVar.JWKS_URI} are both set: set one`);
  }
  const timeoutMs =
    optional(env, EnvVar.JWKS_TIMEOUT_MS, integerIn(Limit.MIN_JWKS_TIMEOUT_MS, Limit.MAX_JWKS_TIMEOUT_MS)) ?? Default.JWKS_TIMEOUT_MS;
  const cooldownMs =
    optional(env, EnvVar.JWKS_COOLDOWN_MS, integerIn(Limit.MIN_JWKS_COOLDOWN_MS, Limit.MAX_JWKS_COOLDOWN_MS)) ?? Default.JWKS_COOLDOWN_MS;
  const maxAgeRange = integerIn(Limit.MIN_JWKS_CACHE_MAX_AGE_MS, Limit.MAX_JWKS_CACHE_MAX_AGE_MS);
  const cacheMaxAgeMs = optional(env, EnvVar.JWKS_CACHE_MAX_AGE_MS, maxAgeRange) ?? Default.JWKS_CACHE_MAX_AGE_MS;
  const staleRange = integerIn(Limit.MIN_JWKS_STALE_IF_ERROR_MS, Limit.MAX_JWKS_STALE_IF_ERROR_MS);
  const staleIfErrorMs = optional(env, EnvVar.JWKS_STALE_IF_ERROR_MS, staleRange) ?? Default.JWKS_STALE_IF_ERROR_MS;
  const keys: KeySource =
    pem !== undefined
      ? { pem: required(env, EnvVar.PUBLIC_KEY_PEM, PEM) }
      : loadJwksKeySource(
        jwksUri !== undefined ? required(env, EnvVar.JWKS_URI, JWKS_URI) : `${issuer}${IssuerPath.JWKS}`,
        { timeoutMs, cooldownMs, cacheMaxAgeMs, staleIfErrorMs },
      );
  const accepts = optional(env, EnvVar.ACCEPTS_TOKEN, TOKEN_KIND_LIST) ?? SESSION_ONLY;
  const machineId = optional(env, EnvVar.MACHINE_ID, MACHINE_ID);
  if (accepts.has(TokenKind.M2M) && machineId === undefined) {
    throw new Error(`${EnvVar.MACHINE_ID} is required when ${EnvVar.ACCEPTS_TOKEN} includes ${TokenKind.M2M}`);
  }
  return {
    issuer,
    accepts,
    oauthClientIds: optional(env, EnvVar.OAUTH_CLIENT_IDS, STRING_LIST),
    machineId,
    machineRules: accepts.has(TokenKind.OAUTH) || accepts.has(TokenKind.M2M) ? loadMachineRules() : undefined,
    audience: optional(env, EnvVar.AUDIENCE, STRING_LIST),
    authorizedParties: optional(env, EnvVar.AUTHORIZED_PARTIES, STRING_LIST),
    predicate: predicate(env),
    skewMs: (optional(env, EnvVar.CLOCK_SKEW_SECONDS, integerIn(0, Limit.MAX_CLOCK_SKEW_SECONDS)) ?? Default.CLOCK_SKEW_SECONDS) * 1000,
    allowPending: optional(env, EnvVar.ALLOW_PENDING_SESSIONS, BOOLEAN) ?? false,
    sessionCookie: optional(env, EnvVar.SESSION_COOKIE, BOOLEAN) ?? false,
    logAllowed: optional(env, EnvVar.LOG_ALLOWED, BOOLEAN) ?? false,
    jsonLogs: env[LambdaEnvVar.LOG_FORMAT]?.toUpperCase() === 'JSON',
    keys,
    routes: routes(env),
  };
}

/**
 * Per-route rules (`./routes`, a file of its own in the asset: `routes.js`), loaded only when the function has a
 * route table: without one a cold start neither parses nor evaluates it.
 */
function routes(env: Env): Routes | undefined {
  const file = env[EnvVar.ROUTES_FILE];
  const apis = env[EnvVar.ROUTE_APIS];
  if (file === undefined && apis === undefined) return undefined;
  if (file === undefined || apis === undefined) throw new Error(`${EnvVar.ROUTES_FILE} and ${EnvVar.ROUTE_APIS} must be set together`);
  // A plain require, left external by the bundler: it resolves next to the bundle at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./routes.js') as { loadRoutes(file: string, apis: string): Routes }).loadRoutes(file, apis);
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
    // A parse that throws (`JSON.parse`, `new URL`) is a value that breaks the rule: `parsed` stays undefined.
  }
  if (parsed === undefined) throw new Error(`${name} ${rule}, got: ${shown(name, value)}`);
  return parsed;
}

/**
 * A rejected value as the error (and so the log) shows it, redacted as the synth-time checks redact it: of the key
 * variable only its PEM label, never a character of key material (a private key pasted there must not leak through the
 * log); anything else by its first 60 characters, enough to recognize it, with the credentials of any URL in it
 * replaced by `***` (`https://***@host`).
 */
function shown(name: string, value: string): string {
  if (name === EnvVar.PUBLIC_KEY_PEM) {
    const label = /-----BEGIN [A-Z0-9 ]{1,40}-----/.exec(value)?.[0];
    return `a value of ${value.length} characters${label === undefined ? '' : ` with the label ${label}`} (not shown)`;
  }
  const v = value.replace(/\/\/[^/?#\s"]*@/g, '//***@');
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
}

/**
 * The issuer (`isIssuer`). Already validated at synth time; this only guards against a hand-edited variable.
 */
const ISSUER: Parser<string> = [
  'must be the Clerk Frontend API URL (https, no trailing slash, query or fragment)',
  (value) => (ISSUER_PATTERN.test(value) ? value : undefined),
];

/**
 * A JWKS URL: absolute https without credentials, fragment or surrounding spaces; plain http only on a loopback host
 * (a JWKS served by a test).
 */
const JWKS_URI: Parser<string> = [
  'must be an https URL (http only for a loopback host) without credentials or fragment',
  (value) => {
    const u = new URL(value);
    const ok = !u.username && !u.password && !u.hash && !value.includes('#') && value.trim() === value && isSecureJwksUrl(u);
    return ok ? value : undefined;
  },
];

const PEM: Parser<KeyObject> = [
  `must be an RSA public key of at least ${Limit.MIN_RSA_MODULUS_BITS} bits in SPKI PEM form (${Pem.SPKI_HEADER})`,
  (value) => {
    // node derives a public key from a private one, or takes one from a certificate, without complaint: refuse both.
    if (!value.trim().startsWith(Pem.SPKI_HEADER) || value.includes(Pem.PRIVATE_KEY)) return undefined;
    const key = createPublicKey({ key: value, format: 'pem', type: 'spki' });
    return isStrongRsaKey(key) ? key : undefined;
  },
];

const STRING_LIST: Parser<readonly string[]> = [
  `must be a JSON array of 1 to ${Limit.MAX_LIST_ENTRIES} non-empty strings without surrounding spaces`,
  (value) => {
    const list: unknown = JSON.parse(value);
    const ok =
      Array.isArray(list) && list.length > 0 && list.length <= Limit.MAX_LIST_ENTRIES &&
      list.every((s) => typeof s === 'string' && s.length > 0 && s.trim() === s);
    return ok ? Object.freeze(list as string[]) : undefined;
  },
];

const SESSION_ONLY: ReadonlySet<TokenKind> = new Set([TokenKind.SESSION]);

const TOKEN_KIND_LIST: Parser<ReadonlySet<TokenKind>> = [
  `must be a JSON array of 1 to ${TOKEN_KINDS.length} distinct token types (${TOKEN_KINDS.join(', ')})`,
  (value) => {
    const list: unknown = JSON.parse(value);
    const ok =
      Array.isArray(list) && list.length > 0 && new Set(list).size === list.length &&
      list.every((k) => (TOKEN_KINDS as readonly unknown[]).includes(k));
    return ok ? new Set(list as TokenKind[]) : undefined;
  },
];

const MACHINE_ID: Parser<string> = [
  'must be a Clerk machine id (mch_ followed by letters, digits or underscores)',
  (value) => (MACHINE_ID_PATTERN.test(value) ? value : undefined),
];

const BOOLEAN: Parser<boolean> = ['must be true or false', (value) => (value === 'true' ? true : value === 'false' ? false : undefined)];

function integerIn(min: number, max: number): Parser<number> {
  return [
    `must be an integer from ${min} to ${max}`,
    (value) => {
      const n = /^(0|[1-9]\d{0,8})$/.test(value) ? Number(value) : NaN;
      return n >= min && n <= max ? n : undefined;
    },
  ];
}

/** The predicate's own validation says what is wrong, so its message is kept. */
function predicate(env: Env): PredicateNode | undefined {
  const value = env[EnvVar.PREDICATE];
  if (value === undefined) return undefined;
  try {
    return parsePredicate(value);
  } catch (e) {
    throw new Error(`${EnvVar.PREDICATE} ${(e as Error).message}`);
  }
}
