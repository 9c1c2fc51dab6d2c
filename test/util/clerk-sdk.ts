/**
 * What the Clerk references (clerk-reference.ts, clerk-machine-reference.ts) share: Clerk's own
 * `authenticateRequest`, networkless, for a request carrying `Authorization: Bearer <token>`, and how a refusal or
 * an exception from Clerk is put into words.
 *
 * With `jwtKey`, Clerk verifies a JWT with the PEM and sends no request; the client's API URL points at a closed
 * local port so that nothing could ever leave the machine (opaque tokens, which only the Backend API can verify,
 * come back refused), and telemetry is off.
 */
import { createClerkClient } from '@clerk/backend';

/** What `authenticateRequest` is given: the equivalent of the handler's environment. */
export interface ClerkRequestOptions {
  /** The PEM (`CLERK_PUBLIC_KEY_PEM`). */
  readonly jwtKey: string;
  /** `CLERK_ISSUER`: also makes the publishable key the SDK insists on. */
  readonly issuer?: string;
  /** `CLERK_ACCEPTS_TOKEN`. @default - not passed: session tokens only */
  readonly acceptsToken?: readonly string[];
  /** `CLERK_AUTHORIZED_PARTIES`. */
  readonly authorizedParties?: readonly string[];
  /** `CLERK_AUDIENCE`. */
  readonly audience?: readonly string[];
  /** `CLERK_CLOCK_SKEW_SECONDS` × 1000. */
  readonly clockSkewInMs: number;
}

type ClerkClient = ReturnType<typeof createClerkClient>;

/** What the references read of `authenticateRequest`'s answer (its type depends on `acceptsToken`). */
export interface ClerkRequestState {
  readonly status: string;
  readonly reason?: unknown;
  toAuth(options?: never): unknown;
}

const clients = new Map<string, ClerkClient>();

/** One client per key (made on the first call for that key), as a backend keeps one. */
function clientFor(options: ClerkRequestOptions): ClerkClient {
  let client = clients.get(options.jwtKey);
  if (client === undefined) {
    client = createClerkClient({
      // Placeholders the SDK insists on; with `jwtKey` a header token is verified without any request.
      secretKey: 'sk_live_differential_test',
      publishableKey: `pk_live_${Buffer.from(`${options.issuer ? new URL(options.issuer).host : 'clerk.invalid'}$`).toString('base64')}`,
      apiUrl: 'http://127.0.0.1:9',
      jwtKey: options.jwtKey,
      telemetry: { disabled: true },
    });
    clients.set(options.jwtKey, client);
  }
  return client;
}

/** `authenticateRequest` for `Authorization: Bearer <token>`. Throws what Clerk throws. */
export async function authenticateBearer(token: string, options: ClerkRequestOptions): Promise<ClerkRequestState> {
  return (await clientFor(options).authenticateRequest(
    new Request('https://api.example.com/items', { headers: { authorization: `Bearer ${token}` } }),
    {
      jwtKey: options.jwtKey,
      ...(options.acceptsToken ? { acceptsToken: [...options.acceptsToken] } : {}),
      authorizedParties: options.authorizedParties ? [...options.authorizedParties] : undefined,
      audience: options.audience ? [...options.audience] : undefined,
      clockSkewInMs: options.clockSkewInMs,
      // Not a documented option; passed through to the session path's verifyToken (the machine path drops it).
      issuer: options.issuer,
    } as never,
  )) as ClerkRequestState;
}

/** A token Clerk refused: every check answers unauthorized, with Clerk's reason. */
export function refusedSession(reason: string): { readonly refused: string; decide(): { decision: 'unauthorized'; reason: string } } {
  return { refused: reason, decide: () => ({ decision: 'unauthorized', reason }) };
}

/** Clerk's reason for an error (`token-expired`, ...), else its message, short. */
export function reasonOf(e: unknown): string {
  const err = e as { reason?: unknown; message?: unknown } | null | undefined;
  if (err && typeof err.reason === 'string') return err.reason;
  if (err && typeof err.message === 'string') return err.message.slice(0, 120);
  return String(e).slice(0, 120);
}
