import { isPlainObject, own } from '../json';
import { withOrgPrefix } from '../predicate';

/**
 * Clerk's organization claims (session token v1 and v2) as Clerk's auth object reads them, and the meaning of Clerk's
 * `has({ role })` / `has({ permission })`. Handler-only: the construct never decodes a token.
 */

/**
 * The active organization of a session token as Clerk's auth object sees it: `id` `''` when there is none, in which
 * case `role` is `''` and `permissions` empty too.
 */
export interface OrganizationClaims {
  /** `org_id` (v1) or `o.id` (v2). */
  readonly id: string;
  /** `org_role` as is (v1) or `org:` + `o.rol` (v2): Clerk's `auth().orgRole`. */
  readonly role: string;
  /** `org_permissions` (v1) or decoded from `fea`, `o.per` and `o.fpm` (v2): Clerk's `auth().orgPermissions`. */
  readonly permissions: readonly string[];
}

const NO_ORGANIZATION: OrganizationClaims = Object.freeze({ id: '', role: '', permissions: Object.freeze([]) });

/**
 * Decodes the organization claims of a (verified) session token, v1 or v2, exactly as `@clerk/shared`'s
 * `__experimental_JWTPayloadToAuthObjectProperties` does, but type-strict.
 *
 * Returns `undefined` when the claims are malformed: a claim of the wrong type (Clerk would coerce or throw), or a
 * `fea` element without a scope (Clerk's parser throws, which signs the request out). The handler refuses such a
 * token outright instead of guessing, so a `noneOf(orgRole(...))` can never pass on claims nobody can read.
 * Clerk's own leniencies that are not type confusion are kept: an `fpm` entry that is not a decimal grants nothing
 * for its feature, and `v` other than the number 2 reads the v1 claims.
 */
export function decodeOrganization(payload: Readonly<Record<string, unknown>>): OrganizationClaims | undefined {
  if (own(payload, 'v') === 2) {
    const o = own(payload, 'o');
    if (o === undefined || o === null) return NO_ORGANIZATION;
    if (!isPlainObject(o)) return undefined;
    const id = own(o, 'id');
    const rol = own(o, 'rol');
    const per = own(o, 'per');
    const fpm = own(o, 'fpm');
    const fea = own(payload, 'fea');
    if (!optionalString(id) || !optionalString(rol) || !optionalString(per) || !optionalString(fpm) || !optionalString(fea)) {
      return undefined;
    }
    const features = orgFeatures(fea);
    if (features === undefined) return undefined;
    if (!id) return NO_ORGANIZATION;
    return { id, role: rol ? `org:${rol}` : '', permissions: buildPermissions(features, per, fpm) };
  }
  const id = own(payload, 'org_id');
  const role = own(payload, 'org_role');
  const permissions = own(payload, 'org_permissions');
  if (!optionalString(id) || !optionalString(role)) return undefined;
  if (permissions !== undefined && permissions !== null) {
    if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string')) return undefined;
  }
  if (!id) return NO_ORGANIZATION;
  return { id, role: role ?? '', permissions: (permissions as string[] | null | undefined) ?? [] };
}

/** `undefined`, `null` or a string: the only shapes Clerk emits for these claims. */
function optionalString(v: unknown): v is string | undefined | null {
  return v === undefined || v === null || typeof v === 'string';
}

/**
 * The organization-scoped features of `fea` (`o:x`, and `ou:`/`uo:` which count for both scopes), as Clerk's
 * `splitByScope`; undefined when an element has no scope, where Clerk throws.
 */
function orgFeatures(fea: string | null | undefined): string[] | undefined {
  const org: string[] = [];
  if (!fea) return org;
  for (const raw of fea.split(',')) {
    const part = raw.trim();
    const colon = part.indexOf(':');
    if (colon === -1) return undefined;
    const scope = part.slice(0, colon);
    if (scope === 'o' || scope === 'ou' || scope === 'uo') org.push(part.slice(colon + 1));
  }
  return org;
}

/**
 * `org:<feature>:<permission>` for every bit set in `fpm`: one decimal bitmask per organization feature (in `fea`
 * order), bit i (least significant first) standing for the i-th entry of `per`. Clerk's `buildOrgPermissions`.
 */
function buildPermissions(features: readonly string[], per: string | null | undefined, fpm: string | null | undefined): string[] {
  if (!per || !fpm) return [];
  const permissions = per.split(',').map((p) => p.trim());
  const masks = fpm.split(',');
  const result: string[] = [];
  for (let f = 0; f < features.length && f < masks.length; f++) {
    const bits = decimalToBits(masks[f].trim(), permissions.length);
    for (let p = 0; p < bits.length; p++) {
      if (bits[p] === 1) result.push(`org:${features[f]}:${permissions[p]}`);
    }
  }
  return result;
}

/**
 * The lowest `count` binary digits (least significant first) of a decimal string of any length, as Clerk's
 * `decimalToBinaryBits` reads it; `[]` when the string is not all digits. Reduced modulo 2^count first, so the cost
 * is linear in the string and a long mask in a (signed) token cannot make the handler slow; Clerk's long division is
 * quadratic.
 */
export function decimalToBits(decimal: string, count: number): number[] {
  if (!/^\d+$/.test(decimal)) return [];
  let value = BigInt(decimal) % 2n ** BigInt(count);
  const bits: number[] = [];
  for (let i = 0; i < count; i++) {
    bits.push(value % 2n === 1n ? 1 : 0);
    value /= 2n;
  }
  return bits;
}

/** Clerk's `has({ role })`: an active organization whose role equals `role` after `org:` normalization. */
export function hasOrgRole(org: OrganizationClaims, role: string): boolean {
  return org.id !== '' && org.role !== '' && withOrgPrefix(org.role) === withOrgPrefix(role);
}

/** Clerk's `has({ permission })`: an active organization holding `org:`-normalized `permission` exactly. */
export function hasOrgPermission(org: OrganizationClaims, permission: string): boolean {
  return org.id !== '' && org.permissions.includes(withOrgPrefix(permission));
}
