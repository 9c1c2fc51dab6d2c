import { isUtf8 } from 'node:buffer';
import { KeyObject, verify as verifySignature } from 'node:crypto';
import { TokenKind } from '../contract';
import { isPlainObject, own } from '../json';
import { Config } from './config';
import { audienceMatches, isOpaqueMachineToken, MachineFacts, notAccepted, opaque, tokenKind } from './machine';
import { Detail, reject, Rejection } from './reasons';

/**
 * Verification of a Clerk token: a compact JWS, RS256, checked strictly by hand. Session tokens, and the JWT formats of
 * Clerk's machine tokens (OAuth access tokens and M2M tokens, `./machine`), which the same instance key signs; the
 * kind is told apart as Clerk's SDK tells it (`tokenKind`) and only selects which rules apply.
 *
 * Why not jose's `jwtVerify`: jose 6 verifies through WebCrypto, about 2.5 times slower than `crypto.verify` with a
 * KeyObject, and a Lambda authorizer sits in front of every request. What jose does besides (parse, header and claim
 * checks) is short enough to write strictly here, with the attack tests and the differential tests guarding it.
 *
 * Order: structure and header (cheap, no key needed), then the claims, then the signature. Claims are read before
 * the signature is checked only to refuse early and cheaply (an expired token costs no RSA operation and no JWKS
 * fetch); nothing read from an unverified payload can lead to an allow, because every path to an allow passes the
 * signature check, and `sub`/`sid` are only reported (logged) once the signature holds.
 */

/** Largest token accepted, in characters (Clerk's session cookie is at most 4 KB). Checked before any other work. */
export const MAX_TOKEN_LENGTH = 8192;

/** Clerk's session token category (the `cat` JOSE header); other categories (templates, M2M) are refused. */
export const SESSION_CATEGORY = 'cl_B7d4PD111AAA';

/**
 * Clerk's "ignore" category: instances with `use_ignore_jwt_cat` stamp it on every token class, session tokens
 * included, and Clerk's SDK treats it as "no category". So does this handler (refusing it would answer 401 to every
 * request from such an instance).
 *
 * What then tells a session token from a JWT-template token, exactly: a template token's category
 * (`cl_B7d4PD222AAA`) is refused whenever Clerk stamps one. Under the ignore category, or on a token without `cat`
 * (issued before categories), only the claims are left: a template without a `sid` claim is refused (`sid_missing`),
 * but a template may define its own `sid` claim (a static string, for instance), and its tokens then pass as session
 * tokens, for the template's lifetime. Clerk's own SDK (3.25) accepts such tokens too: it checks the category and
 * nothing about `sid`. Machine tokens are kept out by their `mch_` subject. Whoever can edit the instance's JWT
 * templates can therefore mint tokens this handler accepts on such instances: keep template claims free of `sid`.
 */
export const IGNORE_CATEGORY = 'cl_I7d4PD111III';

/** Clerk's JWT-template and M2M token categories: refused as not a session, named in the log's `detail`. */
const JWT_TEMPLATE_CATEGORY = 'cl_B7d4PD222AAA';
const M2M_CATEGORY = 'cl_B7d4PD333AAA';

/** A verified token. */
export interface Verified {
  /** The kind: a session token, an OAuth access token or an M2M token. */
  readonly kind: TokenKind;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The user (session, OAuth) or the calling machine (M2M). */
  readonly sub: string;
  /** The session; `''` for machine tokens. */
  readonly sid: string;
  /** OAuth: `client_id` and the granted scopes. */
  readonly machine?: MachineFacts;
}

/** What verification saw, for the log, whatever the outcome: the header's `kid` once the header is parsed. */
export interface Seen {
  kid?: string;
}

/** Header members that carry or point to a key: a token must never choose its own key. */
const KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'] as const;

/**
 * Verifies `token`; resolves to the verified token or to what refused it, and records the `kid` in `seen`. Never
 * throws for any input.
 */
