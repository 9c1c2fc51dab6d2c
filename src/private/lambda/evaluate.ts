import { TokenKind } from '../contract';
import { isPlainObject } from '../json';
import { FORBIDDEN_SEGMENTS, PredicateNode } from '../predicate';
import { hasOrgPermission, hasOrgRole, OrganizationClaims } from './organization';

/** What the predicate knows about the token besides its claims: its kind, and an OAuth token's granted scopes. */
export interface TokenFacts {
  readonly kind: TokenKind;
  readonly machine?: { readonly scopes?: readonly string[] };
}

const SESSION_TOKEN: TokenFacts = { kind: TokenKind.SESSION };

/**
 * Evaluates a validated predicate against a verified payload. Strict: exact `===` comparison, a missing or
 * wrongly-typed claim fails its leaf, and paths only walk own properties of plain objects (never arrays, never
 * inherited keys). `org` is `decodeOrganization(payload)`, computed once by the caller (no organization for machine
 * tokens). `token` says the kind (`tokenType`) and, for an OAuth access token, its scopes (`scope`, which holds for
 * no other kind: an M2M token's custom claims could otherwise pose as scopes).
 */
export function evaluatePredicate(
  node: PredicateNode,
  payload: Readonly<Record<string, unknown>>,
  org: OrganizationClaims,
  token: TokenFacts = SESSION_TOKEN,
): boolean {
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
    case 'signedIn':
      return true;
    case 'scope': {
      const granted = token.kind === TokenKind.OAUTH ? token.machine?.scopes : undefined;
      return granted !== undefined && node.scopes.every((s) => granted.includes(s));
    }
    case 'tokenType':
      return node.types.includes(token.kind);
    case 'allOf':
      return node.of.every((c) => evaluatePredicate(c, payload, org, token));
    case 'anyOf':
      return node.of.some((c) => evaluatePredicate(c, payload, org, token));
    case 'noneOf':
      return !node.of.some((c) => evaluatePredicate(c, payload, org, token));
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
