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
import { createClerkClient } from '@clerk/backend';

/** The token kinds, in Clerk's vocabulary. */
export type ClerkTokenKind = 'session_token' | 'oauth_token' | 'm2m_token';

/** How Clerk is configured: the equivalent of the handler's environment. */
export interface ClerkMachineConfig {
  /** The PEM (`CLERK_PUBLIC_KEY_PEM`). */
  readonly jwtKey: string;
  /** `CLERK_ISSUER`, passed through as the session path's `issuer` (the machine path ignores it). */
  readonly issuer?: string;
  /** `CLERK_ACCEPTS_TOKEN`. */
  readonly acceptsToken: readonly ClerkTokenKind[];
  /** `CLERK_AUTHORIZED_PARTIES`. */
  readonly authorizedParties?: readonly string[];
  /** `CLERK_AUDIENCE`. */
  readonly audience?: readonly string[];
  /** `CLERK_CLOCK_SKEW_SECONDS` × 1000. */
  readonly clockSkewInMs: number;
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

const clients = new Map<string, ReturnType<typeof createClerkClient>>();

/** `authenticateRequest` with `acceptsToken` for a request carrying `Authorization: Bearer <token>`. Never throws. */
export async function clerkAuthenticateAny(token: string, config: ClerkMachineConfig): Promise<ClerkMachineSession> {
  const key = config.jwtKey;
  let client = clients.get(key);
  if (client === undefined) {
    client = createClerkClient({
      // Placeholders the SDK insists on; with `jwtKey` a header JWT is verified without any request. The API URL
      // points at a closed local port so that nothing could ever leave the machine, and telemetry is off.
      secretKey: 'sk_live_differential_test',
      publishableKey: `pk_live_${Buffer.from(`${config.issuer ? new URL(config.issuer).host : 'clerk.invalid'}$`).toString('base64')}`,
      apiUrl: 'http://127.0.0.1:9',
      jwtKey: key,
      telemetry: { disabled: true },
    });
    clients.set(key, client);
  }
  try {
    const state = await client.authenticateRequest(
      new Request('https://api.example.com/items', { headers: { authorization: `Bearer ${token}` } }),
      {
        jwtKey: key,
        acceptsToken: [...config.acceptsToken],
        authorizedParties: config.authorizedParties ? [...config.authorizedParties] : undefined,
        audience: config.audience ? [...config.audience] : undefined,
        clockSkewInMs: config.clockSkewInMs,
        // Not a documented option; passed through to the session path's verifyToken (the machine path drops it).
        issuer: config.issuer,
      } as never,
    );
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

function refused(reason: string): ClerkMachineSession {
  return { refused: reason, decide: () => ({ decision: 'unauthorized', reason }) };
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

function reasonOf(e: unknown): string {
  const err = e as { reason?: unknown; message?: unknown } | null | undefined;
  if (err && typeof err.reason === 'string') return err.reason;
  if (err && typeof err.message === 'string') return err.message.slice(0, 120);
  return String(e).slice(0, 120);
}
