import { TokenKind } from '../contract';
import { own } from '../json';
import { audienceMatches, M2M_CATEGORY, MACHINE_PREFIX, MachineConfig, MachineFacts } from './machine';
import type { OrganizationClaims } from './organization';
import { reject, Rejection } from './reasons';

/**
 * The rules of Clerk's machine tokens in their JWT formats (OAuth access tokens and M2M tokens), after the checks all
 * kinds share (`./verify`). Bundled on its own into the asset's `machine.js` and required only when the authorizer
 * accepts a machine kind (`loadMachineRules` in `./machine`).
 */

/** A decoded JOSE header or payload. */
type Claims = Readonly<Record<string, unknown>>;

/** The `cat` values of Clerk's other token classes (session, JWT template, M2M): never on an OAuth access token. */
const NOT_OAUTH_CATEGORIES: ReadonlySet<unknown> = new Set(['cl_B7d4PD111AAA', 'cl_B7d4PD222AAA', M2M_CATEGORY]);

/**
 * The rules of an OAuth access token, after the shared checks (signature aside):
 * - `cat`, when present, is not the category of another Clerk token class (session, JWT template, M2M): such a token
 *   is contradictory (`token_type_ambiguous`); absent, Clerk's ignore category or an unknown one are accepted;
 * - `sub` a non-empty string (the user), `client_id` a non-empty string (RFC 9068), in `oauthClientIds` when set;
 * - `scp`, when present, an array of strings, `scope`, when present, a string: the scopes are `scp`, else `scope`
 *   split on spaces (Clerk's order); anything else is refused rather than guessed at;
 * - `aud` intersects `audience` when configured (required then, as Clerk's OAuth check requires it).
 */
export function checkOAuth(header: Claims, payload: Claims, config: MachineConfig): MachineFacts | Rejection {
  if (NOT_OAUTH_CATEGORIES.has(own(header, 'cat'))) return reject('token_type_ambiguous', 'oauth_cat_of_other_class');
  const sub = own(payload, 'sub');
  if (typeof sub !== 'string' || sub.length === 0) return reject('sub_missing');
  const clientId = own(payload, 'client_id');
  if (typeof clientId !== 'string' || clientId.length === 0) return reject('token_malformed', 'client_id_invalid');
  if (config.oauthClientIds !== undefined && !config.oauthClientIds.includes(clientId)) return reject('client_id_mismatch');
  const scp = own(payload, 'scp');
  const scope = own(payload, 'scope');
  if (scp !== undefined && !(Array.isArray(scp) && scp.every((s) => typeof s === 'string'))) return reject('token_malformed', 'scopes_invalid');
  if (scope !== undefined && typeof scope !== 'string') return reject('token_malformed', 'scopes_invalid');
  const scopes = scp !== undefined ? (scp as string[]) : spaceSeparated(scope as string | undefined);
  const aud = own(payload, 'aud');
  if (config.audience !== undefined && !audienceMatches(aud, config.audience)) {
    return reject('aud_mismatch', aud === undefined ? 'aud_absent' : 'aud_not_listed');
  }
  return { clientId, scopes };
}

/**
 * The rules of an M2M token, after the shared checks (signature aside):
 * - `typ` absent or `JWT`, `cat` absent or the M2M category (Clerk's SDK: the ignore category is refused too);
 * - `sub` is `mch_` and at least one more character (the calling machine);
 * - the machines it may call: `aud` (a string or an array of strings) and `scopes` (space-separated), each when
 *   present, must name `machineId`, and at least one must be present. Clerk's SDK reads these lists but does not check
 *   that the receiving machine is on them; this handler does, so a token minted for another machine is refused.
 * `audience` is not applied: an M2M token's `aud` lists machine ids, and `machineId` is its audience check.
 */
export function checkM2M(header: Claims, payload: Claims, config: MachineConfig): MachineFacts | Rejection {
  const typ = own(header, 'typ');
  const cat = own(header, 'cat');
  if (typ !== undefined && typ !== 'JWT') return reject('token_type_ambiguous', 'machine_subject_with_oauth_typ');
  if (cat !== undefined && cat !== M2M_CATEGORY) return reject('token_type_ambiguous', 'm2m_cat_not_m2m');
  if ((own(payload, 'sub') as string).length <= MACHINE_PREFIX.length) return reject('sub_missing');
  const aud = own(payload, 'aud');
  const scopes = own(payload, 'scopes');
  let audList: readonly string[] | undefined;
  if (typeof aud === 'string') audList = [aud];
  else if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) audList = aud as string[];
  else if (aud !== undefined) return reject('token_malformed', 'machine_list_invalid');
  if (scopes !== undefined && typeof scopes !== 'string') return reject('token_malformed', 'machine_list_invalid');
  const scopeList = scopes === undefined ? undefined : spaceSeparated(scopes as string);
  const machineId = config.machineId;
  if (machineId === undefined || (audList === undefined && scopeList === undefined)) return reject('machine_id_mismatch');
  if ((audList !== undefined && !audList.includes(machineId)) || (scopeList !== undefined && !scopeList.includes(machineId))) {
    return reject('machine_id_mismatch');
  }
  return {};
}

/** A space-separated list (RFC 6749 `scope`), empty entries dropped. */
function spaceSeparated(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(' ').filter((s) => s !== '');
}

/**
 * The organization of a machine token, for the predicate and the context: never a role or permissions (Clerk's
 * machine auth objects answer `has()` with false, so `orgRole`/`orgPermission` never hold); an OAuth token's `org_id`
 * (the `user:org:read` scope) is reported as the organization id when it is a string.
 */
export function machineOrganization(kind: TokenKind, payload: Readonly<Record<string, unknown>>): OrganizationClaims {
  const orgId = kind === TokenKind.OAUTH ? own(payload, 'org_id') : undefined;
  return typeof orgId === 'string' ? { id: orgId, role: '', permissions: NO_PERMISSIONS } : NO_ORGANIZATION;
}

const NO_PERMISSIONS: readonly string[] = Object.freeze([]);
const NO_ORGANIZATION: OrganizationClaims = Object.freeze({ id: '', role: '', permissions: NO_PERMISSIONS });
