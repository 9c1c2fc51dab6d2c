// The JWKS client of the handler: bundled on its own into the asset's jwks.js and loaded only in JWKS mode (see
// `./keys`, which describes this module's export rather than importing it: no cycle). jose is bundled at build time (esbuild), so it is rightly a devDependency.
import { KeyObject } from 'node:crypto';
// eslint-disable-next-line import/no-extraneous-dependencies
import { createRemoteJWKSet } from 'jose';
import { isStrongRsaKey } from '../contract';
import type { JwksOptions, KeySource } from './keys';
import { reject, Rejection } from './reasons';

/**
 * A JWKS key source. Created once at module scope so jose's JWKS cache survives warm invocations.
 *
 * jose does what it is good at: fetch with a timeout, cache for `cacheMaxAgeMs`, refetch on an unknown `kid` at
 * most once per `cooldownMs`, select the key by `kid`/`alg`/`use`/`key_ops`, refuse non-public and malformed keys.
 * The signature itself is checked with node:crypto (several times faster than jose's WebCrypto path), on a
 * `KeyObject` converted once per key jose imported: jose keeps one CryptoKey per JWK until it refetches, so keying the
 * conversion on the CryptoKey follows jose's cache exactly: a key removed from the JWKS stops being used when jose
 * drops it.
 *
 * Fails closed: an unreachable, slow, non-200 or malformed JWKS is `jwks_unavailable`, a `kid` it does not hold (or a
 * key too weak to trust) is `kid_unknown`. Never throws.
 */
export function jwksKeySource(url: string, options: JwksOptions): KeySource {
  const jwks = createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
  });
  const converted = new WeakMap<object, KeyObject | Rejection>();
  return {
    jwks: async (kid) => {
      let cryptoKey: unknown;
      try {
        cryptoKey = await jwks({ alg: 'RS256', kid });
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        return reject(code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ? 'kid_unknown' : 'jwks_unavailable');
      }
      if (typeof cryptoKey !== 'object' || cryptoKey === null) return reject('jwks_unavailable');
      let key = converted.get(cryptoKey);
      if (key === undefined) {
        key = toRsaKeyObject(cryptoKey);
        converted.set(cryptoKey, key);
      }
      return key;
    },
  };
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
  return reject('kid_unknown');
}
