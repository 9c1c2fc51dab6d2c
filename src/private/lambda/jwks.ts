// The JWKS client of the handler: bundled on its own into the asset's jwks.js and loaded only in JWKS mode (see
// `./keys`, which describes this module's export rather than importing it: no cycle). jose is bundled at build time
// (esbuild), so it is rightly a devDependency.
import { KeyObject } from 'node:crypto';
// eslint-disable-next-line import/no-extraneous-dependencies
import { createLocalJWKSet } from 'jose';
import { isStrongRsaKey } from '../contract';
import type { JwksOptions, KeySource } from './keys';
import { Detail, reject, Rejection } from './reasons';

/** The first pause after a failed fetch; each further consecutive failure doubles it, up to `MAX_BACKOFF_MS`. */
export const FIRST_BACKOFF_MS = 1000;
/** The longest pause between two fetches of a JWKS that keeps failing (the default cooldown: one fetch per 30 s). */
export const MAX_BACKOFF_MS = 30_000;

/** The usable-key lookup of the last good key set, as jose builds it (`createLocalJWKSet`). */
type KeySet = ReturnType<typeof createLocalJWKSet>;

/** A kid the key set does not hold (or holds more than once, or only under a key too weak to trust). */
const UNKNOWN = Symbol('unknown');

/**
 * A JWKS key source. Created once at module scope so its cache survives warm invocations.
 *
 * jose does what it is good at: parse a key set strictly, select the key by `kid`/`alg`/`use`/`key_ops`, refuse
 * non-public and malformed keys. The fetching, caching and failure policy are ours, because jose's
 * `createRemoteJWKSet` drops its keys once they are `cacheMaxAgeMs` old and then refetches, with the full timeout, on
 * every request while the JWKS is down:
 * - a key set is fresh for `cacheMaxAgeMs`; after that, the first request refetches it (awaited: one fetch, bounded
 *   by `timeoutMs`), and a kid the set does not hold refetches at most once per `cooldownMs`;
 * - a failed fetch (network error, timeout, non-200, malformed set) starts a backoff: no request fetches, and so no
 *   request waits on the network, until it ends (1 s, doubling per consecutive failure, at most 30 s);
 * - meanwhile the last good set keeps answering for `staleIfErrorMs` beyond its freshness: a known kid verifies from
 *   it at once, an unknown kid is refused at once (`jwks_unavailable`: the JWKS may hold it, nobody can tell);
 * - at most one fetch is in flight: concurrent requests that need one share it.
 * Every fetch is awaited by the invocation that started it: nothing runs between invocations, when Lambda freezes
 * the sandbox.
 *
 * The signature itself is checked with node:crypto (several times faster than jose's WebCrypto path), on a
 * `KeyObject` converted once per key jose imported. jose keeps one CryptoKey per JWK of a key set, so keying the
 * conversion on the CryptoKey follows the set: a key removed from the JWKS stops being used once a fetch replaces the
 * set (or once the set is older than its freshness plus `staleIfErrorMs`).
 *
 * Fails closed: a JWKS that is unreachable (beyond the stale bound), slow, non-200 or malformed is
 * `jwks_unavailable`, a `kid` a good set does not hold (or a key too weak to trust) is `kid_unknown`. Never throws.
 */
export function jwksKeySource(url: string, options: JwksOptions): KeySource {
  let keys: KeySet | undefined;
  let fetchedAt = -Infinity;
  let retryAt = -Infinity;
  let failures = 0;
  /** How the last fetch failed: the `detail` of the `jwks_unavailable` refusals it causes. */
  let failure: Detail = 'jwks_fetch_failed';
  let pending: Promise<void> | undefined;
  const converted = new WeakMap<object, KeyObject | Rejection>();

  const refresh = (): Promise<void> =>
    (pending ??= fetchKeySet(url, options.timeoutMs)
      .then(
        (set) => {
          keys = set;
          fetchedAt = Date.now();
          failures = 0;
          retryAt = -Infinity;
        },
        (e: unknown) => {
          failure = fetchFailure(e);
          failures++;
          retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(failures - 1, 16));
        },
      )
      .finally(() => {
        pending = undefined;
      }));

  /** The key for `kid` in the last good set, if that set is still usable. */
  const select = async (kid: string | undefined, now: number): Promise<KeyObject | Rejection | typeof UNKNOWN> => {
    if (keys === undefined || now >= fetchedAt + options.cacheMaxAgeMs + options.staleIfErrorMs) {
      return reject('jwks_unavailable', failure);
    }
    let cryptoKey: object;
    try {
      cryptoKey = await keys({ alg: 'RS256', kid });
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      return code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ? UNKNOWN : reject('jwks_unavailable', 'jwks_invalid');
    }
    let key = converted.get(cryptoKey);
    if (key === undefined) {
      key = toRsaKeyObject(cryptoKey);
      converted.set(cryptoKey, key);
    }
    return key;
  };

  return {
    jwks: async (kid) => {
      try {
        let now = Date.now();
        // A set past its freshness is refetched, unless a failed fetch is still backing off.
        if (now >= fetchedAt + options.cacheMaxAgeMs && now >= retryAt) {
          await refresh();
          now = Date.now();
        }
        let key = await select(kid, now);
        // An unknown kid may be a new key: one refetch per cooldown, none while backing off.
        if (key === UNKNOWN && now >= fetchedAt + options.cooldownMs && now >= retryAt) {
          await refresh();
          now = Date.now();
          key = await select(kid, now);
        }
        if (key !== UNKNOWN) return key;
        // Backing off: the JWKS may hold this kid, nobody can tell.
        return now < retryAt ? reject('jwks_unavailable', failure) : reject('kid_unknown', 'kid_not_in_jwks');
      } catch {
        return reject('jwks_unavailable', 'jwks_fetch_failed');
      }
    },
  };
}

/**
 * Fetches and parses the key set: GET without following redirects, the whole exchange (body included) bounded by
 * `timeoutMs`; anything but a 200 with a JSON Web Key Set throws.
 */
async function fetchKeySet(url: string, timeoutMs: number): Promise<KeySet> {
  const response = await fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json, application/jwk-set+json' },
  });
  if (response.status !== 200) {
    // Release the connection; the body is not read.
    void response.body?.cancel().catch(() => undefined);
    throw new HttpStatusError();
  }
  return createLocalJWKSet((await response.json()) as Parameters<typeof createLocalJWKSet>[0]);
}

function toRsaKeyObject(cryptoKey: object): KeyObject | Rejection {
  try {
    const key = KeyObject.from(cryptoKey as Parameters<typeof KeyObject.from>[0]);
    if (key.type === 'public' && isStrongRsaKey(key)) {
      return key;
    }
  } catch {
    // Not a key node can use: treated like a kid the JWKS does not hold.
  }
  return reject('kid_unknown', 'key_unusable');
}

/** How a fetch failed, for the log: a timeout, an answer other than 200, a body that is not JSON or not a key set. */
function fetchFailure(e: unknown): Detail {
  const error = e as { name?: unknown; code?: unknown } | null;
  if (error?.name === 'TimeoutError') return 'jwks_timeout';
  if (error instanceof HttpStatusError) return 'jwks_http_status';
  // By name: the fetch implementation's errors need not come from this module's realm.
  if (error?.name === 'SyntaxError') return 'jwks_not_json';
  if (error?.code === 'ERR_JWKS_INVALID') return 'jwks_invalid';
  return 'jwks_fetch_failed';
}

/** A JWKS answer other than 200. */
class HttpStatusError extends Error {}
