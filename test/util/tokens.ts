/**
 * Test tokens: real key pairs and real signatures made with node:crypto, Clerk-like session token payloads (v1 and
 * v2), and raw-segment helpers for attack tokens. Nothing here is mocked.
 *
 * ```ts
 * const keys = testKeys();                                  // one cached RSA-2048 pair (kid 'ins_test')
 * const token = signJwt(sessionHeader(), clerkV2Payload({ metadata: { role: 'admin' } }), keys.privateKey);
 * const forged = signJwt({ alg: 'HS256' }, clerkV2Payload(), keys.publicKeyPem);   // HS256 with the PEM text
 * const raw = jwtFromSegments(segment('{"alg":"RS256","alg":"none"}'), segment(payload), 'sig');
 * ```
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign as cryptoSign, constants } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The issuer every test payload carries by default (a Clerk Frontend API URL). */
export const TEST_ISSUER = 'https://clerk.example.com';
/** The authorized party (`azp`) every test payload carries by default. */
export const TEST_AZP = 'https://app.example.com';
/** Clerk's session token category (the `cat` JOSE header). */
export const SESSION_CATEGORY = 'cl_B7d4PD111AAA';
/** Clerk's JWT-template token category. */
export const TEMPLATE_CATEGORY = 'cl_B7d4PD222AAA';
/** The fixed "now" of the tests, in seconds since the epoch (2026-01-01T00:00:00Z). See `fixTime` in handler.ts. */
export const NOW = 1767225600;

/** A key pair: KeyObjects, the SPKI PEM of the public key, and its JWK (with `kid`, `alg`, `use`). */
export interface TestKeys {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly jwk: Record<string, unknown>;
}

/**
 * A key pair of its own (never one an earlier call in this process returned): RSA (default 2048 bits) from the key
 * pool, or a fresh `ec` (P-256) pair for algorithm-confusion tests.
 */
export function makeKeys(kid = 'ins_test', type: 'rsa' | 'ec' = 'rsa', modulusLength = 2048): TestKeys {
  const privateKey = type === 'rsa' ? pooledRsaKey(modulusLength) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const publicKey = createPublicKey(privateKey);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: type === 'rsa' ? 'RS256' : 'ES256' };
  return {
    kid,
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk,
  };
}

/**
 * RSA key generation is most of a handler suite's load time (a 4096-bit pair takes about a second), and mutation
 * testing loads every suite once per mutant. So RSA private keys come from a pool on disk (the OS temporary
 * directory; made on first use, written atomically): the n-th key of a size asked for through this module (one
 * instance per jest test file) is the pool's
 * n-th key of that size. The keys one suite gets are therefore all different, as fresh ones would be; the same
 * suite gets the same keys run after run. `TEST_KEY_POOL=off` generates every key afresh.
 */
function pooledRsaKey(bits: number): KeyObject {
  const n = (poolTaken.get(bits) ?? 0) + 1;
  poolTaken.set(bits, n);
  if (process.env.TEST_KEY_POOL === 'off') return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  const file = path.join(POOL_DIR, `rsa-${bits}-${n}.pem`);
  try {
    const key = createPrivateKey(fs.readFileSync(file, 'utf8'));
    if (key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === bits) return key;
  } catch {
    // Not made yet (or unreadable): make it.
  }
  const key = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
  fs.mkdirSync(POOL_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.renameSync(partial, file);
  return key;
}

const POOL_DIR = path.join(os.tmpdir(), 'cdk-clerk-authorizers-test-keys');
const poolTaken = new Map<number, number>();

const cache = new Map<string, TestKeys>();

/** A cached RSA-2048 pair per `kid` (key generation is slow; tests share these). */
export function testKeys(kid = 'ins_test'): TestKeys {
  let keys = cache.get(kid);
  if (!keys) {
    keys = makeKeys(kid);
    cache.set(kid, keys);
  }
  return keys;
}

/** The header Clerk puts on a session token: RS256, `cat` session, `kid`, `typ: JWT`. */
export function sessionHeader(kid = 'ins_test', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: 'RS256', cat: SESSION_CATEGORY, kid, typ: 'JWT', ...extra };
}

