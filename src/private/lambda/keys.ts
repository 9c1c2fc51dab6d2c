import type { KeyObject } from 'node:crypto';
import type { Rejection } from './reasons';

/**
 * Where the verification key comes from: a PEM imported once at cold start (`pem`), or the issuer's JWKS (`jwks`),
 * which resolves a key for the token's `kid`.
 */
export type KeySource =
  | { readonly pem: KeyObject; readonly jwks?: undefined }
  | { readonly pem?: undefined; readonly jwks: (kid: string | undefined) => Promise<KeyObject | Rejection> };

/** The JWKS fetch settings (`CLERK_JWKS_*`). */
export interface JwksOptions {
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  /** How long the last good key set keeps answering past `cacheMaxAgeMs` while fetches fail. */
  readonly staleIfErrorMs: number;
}

/** What `./jwks` exports (described here, not imported, so that `./jwks` depends on this file and not back). */
interface JwksModule {
  jwksKeySource(url: string, options: JwksOptions): KeySource;
}

/**
 * Loads the JWKS client and makes its key source (see `./jwks`). The JWKS client, jose included, is a second file of
 * the function's asset (`jwks.js`, built from `./jwks.ts`), required only here, in JWKS mode: in PEM mode a cold start
 * neither parses nor evaluates it, and the handler file stays small.
 */
export function loadJwksKeySource(url: string, options: JwksOptions): KeySource {
  // A plain require, left external by the bundler: it resolves next to the bundle at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jwks = require('./jwks.js') as JwksModule;
  return jwks.jwksKeySource(url, options);
}
