/**
 * The claim predicate wire format, its validation, its strict evaluation, and the decoding of Clerk's organization
 * claims (session token v1 and v2) with the meaning of Clerk's `has({ role })` / `has({ permission })`.
 *
 * Shared by the jsii-compiled `ClaimPredicate` (which renders the wire format at synth time) and the bundled handler
 * (which validates `CLERK_PREDICATE` at cold start and evaluates it per request). Pure TypeScript: no jose, no Node
 * built-ins, nothing Lambda-specific, so it compiles under jsii and bundles small.
 *
 * Wire format (JSON, one node; `claim` is a dot path such as `metadata.role`):
 * ```
 * {"op":"eq","claim":P,"value":V}          claim === V (no coercion)
 * {"op":"in","claim":P,"values":[V,...]}   claim === one of the values
 * {"op":"contains","claim":P,"value":V}    claim is an array holding an element === V
 * {"op":"exists","claim":P}                claim is present and not null
 * {"op":"orgRole","roles":[R,...]}         Clerk has({ role: R }) for one of the roles
 * {"op":"orgPermission","permissions":[..]} Clerk has({ permission: p }) for every permission
 * {"op":"allOf"|"anyOf"|"noneOf","of":[node,...]}
 * ```
 * V is a string, a finite number or a boolean.
 */

/** A claim value a predicate compares with: strict, so `1` never equals `"1"`. */
export type PredicateValue = string | number | boolean;

/** One node of the predicate wire format. */
export type PredicateNode =
  | { readonly op: 'eq'; readonly claim: string; readonly value: PredicateValue }
  | { readonly op: 'in'; readonly claim: string; readonly values: readonly PredicateValue[] }
  | { readonly op: 'contains'; readonly claim: string; readonly value: PredicateValue }
  | { readonly op: 'exists'; readonly claim: string }
  | { readonly op: 'orgRole'; readonly roles: readonly string[] }
  | { readonly op: 'orgPermission'; readonly permissions: readonly string[] }
  | { readonly op: 'allOf' | 'anyOf' | 'noneOf'; readonly of: readonly PredicateNode[] };

/** Most values in one list (`claimIn`, roles, permissions, combinator operands). */
export const MAX_LIST = 50;
/** Deepest nesting of combinators, so evaluation cost stays trivially bounded. */
export const MAX_DEPTH = 8;
/** Most nodes in one predicate. */
export const MAX_NODES = 200;
/** Most segments in a claim path. */
export const MAX_PATH_SEGMENTS = 10;
/** Longest string value or path segment. */
export const MAX_STRING = 1024;
/**
 * Longest wire format accepted. Lambda allows 4 KB for all environment variables together; the construct checks the
 * total, the handler refuses anything larger than this outright.
 */
export const MAX_WIRE_LENGTH = 4096;

/** Path segments that name JavaScript prototype machinery: never a claim, refused everywhere. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whitespace and control characters: in a claim name or an organization key, almost certainly a typo. */
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

/** What a claim path must be (the rule in error messages). */
export const CLAIM_RULE =
  'must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, none of them __proto__, constructor or prototype';

/** Whether `claim` is an acceptable claim path (see `CLAIM_RULE`). */
export function isClaimPath(claim: unknown): claim is string {
  if (typeof claim !== 'string' || claim.length > MAX_STRING) return false;
  const segments = claim.split('.');
  // Whitespace and control characters in a claim name are almost certainly a typo ("metadata .role").
  return segments.length <= MAX_PATH_SEGMENTS && segments.every((s) => s !== '' && !FORBIDDEN_SEGMENTS.has(s) && !SPACE_OR_CONTROL.test(s));
}

/** What a comparison value must be. */
export const VALUE_RULE = 'must be a string of at most 1024 characters, a finite number or a boolean';

/** Whether `value` is an acceptable comparison value (see `VALUE_RULE`). */
export function isPredicateValue(value: unknown): value is PredicateValue {
  return (typeof value === 'string' && value.length <= MAX_STRING) || Number.isFinite(value) || typeof value === 'boolean';
}

/** What a Clerk organization role or permission key must be. */
export const ORG_KEY_RULE = 'must be a key such as org:admin, without whitespace, not empty after the optional org: prefix';

/**
 * Whether `key` is an acceptable Clerk organization role or permission key (see `ORG_KEY_RULE`). Keys are compared
 * the way Clerk's `has()` compares them, after normalizing the `org:` prefix, so a key that is empty after the prefix
 * (`""`, `"org:"`) could never match and is refused.
 */
export function isOrgKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= MAX_STRING && !SPACE_OR_CONTROL.test(key) && withOrgPrefix(key) !== 'org:';
}

/**
 * Validates a decoded wire-format value and returns it typed; throws `Error` describing the first problem and where
 * it is (`$.of[1].claim`). Extra keys are refused, so a typo never silently weakens a predicate.
 */
