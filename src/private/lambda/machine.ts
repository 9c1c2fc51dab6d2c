import { TokenKind } from '../contract';
import { own } from '../json';
import type { OrganizationClaims } from './organization';
import { reject, Rejection } from './reasons';

/**
 * Clerk's machine tokens in their JWT formats: OAuth access tokens and M2M tokens, told apart from session tokens the
 * way Clerk's SDK tells them apart, and held to the rules of their kind (see design-13.md for the sources).
 *
 * Signed by the same instance key as session tokens, so the signature, `iss`, `exp`/`nbf`/`iat` checks are shared
 * (verify.ts); what differs is here. Nothing in this module runs for a session token beyond `tokenKind`.
 */

/** Clerk's M2M token category (the `cat` JOSE header of an M2M JWT). */
export const M2M_CATEGORY = 'cl_B7d4PD333AAA';
/** The prefix of a Clerk machine id, and so of an M2M token's subject. */
export const MACHINE_PREFIX = 'mch_';
/** A decoded JOSE header or payload. */
type Claims = Readonly<Record<string, unknown>>;

/** Prefixes of Clerk's opaque machine tokens (OAuth, M2M, API key): verifiable only through Clerk's Backend API. */
const OPAQUE_PREFIXES = ['oat_', 'mt_', 'ak_'] as const;

/**
 * The kind of a structurally valid JWT, as Clerk's SDK decides it (`getMachineTokenType`): a `mch_` subject is an M2M
 * token (checked first), an RFC 9068 `typ` (`at+jwt`, or its media type `application/at+jwt`, exact) an OAuth access
 * token, anything else a session token. Only selects the rules: every kind still needs the instance's signature.
 */
export function tokenKind(header: Readonly<Record<string, unknown>>, payload: Readonly<Record<string, unknown>>): TokenKind {
  const sub = own(payload, 'sub');
  if (typeof sub === 'string' && sub.startsWith(MACHINE_PREFIX)) return TokenKind.M2M;
  const typ = own(header, 'typ');
  return typ === 'at+jwt' || typ === 'application/at+jwt' ? TokenKind.OAUTH : TokenKind.SESSION;
}

/** Whether a token that is not a JWT carries one of Clerk's opaque machine-token prefixes (for the reason code). */
export function isOpaqueMachineToken(token: string): boolean {
  return OPAQUE_PREFIXES.some((prefix) => token.startsWith(prefix));
}

/** The refusal of one of Clerk's opaque machine tokens, naming which. */
export function opaque(token: string): Rejection {
  return reject('token_opaque', token.startsWith('oat_') ? 'opaque_oauth_token' : token.startsWith('mt_') ? 'opaque_m2m_token' : 'opaque_api_key');
}

/** The refusal of a token whose kind the authorizer does not accept: the reason code names the kind. */
export function notAccepted(kind: TokenKind): Rejection {
  if (kind === TokenKind.SESSION) return reject('session_token_not_accepted');
  return reject(kind === TokenKind.OAUTH ? 'oauth_token_not_accepted' : 'm2m_token_not_accepted');
}

/** What an OAuth or M2M token says about its caller, once its rules hold. */
export interface MachineFacts {
  /** OAuth: `client_id`. */
  readonly clientId?: string;
  /** OAuth: the granted scopes (`scp`, else `scope` split on spaces). */
  readonly scopes?: readonly string[];
}

/** The configuration the machine rules read. */
export interface MachineConfig {
  readonly audience?: readonly string[];
  readonly oauthClientIds?: readonly string[];
  readonly machineId?: string;
}

/** `aud` (a string, or an array holding at least one string) names one of `audience`. */
export function audienceMatches(aud: unknown, audience: readonly string[]): boolean {
  return typeof aud === 'string'
    ? audience.includes(aud)
    : Array.isArray(aud) && aud.some((a) => typeof a === 'string' && audience.includes(a));
}

/**
 * The rules of the machine kinds (`./machine-rules`): a third file of the function's asset (`machine.js`), required
 * only when the authorizer accepts OAuth or M2M tokens, so that a session-only cold start neither parses nor evaluates
 * it and the handler file stays small.
 */
export interface MachineRules {
  checkOAuth(header: Claims, payload: Claims, config: MachineConfig): MachineFacts | Rejection;
  checkM2M(header: Claims, payload: Claims, config: MachineConfig): MachineFacts | Rejection;
  machineOrganization(kind: TokenKind, payload: Claims): OrganizationClaims;
}

/** Loads the machine rules (at cold start, when a machine kind is accepted). */
export function loadMachineRules(): MachineRules {
  // A plain require, left external by the bundler: it resolves next to the bundle at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./machine.js') as MachineRules;
}
