/**
 * The reference decision, made by Clerk's own code (@clerk/backend 3.25, @clerk/shared 4.41; devDependencies only),
 * for the differential test and the claims fuzzer.
 *
 * Two references, both networkless (`jwtKey`), both reading the time from `Date.now()` exactly as the handler does
 * (so `fixTime()` from handler.ts controls both):
 *
 * - `clerkVerifyToken`: `verifyToken(token, { jwtKey, issuer, authorizedParties, audience, clockSkewInMs })`,
 *   then the session's auth object as Clerk's SDK builds it (`signedInAuthObject`, i.e.
 *   `__experimental_JWTPayloadToAuthObjectProperties` + `createCheckAuthorization`) and its `has()`. This is the
 *   reference issue 7 asks for: the lower-level API that many hand-written authorizers call.
 * - `clerkAuthenticateRequest`: the whole SDK path a Clerk backend takes for `Authorization: Bearer <token>`
 *   (`createClerkClient(...).authenticateRequest(request).toAuth()`), which adds what `verifyToken` leaves out: the
 *   JWT category check, machine-token detection and `treatPendingAsSignedOut`. Used to say, for each deliberate
 *   difference from `verifyToken`, whether Clerk's full SDK refuses that token too.
 *
 * The authorization check mirrors a `ClaimPredicate`: `orgRole(...roles)` is `roles.some(r => has({ role: r }))`,
 * `orgPermission(...permissions)` is `permissions.every(p => has({ permission: p }))` (DESIGN.md), and `role(...roles)`
 * is Clerk's documented custom-claim check `roles.includes(sessionClaims.metadata?.role)`.
 */
import { verifyToken } from '@clerk/backend';
import { signedInAuthObject } from '@clerk/backend/internal';
import { authenticateBearer, ClerkRequestOptions, reasonOf, refusedSession as refused } from './clerk-sdk';

/**
 * How Clerk is configured: the equivalent of the handler's environment. An undefined `issuer` calls Clerk without
 * one, as its documented examples do (no `iss` check).
 */
export interface ClerkConfig extends Omit<ClerkRequestOptions, 'acceptsToken'> {
  /** `!CLERK_ALLOW_PENDING_SESSIONS` (only the full SDK path reads it: `verifyToken` has no notion of it). */
  readonly treatPendingAsSignedOut: boolean;
}

/** The authorization asked of the auth object (what a `ClaimPredicate` means in Clerk's terms). */
export type ClerkCheck =
  | { readonly kind: 'none' }
  | { readonly kind: 'orgRole'; readonly roles: readonly string[] }
  | { readonly kind: 'orgPermission'; readonly permissions: readonly string[] }
  | { readonly kind: 'role'; readonly roles: readonly string[] };

/** Clerk's decision, in the handler's terms. */
export interface ClerkVerdict {
  readonly decision: 'allow' | 'deny' | 'unauthorized';
  /** Clerk's error reason (`token-expired`, ...), `has_false`, `ok`, or what threw. */
  readonly reason: string;
  /** The auth object's organization view, when signed in: what the handler's context must say. */
  readonly org?: { readonly orgId: string; readonly orgRole: string; readonly orgPermissions: readonly string[] };
}

interface AuthLike {
  readonly orgId?: unknown;
  readonly orgRole?: unknown;
  readonly orgPermissions?: unknown;
  readonly sessionClaims?: unknown;
  has(params: Record<string, unknown>): boolean;
}

/** What Clerk made of a token: refused (why), or a signed-in session whose `has()` answers checks. */
export interface ClerkSession {
  /** Why Clerk refused the token; undefined when it is signed in. */
  readonly refused?: string;
  /** Clerk's decision for `check` (unauthorized when refused). */
  decide(check: ClerkCheck): ClerkVerdict;
}

