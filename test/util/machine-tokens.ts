/**
 * Clerk machine tokens for the tests: OAuth access tokens and M2M tokens in their JWT formats, with the shapes Clerk
 * issues (see /work/notes/design-13.md §1.3 for the sources), signed for real with the test keys of `./tokens`.
 *
 * ```ts
 * const oauth = oauthToken({ scope: 'mcp:read mcp:write' });               // typ at+jwt, client_id, jti oat_...
 * const m2m = m2mToken({ aud: ['mch_api'], scopes: 'mch_api' });           // cat M2M, sub mch_..., jti mt_...
 * const forged = signJwt(oauthHeader({ typ: 'JWT' }), oauthPayload(), testKeys().privateKey);
 * ```
 */
import { NOW, signJwt, testKeys, TEST_ISSUER } from './tokens';

/** The header `typ` values Clerk's SDK reads as an OAuth access token (RFC 9068 `at+jwt`, and its media type). */
export const OAUTH_TYPES = ['at+jwt', 'application/at+jwt'] as const;
/** Clerk's M2M token category (the `cat` JOSE header). */
export const M2M_CATEGORY = 'cl_B7d4PD333AAA';
/** Clerk's "ignore" category (instances with `use_ignore_jwt_cat` stamp it on every class). */
export const IGNORE_CATEGORY = 'cl_I7d4PD111III';

/** The OAuth client the default OAuth token was issued to. */
export const TEST_CLIENT_ID = 'client_2VTWUzvGC5UhdJCNx6xG1D98edc';
/** The user the default OAuth token acts for. */
export const TEST_OAUTH_USER = 'user_2vYVtestTESTtestTESTtestTESTtest';
/** The calling machine of the default M2M token. */
export const TEST_CALLER_MACHINE = 'mch_2vYVcallerTESTtestTESTtestTEST';
/** The machine the default M2M token may call: the API under test (`machineId`). */
export const TEST_MACHINE_ID = 'mch_2xApiTESTtestTESTtestTESTtest';
/** Another machine of the instance. */
export const OTHER_MACHINE_ID = 'mch_2yOtherTESTtestTESTtestTESTte';
/** The resource URL of the MCP server under test (RFC 8707 `resource`, RFC 9728 `resource`). */
export const TEST_RESOURCE = 'https://mcp.example.com';

/** The header Clerk puts on an OAuth access token JWT: RS256, `kid`, `typ: at+jwt` (no `cat`). */
export function oauthHeader(extra: Record<string, unknown> = {}, kid = 'ins_test'): Record<string, unknown> {
  return { alg: 'RS256', kid, typ: 'at+jwt', ...extra };
}

/**
 * A Clerk OAuth access token payload valid at `now` (iat = now, nbf = now - 5, exp = now + 1 day, Clerk's lifetime),
 * for `TEST_OAUTH_USER` through `TEST_CLIENT_ID`, scopes `profile email` (space-separated `scope`). `overrides`
 * replace or add claims; `undefined` removes one. Add `aud: TEST_RESOURCE` for a token bound to the MCP server (Clerk
 * sets `aud` only when the client sent RFC 8707 `resource`), `org_id` for the `user:org:read` scope.
 */
export function oauthPayload(overrides: Record<string, unknown> = {}, now = NOW): Record<string, unknown> {
  return withOverrides(
    {
      iss: TEST_ISSUER,
      sub: TEST_OAUTH_USER,
      client_id: TEST_CLIENT_ID,
      jti: 'oat_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE',
      iat: now,
      nbf: now - 5,
      exp: now + 86_400,
      scope: 'profile email',
    },
    overrides,
  );
}

/** The header Clerk puts on an M2M token JWT: RS256, `kid`, `typ: JWT`, `cat` M2M. */
export function m2mHeader(extra: Record<string, unknown> = {}, kid = 'ins_test'): Record<string, unknown> {
  return { alg: 'RS256', cat: M2M_CATEGORY, kid, typ: 'JWT', ...extra };
}

/**
 * A Clerk M2M token payload valid at `now` (iat = now, nbf = now - 5, exp = now + 1 hour): `TEST_CALLER_MACHINE`
 * calling `TEST_MACHINE_ID` and `OTHER_MACHINE_ID`, listed both in `aud` and in `scopes` (space-separated), as Clerk
 * writes them. Custom `claims` of `createToken({ claims })` are top-level members; pass them in `overrides`.
 */
export function m2mPayload(overrides: Record<string, unknown> = {}, now = NOW): Record<string, unknown> {
  return withOverrides(
    {
      iss: TEST_ISSUER,
      sub: TEST_CALLER_MACHINE,
      aud: [TEST_MACHINE_ID, OTHER_MACHINE_ID],
      scopes: `${TEST_MACHINE_ID} ${OTHER_MACHINE_ID}`,
      jti: 'mt_2xKa9Bgv7NxMRDFyQw8LpZ3cTmU1vHjE',
      iat: now,
      nbf: now - 5,
      exp: now + 3600,
    },
    overrides,
  );
}

/** A valid OAuth access token JWT (default key) with payload `overrides` and header `headerExtra`. */
export function oauthToken(overrides: Record<string, unknown> = {}, headerExtra: Record<string, unknown> = {}, now = NOW): string {
  return signJwt(oauthHeader(headerExtra), oauthPayload(overrides, now), testKeys().privateKey);
}

/** A valid M2M token JWT (default key) with payload `overrides` and header `headerExtra`. */
export function m2mToken(overrides: Record<string, unknown> = {}, headerExtra: Record<string, unknown> = {}, now = NOW): string {
  return signJwt(m2mHeader(headerExtra), m2mPayload(overrides, now), testKeys().privateKey);
}

/** Opaque machine tokens (Clerk's prefixes), which need Clerk's Backend API to verify. */
export const OPAQUE_TOKENS = {
  oauth: 'oat_8XOIucKvqHVr5tYP123456789abcdefghij',
  m2m: 'mt_8XOIucKvqHVr5tYP123456789abcdefghij',
  apiKey: 'ak_LCWGdaM8mv8K4PC57IICZQXAeWfCgF30DZaFXHoGn9',
} as const;

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
