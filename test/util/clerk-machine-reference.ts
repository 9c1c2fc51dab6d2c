/**
 * The reference decision for machine tokens, made by Clerk's own code (@clerk/backend 3.25, devDependency only): the
 * whole SDK path a Clerk backend takes for `Authorization: Bearer <token>` with `acceptsToken` listing the kinds it
 * accepts (`createClerkClient(...).authenticateRequest(request, { acceptsToken, jwtKey, audience, ... }).toAuth()`).
 *
 * Networkless: with `jwtKey`, Clerk verifies session, OAuth and M2M JWTs with the PEM; opaque tokens (`oat_`, `mt_`,
 * `ak_`) would need the Backend API, whose URL points at a closed local port, so they come back refused. Time is read
 * from `Date.now()`, as the handler reads it (`fixTime()` controls both).
 *
 * The authorization asked of the auth object mirrors a `ClaimPredicate`:
 * - `scope(...s)`: an OAuth token (`auth.tokenType === 'oauth_token'`) whose `auth.scopes` holds every one of `s`
 *   (what an MCP server on Clerk writes: `auth.scopes.includes('mcp:read')`);
 * - `tokenType(...t)`: `t.includes(auth.tokenType)`;
 * - `orgRole`/`orgPermission`: `auth.has(...)` (Clerk's machine auth objects answer `has: () => false`).
 */
import { authenticateBearer, ClerkRequestOptions, reasonOf, refusedSession as refused } from './clerk-sdk';

/** The token kinds, in Clerk's vocabulary. */
export type ClerkTokenKind = 'session_token' | 'oauth_token' | 'm2m_token';

/**
 * How Clerk is configured: the equivalent of the handler's environment. `issuer` is passed through as the session
 * path's `issuer` (the machine path ignores it).
 */
export interface ClerkMachineConfig extends ClerkRequestOptions {
  /** `CLERK_ACCEPTS_TOKEN`. */
  readonly acceptsToken: readonly ClerkTokenKind[];
}

/** What is asked of the auth object (what a `ClaimPredicate` means in Clerk's terms). */
export type ClerkMachineCheck =
  | { readonly kind: 'none' }
  | { readonly kind: 'scope'; readonly scopes: readonly string[] }
  | { readonly kind: 'tokenType'; readonly types: readonly ClerkTokenKind[] }
  | { readonly kind: 'orgRole'; readonly roles: readonly string[] };

/** Clerk's view of a signed-in caller: what the handler's context must say. */
export interface ClerkCaller {
  readonly tokenType: ClerkTokenKind;
  /** OAuth: the user; session: the user; M2M: undefined. */
  readonly userId?: string;
  /** M2M: the calling machine. */
  readonly machineId?: string;
  /** OAuth: `client_id`. */
  readonly clientId?: string;
  /** OAuth: granted scopes; M2M: the machines it may call. */
  readonly scopes?: readonly string[];
}

/** Clerk's decision, in the handler's terms. */
export interface ClerkMachineVerdict {
  readonly decision: 'allow' | 'deny' | 'unauthorized';
  /** Clerk's reason (`token-type-mismatch`, ...), `check_false`, `ok`, or what threw. */
  readonly reason: string;
  readonly caller?: ClerkCaller;
}

/** What Clerk made of a token: refused (why), or a signed-in caller that answers checks. */
export interface ClerkMachineSession {
  readonly refused?: string;
  readonly caller?: ClerkCaller;
  decide(check: ClerkMachineCheck): ClerkMachineVerdict;
}

interface AuthLike {
  readonly tokenType?: unknown;
  readonly userId?: unknown;
  readonly machineId?: unknown;
  readonly clientId?: unknown;
  readonly scopes?: unknown;
  readonly isAuthenticated?: unknown;
  has(params: Record<string, unknown>): boolean;
}

/** `authenticateRequest` with `acceptsToken` for a request carrying `Authorization: Bearer <token>`. Never throws. */
export async function clerkAuthenticateAny(token: string, config: ClerkMachineConfig): Promise<ClerkMachineSession> {
  try {
    const state = await authenticateBearer(token, config);
    if (state.status !== 'signed-in') return refused(`${state.status}: ${String(state.reason)}`);
    // Pending sessions are signed out here too (treatPendingAsSignedOut defaults to true).
    const auth = state.toAuth() as unknown as AuthLike;
    if (!auth || auth.isAuthenticated === false || (auth.tokenType === 'session_token' && (auth.userId === null || auth.userId === undefined))) {
      return refused('signed-out (pending)');
    }
    return signedIn(auth);
  } catch (e) {
    // e.g. an OAuth token whose `scope` is not a string: Clerk's fromJwtPayload throws out of authenticateRequest.
    return refused(`threw: ${reasonOf(e)}`);
  }
}

function signedIn(auth: AuthLike): ClerkMachineSession {
  const tokenType = auth.tokenType as ClerkTokenKind;
  const caller: ClerkCaller = {
    tokenType,
    userId: typeof auth.userId === 'string' ? auth.userId : undefined,
    machineId: typeof auth.machineId === 'string' ? auth.machineId : undefined,
    clientId: typeof auth.clientId === 'string' ? auth.clientId : undefined,
    scopes: Array.isArray(auth.scopes) ? (auth.scopes as string[]) : undefined,
  };
  return {
    caller,
    decide: (check) => {
      let ok: boolean;
      try {
        ok = holds(auth, caller, check);
      } catch (e) {
        return { decision: 'unauthorized', reason: `check_threw: ${reasonOf(e)}` };
      }
      return ok ? { decision: 'allow', reason: 'ok', caller } : { decision: 'deny', reason: 'check_false', caller };
    },
  };
}

function holds(auth: AuthLike, caller: ClerkCaller, check: ClerkMachineCheck): boolean {
  switch (check.kind) {
    case 'none':
      return true;
    case 'scope':
      return caller.tokenType === 'oauth_token' && check.scopes.every((s) => (caller.scopes ?? []).includes(s));
    case 'tokenType':
      return check.types.includes(caller.tokenType);
    case 'orgRole':
      return check.roles.some((role) => auth.has({ role }));
  }
}
