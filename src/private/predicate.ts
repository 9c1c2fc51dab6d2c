/**
 * The claim predicate wire format: its node types, limits and validation.
 *
 * Shared by the jsii-compiled `ClaimPredicate` (which renders the wire format at synth time) and the bundled handler
 * (which validates `CLERK_PREDICATE` at cold start). Evaluation and Clerk's organization claims are handler-only
 * (`./lambda/evaluate`, `./lambda/organization`). Pure TypeScript: no jose, no Node built-ins, nothing
 * Lambda-specific, so it compiles under jsii and bundles small.
 *
 * Wire format (JSON, one node; `claim` is a dot path such as `metadata.role`):
 * ```
 * {"op":"eq","claim":P,"value":V}          claim === V (no coercion)
 * {"op":"in","claim":P,"values":[V,...]}   claim === one of the values
 * {"op":"contains","claim":P,"value":V}    claim is an array holding an element === V
 * {"op":"exists","claim":P}                claim is present and not null
 * {"op":"orgRole","roles":[R,...]}         Clerk has({ role: R }) for one of the roles
 * {"op":"orgPermission","permissions":[..]} Clerk has({ permission: p }) for every permission
 * {"op":"signedIn"}                        always true: any token the authorizer verified
 * {"op":"scope","scopes":[S,...]}         an OAuth access token granting every scope S
 * {"op":"tokenType","types":[T,...]}       the token is of one of these kinds (session_token, oauth_token, m2m_token)
 * {"op":"allOf"|"anyOf"|"noneOf","of":[node,...]}
 * ```
 * V is a string, a finite number or a boolean.
 */

import { TOKEN_KINDS } from './contract';
import { isPlainObject, own } from './json';

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
  | { readonly op: 'signedIn' }
  | { readonly op: 'scope'; readonly scopes: readonly string[] }
  | { readonly op: 'tokenType'; readonly types: readonly string[] }
  | { readonly op: 'allOf' | 'anyOf' | 'noneOf'; readonly of: readonly PredicateNode[] };

/**
 * The wire format's limits, checked on both sides. An enum so that esbuild inlines them into the handler (it does not
 * inline exported constants of a module that imports others).
 */
export enum PredicateLimit {
  /** Most values in one list (`claimIn`, roles, permissions, combinator operands). */
  MAX_LIST = 50,
  /** Deepest nesting of combinators, so evaluation cost stays trivially bounded. */
  MAX_DEPTH = 8,
  /** Most nodes in one predicate. */
  MAX_NODES = 200,
  /** Most segments in a claim path. */
  MAX_PATH_SEGMENTS = 10,
  /** Longest string value or path segment. */
  MAX_STRING = 1024,
  /**
   * Longest wire format accepted. Lambda allows 4 KB for all environment variables together; the construct checks the
   * total, the handler refuses anything larger than this outright.
   */
  MAX_WIRE_LENGTH = 4096,
}

/** Path segments that name JavaScript prototype machinery: never a claim, refused everywhere. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whitespace and control characters: in a claim name or an organization key, almost certainly a typo. */
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

/** What a claim path must be (the rule in error messages). */
export const CLAIM_RULE =
  'must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, none of them __proto__, constructor or prototype';

/** Whether `claim` is an acceptable claim path (see `CLAIM_RULE`). */
export function isClaimPath(claim: unknown): claim is string {
  if (typeof claim !== 'string' || claim.length > PredicateLimit.MAX_STRING) return false;
  const segments = claim.split('.');
  // Whitespace and control characters in a claim name are almost certainly a typo ("metadata .role").
  return segments.length <= PredicateLimit.MAX_PATH_SEGMENTS && segments.every((s) => s !== '' && !FORBIDDEN_SEGMENTS.has(s) && !SPACE_OR_CONTROL.test(s));
}

/** What a comparison value must be. */
export const VALUE_RULE = 'must be a string of at most 1024 characters, a finite number or a boolean';

/** Whether `value` is an acceptable comparison value (see `VALUE_RULE`). */
export function isPredicateValue(value: unknown): value is PredicateValue {
  return (typeof value === 'string' && value.length <= PredicateLimit.MAX_STRING) || Number.isFinite(value) || typeof value === 'boolean';
}

/**
 * What a comparison number must be besides finite: an integer beyond 2^53 has no exact double, so JSON parsers round
 * it (`9007199254740993` reads as `9007199254740992`) and two different claim values would compare equal.
 */
export const NUMBER_RULE = 'must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly)';

/** Whether `value`, if a number, is within the safe-integer range (see `NUMBER_RULE`); any other value passes. */
export function isExactNumber(value: unknown): boolean {
  return typeof value !== 'number' || Math.abs(value) <= Number.MAX_SAFE_INTEGER;
}

/** What a Clerk organization role or permission key must be. */
export const ORG_KEY_RULE = 'must be a key such as org:admin, without whitespace, not empty after the optional org: prefix';

/**
 * Whether `key` is an acceptable Clerk organization role or permission key (see `ORG_KEY_RULE`). Keys are compared
 * the way Clerk's `has()` compares them, after normalizing the `org:` prefix, so a key that is empty after the prefix
 * (`""`, `"org:"`) could never match and is refused.
 */
export function isOrgKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= PredicateLimit.MAX_STRING && !SPACE_OR_CONTROL.test(key) && withOrgPrefix(key) !== 'org:';
}

/** What an OAuth scope name must be: RFC 6749's scope-token characters. */
export const SCOPE_RULE = 'must be OAuth scope names (printable ASCII without spaces, quotes or backslashes)';