/** `verifyToken` + `signedInAuthObject(...)` (whose `has()` answers). Never throws: anything Clerk throws is a refusal. */
export async function clerkVerifyToken(token: string, config: ClerkConfig): Promise<ClerkSession> {
  let payload: Record<string, unknown>;
  try {
    payload = (await verifyToken(token, {
      jwtKey: config.jwtKey,
      issuer: config.issuer,
      authorizedParties: config.authorizedParties ? [...config.authorizedParties] : undefined,
      audience: config.audience ? [...config.audience] : undefined,
      clockSkewInMs: config.clockSkewInMs,
    })) as Record<string, unknown>;
  } catch (e) {
    return refused(reasonOf(e));
  }
  try {
    // The first argument only feeds the lazily-used Backend API client (getToken); nothing here reaches the network.
    return signedIn(signedInAuthObject({} as never, token, payload as never) as unknown as AuthLike);
  } catch (e) {
    // e.g. `fea` without a scope: Clerk's parser throws, and authenticateRequest turns that into signed-out.
    return refused(`auth_object_threw: ${reasonOf(e)}`);
  }
}

/**
 * The full SDK path: `authenticateRequest` for a request carrying `Authorization: Bearer <token>`, then
 * `toAuth({ treatPendingAsSignedOut })`, whose `has()` answers. Never throws.
 */
export async function clerkAuthenticateRequest(token: string, config: ClerkConfig): Promise<ClerkSession> {
  try {
    const state = await authenticateBearer(token, config);
    if (state.status !== 'signed-in') return refused(`${state.status}: ${String(state.reason)}`);
    const auth = state.toAuth({ treatPendingAsSignedOut: config.treatPendingAsSignedOut } as never) as unknown as AuthLike & { userId?: unknown };
    if (!auth || auth.userId === null || auth.userId === undefined) return refused('signed-out (pending)');
    return signedIn(auth);
  } catch (e) {
    return refused(`threw: ${reasonOf(e)}`);
  }
}

function signedIn(auth: AuthLike): ClerkSession {
  return { decide: (check) => decide(auth, check) };
}

function decide(auth: AuthLike, check: ClerkCheck): ClerkVerdict {
  const org = {
    orgId: typeof auth.orgId === 'string' ? auth.orgId : '',
    orgRole: typeof auth.orgRole === 'string' ? auth.orgRole : '',
    orgPermissions: Array.isArray(auth.orgPermissions) ? (auth.orgPermissions as string[]) : [],
  };
  let ok: boolean;
  try {
    ok = holds(auth, check);
  } catch (e) {
    return { decision: 'unauthorized', reason: `has_threw: ${reasonOf(e)}` };
  }
  return ok ? { decision: 'allow', reason: 'ok', org } : { decision: 'deny', reason: 'has_false', org };
}

function holds(auth: AuthLike, check: ClerkCheck): boolean {
  switch (check.kind) {
    case 'none':
      return true;
    case 'orgRole':
      return check.roles.some((role) => auth.has({ role }));
    case 'orgPermission':
      return check.permissions.every((permission) => auth.has({ permission }));
    case 'role': {
      // Clerk's documented pattern: `sessionClaims?.metadata?.role === 'admin'`.
      const claims = auth.sessionClaims as { metadata?: { role?: unknown } } | null | undefined;
      const role = claims?.metadata?.role;
      return check.roles.some((r) => r === role);
    }
  }
}

/** Clerk's auth object for verified claims: its `has()` and its organization view. */
export interface ClerkAuth {
  readonly org: { readonly orgId: string; readonly orgRole: string; readonly orgPermissions: readonly string[] };
  has(params: { role?: string; permission?: string }): boolean;
}

/**
 * The auth object Clerk's SDK builds from already-verified claims (`signedInAuthObject`), for checking `has()`
 * semantics on claims that did not go through `verifyToken`. Throws what Clerk throws (e.g. `fea` without a scope).
 */
export function clerkAuthFromClaims(claims: Record<string, unknown>): ClerkAuth {
  const auth = signedInAuthObject({} as never, '', claims as never) as unknown as AuthLike;
  return {
    has: (params) => auth.has(params),
    org: {
      orgId: typeof auth.orgId === 'string' ? auth.orgId : '',
      orgRole: typeof auth.orgRole === 'string' ? auth.orgRole : '',
      orgPermissions: Array.isArray(auth.orgPermissions) ? (auth.orgPermissions as string[]) : [],
    },
  };
}