export async function verifyToken(token: string, config: Config, nowMs: number, seen: Seen): Promise<Verified | Rejection> {
  if (token.length > MAX_TOKEN_LENGTH) return reject('token_too_large', 'jwt_too_long');

  // Exactly three segments.
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) !== -1) {
    return isOpaqueMachineToken(token) ? opaque(token) : reject('token_malformed', 'not_three_segments');
  }

  const header = decodeObject(token, 0, dot1);
  if (header === undefined) return isOpaqueMachineToken(token) ? opaque(token) : reject('token_malformed', 'header_not_json_object');
  const kid = own(header, 'kid');
  // The kid only selects a key (never carries one); logged, so a string of sane length or nothing.
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > 256)) return reject('token_malformed', 'kid_invalid');
  seen.kid = kid;
  const headerProblem = checkHeader(header);
  if (headerProblem !== undefined) return headerProblem;

  const payload = decodeObject(token, dot1 + 1, dot2);
  if (payload === undefined) return reject('token_malformed', 'payload_not_json_object');
  const kind = tokenKind(header, payload);
  if (!config.accepts.has(kind)) return notAccepted(kind);
  let machine: MachineFacts | undefined;
  if (kind === TokenKind.SESSION) {
    const problem = checkSessionHeader(header) ?? checkTimes(payload, config, nowMs) ?? checkSessionClaims(payload, config);
    if (problem !== undefined) return problem;
  } else {
    const problem = checkTimes(payload, config, nowMs);
    if (problem !== undefined) return problem;
    // Loaded at cold start whenever a machine kind is accepted, which a machine token here is.
    const rules = config.machineRules!;
    const facts = kind === TokenKind.OAUTH ? rules.checkOAuth(header, payload, config) : rules.checkM2M(header, payload, config);
    if ('reason' in facts) return facts;
    machine = facts;
  }

  const signature = decodeSegment(token, dot2 + 1, token.length);
  if (signature === undefined || signature.length === 0) return reject('token_malformed', 'signature_not_base64url');

  const key = config.keys.pem ?? (await config.keys.jwks(kid));
  if (!(key instanceof KeyObject)) return key;
  let valid = false;
  try {
    // RSASSA-PKCS1-v1_5 with SHA-256 (RS256): the key is an 'rsa' KeyObject (checked at import), so node uses PKCS#1
    // v1.5 padding. The signing input is the exact ASCII of the first two segments.
    valid = verifySignature('sha256', Buffer.from(token.slice(0, dot2), 'latin1'), key, signature);
  } catch {
    // Fail closed: `valid` stays false (node answers false, not an exception, for any signature under an RSA key).
  }
  if (!valid) return reject('signature_invalid');

  if (machine === undefined) return { kind, payload, sub: payload.sub as string, sid: payload.sid as string };
  return { kind, payload, sub: payload.sub as string, sid: '', machine };
}

/**
 * JOSE header checks every kind shares. `alg` must be exactly RS256 (no `none`, no HMAC with the public key as
 * secret, no other family); a header that carries or points to a key is refused outright rather than ignored; `crit`
 * (and `b64`, which is meaningless without it) is refused because no extension is understood (RFC 7515 4.1.11).
 */
function checkHeader(header: Readonly<Record<string, unknown>>): Rejection | undefined {
  const alg = own(header, 'alg');
  if (alg !== 'RS256') return reject('alg_not_allowed', algDetail(alg));
  for (const name of KEY_HEADERS) if (Object.hasOwn(header, name)) return reject('header_key_not_trusted', name);
  if (Object.hasOwn(header, 'crit')) return reject('crit_unsupported', 'crit');
  if (Object.hasOwn(header, 'b64')) return reject('crit_unsupported', 'b64');
  return undefined;
}

/**
 * The header of a session token: `typ`, when present, is `JWT` as Clerk's SDK requires; `cat`, when present, is the
 * session category or Clerk's "ignore" category (Clerk's JWT-template and M2M tokens carry other categories; tokens
 * from before categories have none).
 */
function checkSessionHeader(header: Readonly<Record<string, unknown>>): Rejection | undefined {
  const typ = own(header, 'typ');
  if (typ !== undefined && typ !== 'JWT') return reject('category_not_session', 'typ_not_jwt');
  const cat = own(header, 'cat');
  if (cat !== undefined && cat !== SESSION_CATEGORY && cat !== IGNORE_CATEGORY) {
    return reject('category_not_session', cat === JWT_TEMPLATE_CATEGORY ? 'cat_jwt_template' : cat === M2M_CATEGORY ? 'cat_m2m' : 'cat_unknown');
  }
  return undefined;
}

/** Which refused `alg` it was: none and HMAC (the public key used as a secret) are attacks worth telling apart. */
function algDetail(alg: unknown): Detail {
  if (alg === undefined) return 'alg_missing';
  if (typeof alg !== 'string') return 'alg_other';
  if (alg.toLowerCase() === 'none') return 'alg_none';
  return alg.startsWith('HS') ? 'alg_hmac' : 'alg_other';
}

/**
 * The registered claims every kind shares, all own properties, all type-strict:
 * - `iss` equals the issuer exactly (a string; no normalization, so a trailing slash differs);
 * - `exp` is a required finite number, `floor(exp) <= now - skew` is expired; `nbf` and `iat`, when present, are
 *   finite numbers not later than `now + skew` (Clerk's SDK rules, to the millisecond; a fractional `exp` is read in
 *   whole seconds as Clerk does, fractional `nbf`/`iat` exactly, which is never laxer);
 * - `sub` and `sid` are non-empty strings, and `sub` is not a machine's (`mch_...`); a session token always has a
 *   `sid`, a JWT-template token has none unless its template defines one, which is why `sid` alone cannot keep
 *   template tokens out where the category does not (see `IGNORE_CATEGORY`);
 * - `sts` absent (v1 without the claim) or `active`; `pending` only when allowed; any other value (a status this
 *   handler does not know, or not a string) is refused as not an active session (`session_pending`);
 * - when configured: `azp` a string in the list (absent is refused), `aud` a string in the list or an array with at
 *   least one string in the list.
 */