/**
 * A Clerk session token v2 payload valid at `now` (iat = now, nbf = now - 5, exp = now + 60), with an active
 * session, no organization; `overrides` replace or add claims (a value of `undefined` removes the claim).
 */
export function clerkV2Payload(overrides: Record<string, unknown> = {}, now = NOW): Record<string, unknown> {
  return withOverrides(
    {
      azp: TEST_AZP,
      exp: now + 60,
      fva: [3, -1],
      iat: now,
      iss: TEST_ISSUER,
      jti: 'jti_0123456789',
      nbf: now - 5,
      sid: 'sess_123',
      sts: 'active',
      sub: 'user_123',
      v: 2,
    },
    overrides,
  );
}

/** A Clerk session token v1 payload valid at `now` (no `v`, no `sts`); `overrides` as in `clerkV2Payload`. */
export function clerkV1Payload(overrides: Record<string, unknown> = {}, now = NOW): Record<string, unknown> {
  return withOverrides(
    {
      azp: TEST_AZP,
      exp: now + 60,
      iat: now,
      iss: TEST_ISSUER,
      nbf: now - 5,
      sid: 'sess_123',
      sub: 'user_123',
    },
    overrides,
  );
}

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** base64url without padding, of a string (UTF-8) or bytes. */
export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

/** A JWS segment: an object is JSON-encoded first; a string is taken as the exact JSON text (for duplicate keys etc.). */
export function segment(json: string | Record<string, unknown> | unknown[]): string {
  return b64url(typeof json === 'string' ? json : JSON.stringify(json));
}

/** `h.p.s` joined as is (no validation: attack tokens are made with this). */
export function jwtFromSegments(...segments: string[]): string {
  return segments.join('.');
}

/**
 * The base64url signature of `signingInput` (`<header>.<payload>`) for `alg`: RS256/384/512 and PS256/384/512 with
 * an RSA private key, ES256 with an EC P-256 key (JOSE's raw r||s form), HS256/384/512 with a string or Buffer secret
 * (e.g. the PEM text, for the algorithm-confusion attack), `none` → `''`.
 */
export function signatureFor(alg: string, signingInput: string, key: KeyObject | string | Buffer): string {
  const data = Buffer.from(signingInput, 'ascii');
  const hash = `sha${alg.slice(2)}`;
  if (alg === 'none') return '';
  if (alg.startsWith('HS')) {
    return createHmac(hash, key as string | Buffer).update(data).digest('base64url');
  }
  if (alg.startsWith('RS')) return cryptoSign(hash, data, key as KeyObject).toString('base64url');
  if (alg.startsWith('PS')) {
    return cryptoSign(hash, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64url');
  }
  if (alg.startsWith('ES')) {
    return cryptoSign(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  }
  throw new Error(`signatureFor: unsupported alg ${alg}`);
}

/**
 * A compact JWS of `payload` under `header`, signed with node:crypto for `signingAlg`, by default `header.alg` (or
 * RS256 when `header` has no string `alg`). Pass `signingAlg` to make the header lie (`{ alg: 'none' }` signed
 * RS256). See `signatureFor` for the key types.
 */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  key: KeyObject | string | Buffer,
  signingAlg?: string,
): string {
  const signingInput = `${segment(header)}.${segment(payload)}`;
  const alg = signingAlg ?? (typeof header.alg === 'string' ? header.alg : 'RS256');
  return `${signingInput}.${signatureFor(alg, signingInput, key)}`;
}

/** An RS256 token over exact header and payload JSON texts (duplicate keys, `__proto__`, odd whitespace). */
export function signRawJwt(headerJson: string, payloadJson: string, privateKey: KeyObject): string {
  const signingInput = `${segment(headerJson)}.${segment(payloadJson)}`;
  return `${signingInput}.${signatureFor('RS256', signingInput, privateKey)}`;
}

/** A valid Clerk v2 session token (default key, header and payload) with payload `overrides`. */
export function validToken(overrides: Record<string, unknown> = {}, now = NOW): string {
  return signJwt(sessionHeader(), clerkV2Payload(overrides, now), testKeys().privateKey);
}