/** Whether `scope` is an acceptable OAuth scope name (RFC 6749 3.3 `scope-token`, at most 1024 characters). */
export function isScopeName(scope: unknown): scope is string {
  return typeof scope === 'string' && scope.length <= PredicateLimit.MAX_STRING && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope);
}

/** What a token type must be. */
export const TOKEN_TYPE_RULE = `must be one of ${TOKEN_KINDS.join(', ')}`;

/** Whether `type` names a kind of token (`session_token`, `oauth_token`, `m2m_token`). */
export function isTokenType(type: unknown): type is string {
  return (TOKEN_KINDS as readonly unknown[]).includes(type);
}

/**
 * Validates a decoded wire-format value and returns it typed; throws `Error` describing the first problem and where
 * it is (`$.of[1].claim`). Extra keys are refused, so a typo never silently weakens a predicate.
 */
export function validatePredicate(node: unknown): PredicateNode {
  let count = 0;
  const check = (v: unknown, where: string, ok: (x: unknown) => boolean, rule: string): void => {
    if (!ok(v)) throw showingValue(`${where} ${rule}, got: ${JSON.stringify(v)}`);
  };
  const visit = (n: unknown, at: string, depth: number): void => {
    if (++count > PredicateLimit.MAX_NODES || depth > PredicateLimit.MAX_DEPTH) {
      throw new Error(`must have at most ${PredicateLimit.MAX_NODES} nodes, nested at most ${PredicateLimit.MAX_DEPTH} deep (exceeded at ${at})`);
    }
    if (!isPlainObject(n)) throw new Error(`${at} must be an object`);
    const op = own(n, 'op');
    const fields = typeof op === 'string' && Object.hasOwn(FIELDS, op) ? FIELDS[op] : undefined;
    check(op, `${at}.op`, () => fields !== undefined, `must be one of ${Object.keys(FIELDS).join(', ')}`);
    for (const key of Object.keys(n)) {
      if (key !== 'op' && !Object.hasOwn(fields!, key)) throw new Error(`${at} has an unknown key for ${op}: ${key}`);
    }
    for (const [key, kind] of Object.entries(fields!)) {
      const where = `${at}.${key}`;
      if (!Object.hasOwn(n, key)) throw new Error(`${where} is missing`);
      const v = n[key];
      if (kind === 'claim') {
        check(v, where, isClaimPath, CLAIM_RULE);
        continue;
      }
      if (kind === 'value') {
        check(v, where, isPredicateValue, VALUE_RULE);
        check(v, where, isExactNumber, NUMBER_RULE);
        continue;
      }
      if (!Array.isArray(v) || v.length === 0 || v.length > PredicateLimit.MAX_LIST) {
        throw new Error(`${where} must be an array of 1 to ${PredicateLimit.MAX_LIST} entries`);
      }
      v.forEach((x, i) => {
        const item = `${where}[${i}]`;
        if (kind === 'of') {
          visit(x, item, depth + 1);
        } else if (kind === 'values') {
          check(x, item, isPredicateValue, VALUE_RULE);
          check(x, item, isExactNumber, NUMBER_RULE);
        } else if (kind === 'scopes') {
          check(x, item, isScopeName, SCOPE_RULE);
        } else if (kind === 'types') {
          check(x, item, isTokenType, TOKEN_TYPE_RULE);
        } else {
          check(x, item, isOrgKey, ORG_KEY_RULE);
        }
      });
    }
  };
  visit(node, '$', 1);
  return node as PredicateNode;
}

/** The members of each operator besides `op`, and what each holds. */
type Fields = Readonly<Record<string, 'claim' | 'value' | 'values' | 'keys' | 'scopes' | 'types' | 'of'>>;
const CLAIM_VALUE: Fields = { claim: 'claim', value: 'value' };
const COMBINATOR: Fields = { of: 'of' };
const FIELDS: Readonly<Record<string, Fields>> = {
  eq: CLAIM_VALUE,
  in: { claim: 'claim', values: 'values' },
  contains: CLAIM_VALUE,
  exists: { claim: 'claim' },
  orgRole: { roles: 'keys' },
  orgPermission: { permissions: 'keys' },
  signedIn: {},
  scope: { scopes: 'scopes' },
  tokenType: { types: 'types' },
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
  if (json.length > PredicateLimit.MAX_WIRE_LENGTH) {
    throw showingValue(`must be at most ${PredicateLimit.MAX_WIRE_LENGTH} characters, got: ${json.length}`);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch {
    throw new Error('must be valid JSON');
  }
  return validatePredicate(decoded);
}

/**
 * The error of a problem whose message already shows the offending value (`..., got: <value>`): marked, so that the
 * construct, which adds the rendered predicate to the other problems, can tell without reading the message.
 */
function showingValue(message: string): Error {
  return Object.assign(new Error(message), { showsValue: true });
}

/** Whether a problem thrown by `parsePredicate` or `validatePredicate` already shows the offending value. */
export function showsValue(error: unknown): boolean {
  return (error as { showsValue?: unknown } | undefined)?.showsValue === true;
}

/** Renders a node to the wire format. */
export function renderPredicate(node: PredicateNode): string {
  return JSON.stringify(node);
}

/** Clerk's `prefixWithOrg`: any run of leading `org:` becomes exactly one. */
export function withOrgPrefix(key: string): string {
  return key.replace(/^(org:)*/, 'org:');
}