function checkTimes(payload: Readonly<Record<string, unknown>>, config: Config, nowMs: number): Rejection | undefined {
  const iss = own(payload, 'iss');
  if (iss !== config.issuer) {
    // A trailing slash is the usual misconfiguration; another value, usually another Clerk instance (dev and prod).
    return reject('iss_mismatch', typeof iss !== 'string' ? 'iss_missing' : iss === `${config.issuer}/` ? 'iss_trailing_slash' : 'iss_other');
  }

  const exp = own(payload, 'exp');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return reject('exp_missing', exp === undefined ? 'exp_absent' : 'exp_not_number');
  // Whole seconds, as Clerk's SDK reads it (a fractional exp is truncated there); floor is never laxer than that.
  if (Math.floor(exp) * 1000 <= nowMs - config.skewMs) return reject('expired');
  const nbf = own(payload, 'nbf');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) return reject('token_malformed', 'nbf_not_number');
    if (nbf * 1000 > nowMs + config.skewMs) return reject('not_yet_valid');
  }
  const iat = own(payload, 'iat');
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return reject('token_malformed', 'iat_not_number');
    if (iat * 1000 > nowMs + config.skewMs) return reject('iat_in_future');
  }
  return undefined;
}

/**
 * The Clerk session claims (a `mch_` subject never gets here: it makes the token an M2M token):
 * - `sub` and `sid` are non-empty strings; a session token always has a `sid`, a JWT-template token has none unless
 *   its template defines one, which is why `sid` alone cannot keep template tokens out where the category does not
 *   (see `IGNORE_CATEGORY`);
 * - `sts` absent (v1 without the claim) or `active`; `pending` only when allowed; any other value (a status this
 *   handler does not know, or not a string) is refused as not an active session (`session_pending`);
 * - when configured: `azp` a string in the list (absent is refused), `aud` a string in the list or an array with at
 *   least one string in the list.
 */
function checkSessionClaims(payload: Readonly<Record<string, unknown>>, config: Config): Rejection | undefined {
  const sub = own(payload, 'sub');
  if (typeof sub !== 'string' || sub.length === 0) return reject('sub_missing');
  const sid = own(payload, 'sid');
  if (typeof sid !== 'string' || sid.length === 0) return reject('sid_missing');

  const sts = own(payload, 'sts');
  if (sts !== undefined && sts !== 'active' && !(sts === 'pending' && config.allowPending)) {
    return reject('session_pending', sts === 'pending' ? 'sts_pending' : 'sts_unknown');
  }

  if (config.authorizedParties !== undefined) {
    const azp = own(payload, 'azp');
    if (typeof azp !== 'string' || !config.authorizedParties.includes(azp)) {
      return reject('azp_mismatch', azp === undefined ? 'azp_absent' : 'azp_not_listed');
    }
  }
  if (config.audience !== undefined) {
    const aud = own(payload, 'aud');
    if (!audienceMatches(aud, config.audience)) return reject('aud_mismatch', aud === undefined ? 'aud_absent' : 'aud_not_listed');
  }
  return undefined;
}

/**
 * Decodes the segment `token[start, end)` as a JSON object; undefined if it is not strict base64url, not valid
 * UTF-8, not JSON, or not an object. Duplicate keys: JSON.parse keeps the last; that is consistent with the issuer
 * because the signature covers these exact bytes, so an allowed payload is one Clerk produced (and Clerk's own SDK
 * parses it with JSON.parse too). `__proto__` keys become own data properties (JSON.parse never invokes the
 * prototype setter), and every read here is an own-property read.
 */
function decodeObject(token: string, start: number, end: number): Record<string, unknown> | undefined {
  const bytes = decodeSegment(token, start, end);
  // Invalid UTF-8 is refused rather than decoded with U+FFFD substitutions, and a BOM is kept (JSON.parse refuses
  // it): the JSON parsed is exactly the JSON that was signed.
  if (bytes === undefined || bytes.length === 0 || !isUtf8(bytes)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Not JSON: `value` stays undefined, which is not an object.
  }
  return isPlainObject(value) ? value : undefined;
}

/**
 * Decodes `token[start, end)` as strict base64url: only the URL-safe alphabet, no padding, no whitespace, and the
 * canonical encoding (unused trailing bits zero), so one byte string has exactly one accepted spelling. Node's own
 * decoder silently skips invalid characters; this refuses them.
 */
function decodeSegment(token: string, start: number, end: number): Buffer | undefined {
  const text = token.slice(start, end);
  const rest = text.length % 4;
  if (rest === 1 || !BASE64URL.test(text)) return undefined;
  // The last character's unused low bits must be zero: 4 of them after 2 leftover characters, 2 after 3.
  if (rest !== 0 && !(rest === 2 ? ZERO_LOW_4_BITS : ZERO_LOW_2_BITS).test(text[text.length - 1])) return undefined;
  return Buffer.from(text, 'base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** The base64url characters whose value is a multiple of 16 (0, 16, 32, 48). */
const ZERO_LOW_4_BITS = /[AQgw]/;
/** The base64url characters whose value is a multiple of 4. */
const ZERO_LOW_2_BITS = /[AEIMQUYcgkosw048]/;