export function validatePredicate(node: unknown): PredicateNode {
  let count = 0;
  const check = (v: unknown, where: string, ok: (x: unknown) => boolean, rule: string): void => {
    if (!ok(v)) throw new Error(`${where} ${rule}, got: ${JSON.stringify(v)}`);
  };
  const visit = (n: unknown, at: string, depth: number): void => {
    if (++count > MAX_NODES || depth > MAX_DEPTH) {
      throw new Error(`must have at most ${MAX_NODES} nodes, nested at most ${MAX_DEPTH} deep (exceeded at ${at})`);
    }
    if (!isPlainObject(n)) throw new Error(`${at} must be an object`);
    const op = own(n, 'op');
    const fields = typeof op === 'string' && Object.hasOwn(FIELDS, op) ? FIELDS[op] : undefined;
    if (fields === undefined) throw new Error(`${at}.op must be one of ${Object.keys(FIELDS).join(', ')}, got: ${JSON.stringify(op)}`);
    for (const key of Object.keys(n)) {
      if (key !== 'op' && !Object.hasOwn(fields, key)) throw new Error(`${at} has an unknown key for ${op}: ${key}`);
    }
    for (const [key, kind] of Object.entries(fields)) {
      const where = `${at}.${key}`;
      if (!Object.hasOwn(n, key)) throw new Error(`${where} is missing`);
      const v = n[key];
      if (kind === 'claim') {
        check(v, where, isClaimPath, CLAIM_RULE);
        continue;
      }
      if (kind === 'value') {
        check(v, where, isPredicateValue, VALUE_RULE);
        continue;
      }
      if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST) {
        throw new Error(`${where} must be an array of 1 to ${MAX_LIST} entries`);
      }
      v.forEach((x, i) => {
        const item = `${where}[${i}]`;
        if (kind === 'of') visit(x, item, depth + 1);
        else if (kind === 'values') check(x, item, isPredicateValue, VALUE_RULE);
        else check(x, item, isOrgKey, ORG_KEY_RULE);
      });
    }
  };
  visit(node, '$', 1);
  return node as PredicateNode;
}

/** The members of each operator besides `op`, and what each holds. */
type Fields = Readonly<Record<string, 'claim' | 'value' | 'values' | 'keys' | 'of'>>;
const CLAIM_VALUE: Fields = { claim: 'claim', value: 'value' };
const COMBINATOR: Fields = { of: 'of' };
const FIELDS: Readonly<Record<string, Fields>> = {
  eq: CLAIM_VALUE,
  in: { claim: 'claim', values: 'values' },
  contains: CLAIM_VALUE,
  exists: { claim: 'claim' },
  orgRole: { roles: 'keys' },
  orgPermission: { permissions: 'keys' },
  allOf: COMBINATOR,
  anyOf: COMBINATOR,
  noneOf: COMBINATOR,
};

/**
 * Parses and validates the wire format (the value of `CLERK_PREDICATE`). Throws `Error` naming the problem; the
 * handler prefixes the variable name.
 */
export function parsePredicate(json: string): PredicateNode {
  if (typeof json !== 'string' || json.length === 0) throw new Error('must be a JSON predicate, got an empty value');
  if (json.length > MAX_WIRE_LENGTH) throw new Error(`must be at most ${MAX_WIRE_LENGTH} characters, got: ${json.length}`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch {
    throw new Error('must be valid JSON');
  }
  return validatePredicate(decoded);
}

/** Renders a node to the wire format. */
export function renderPredicate(node: PredicateNode): string {
  return JSON.stringify(node);
}

// ---------------------------------------------------------------------------------------------------------------
// Clerk organization claims

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

/** Clerk's `prefixWithOrg`: any run of leading `org:` becomes exactly one. */
export function withOrgPrefix(key: string): string {
  return key.replace(/^(org:)*/, 'org:');
}

/** Clerk's `has({ role })`: an active organization whose role equals `role` after `org:` normalization. */
export function hasOrgRole(org: OrganizationClaims, role: string): boolean {
  return org.id !== '' && org.role !== '' && withOrgPrefix(org.role) === withOrgPrefix(role);
}

/** Clerk's `has({ permission })`: an active organization holding `org:`-normalized `permission` exactly. */
export function hasOrgPermission(org: OrganizationClaims, permission: string): boolean {
  return org.id !== '' && org.permissions.includes(withOrgPrefix(permission));
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/**
 * Evaluates a validated predicate against a verified payload. Strict: exact `===` comparison, a missing or
 * wrongly-typed claim fails its leaf, and paths only walk own properties of plain objects (never arrays, never
 * inherited keys). `org` is `decodeOrganization(payload)`, computed once by the caller.
 */
export function evaluatePredicate(node: PredicateNode, payload: Readonly<Record<string, unknown>>, org: OrganizationClaims): boolean {
  switch (node.op) {
    case 'eq': {
      const v = resolveClaim(payload, node.claim);
      return v !== MISSING && v === node.value;
    }
    case 'in': {
      const v = resolveClaim(payload, node.claim);
      return v !== MISSING && node.values.some((x) => x === v);
    }
    case 'contains': {
      const v = resolveClaim(payload, node.claim);
      return Array.isArray(v) && v.some((x) => x === node.value);
    }
    case 'exists': {
      const v = resolveClaim(payload, node.claim);
      return v !== MISSING && v !== null;
    }
    case 'orgRole':
      return node.roles.some((r) => hasOrgRole(org, r));
    case 'orgPermission':
      return node.permissions.every((p) => hasOrgPermission(org, p));
    case 'allOf':
      return node.of.every((c) => evaluatePredicate(c, payload, org));
    case 'anyOf':
      return node.of.some((c) => evaluatePredicate(c, payload, org));
    case 'noneOf':
      return !node.of.some((c) => evaluatePredicate(c, payload, org));
    default:
      // Unreachable for validated nodes; an unknown node never passes.
      return false;
  }
}

const MISSING: unique symbol = Symbol('missing');

/** The value at a dot path, walking only own properties of plain objects; MISSING otherwise. */
function resolveClaim(payload: unknown, claim: string): unknown {
  let cur: unknown = payload;
  for (const segment of claim.split('.')) {
    if (!isPlainObject(cur) || FORBIDDEN_SEGMENTS.has(segment) || !Object.hasOwn(cur, segment)) return MISSING;
    cur = cur[segment];
  }
  return cur;
}

/** A non-null, non-array object (what JSON.parse makes of `{...}`). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property's value, never an inherited one. */
export function own(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
