import { ClerkTokenType } from './clerk-token-type';
import { validationError } from './private/errors';
import {
  CLAIM_RULE,
  isClaimPath,
  isExactNumber,
  isOrgKey,
  isPredicateValue,
  isScopeName,
  isTokenType,
  NUMBER_RULE,
  ORG_KEY_RULE,
  parsePredicate,
  PredicateLimit,
  PredicateNode,
  PredicateValue,
  renderPredicate,
  SCOPE_RULE,
  TOKEN_TYPE_RULE,
  VALUE_RULE,
} from './private/predicate';

/**
 * A condition on the claims of a verified Clerk token, evaluated by the Lambda authorizer after the token's
 * signature and standard claims have been checked.
 *
 * Build one with the static factories and combine them with `allOf`, `anyOf` and `noneOf`. A predicate is
 * declarative: it is rendered to JSON at synth time (`toJson()`) and evaluated by the bundled handler, so it cannot
 * run arbitrary code and is visible in the template.
 *
 * Evaluation is strict. A claim is a dot path through the token payload (`metadata.role`) that only walks own
 * properties of JSON objects: never array indexes, never inherited keys. Comparison is exact, with no case folding
 * and no type coercion (`1` is not `"1"`, `true` is not `"true"`). A missing claim, or one of the wrong type, fails
 * the condition that reads it; note that it therefore satisfies `noneOf` of that condition.
 *
 * Claim values are strings, numbers or booleans; a number must be finite and at most 2^53 - 1 in magnitude (a larger
 * integer has no exact double, so it could equal a claim it differs from).
 *
 * @example
 * ClaimPredicate.anyOf(
 *   ClaimPredicate.role('admin'),
 *   ClaimPredicate.allOf(ClaimPredicate.orgRole('billing'), ClaimPredicate.orgPermission('org:invoices:read')),
 * );
 *
 * @see https://clerk.com/docs/backend-requests/resources/session-tokens
 */
export abstract class ClaimPredicate {
  /**
   * The claim at `claim` equals `value`, with the same type.
   *
   * @param claim a dot path into the token payload, such as `metadata.tier`
   * @param value a string, a finite number or a boolean; compared with `===`
   */
  public static claimEquals(claim: string, value: string | number | boolean): ClaimPredicate {
    checkClaim(claim);
    checkValue(value, 'value');
    return new WirePredicate({ op: 'eq', claim, value });
  }

  /**
   * The claim at `claim` equals one of `values`, with the same type.
   *
   * @param claim a dot path into the token payload, such as `metadata.tier`
   * @param values 1 to 50 strings, finite numbers or booleans
   */
  public static claimIn(claim: string, values: Array<string | number | boolean>): ClaimPredicate {
    checkClaim(claim);
    checkList(values, 'values');
    values.forEach((v) => checkValue(v, 'values'));
    return new WirePredicate({ op: 'in', claim, values: [...values] });
  }

  /**
   * The claim at `claim` is an array that holds an element equal to `value`, with the same type.
   *
   * A string claim is not searched for a substring: `claimContains('roles', 'admin')` fails on `"roles": "admins"`.
   *
   * @param claim a dot path into the token payload, such as `metadata.roles`
   * @param value a string, a finite number or a boolean
   */
  public static claimContains(claim: string, value: string | number | boolean): ClaimPredicate {
    checkClaim(claim);
    checkValue(value, 'value');
    return new WirePredicate({ op: 'contains', claim, value });
  }

  /**
   * The claim at `claim` is present and not `null` (any other value, including `false`, `0` and `""`, counts).
   *
   * @param claim a dot path into the token payload, such as `metadata.onboarded`
   */
  public static claimExists(claim: string): ClaimPredicate {
    checkClaim(claim);
    return new WirePredicate({ op: 'exists', claim });
  }

  /**
   * The user's `metadata.role` claim is one of `roles`.
   *
   * This reads the claim that Clerk's API Gateway guide adds to the session token under "Customize session token":
   * `{"metadata": "{{user.public_metadata}}"}`. Only public metadata belongs there: users cannot change it, but
   * anyone holding the token can read it. Roles are compared exactly, as strings.
   *
   * @param roles 1 to 50 role names
   * @see https://clerk.com/docs/backend-requests/custom-session-token
   */
  public static role(...roles: string[]): ClaimPredicate {
    checkList(roles, 'roles');
    for (const r of roles) {
      if (typeof r !== 'string' || r.length === 0 || r.length > 1024) {
        fail('roles', 'entries must be non-empty strings of at most 1024 characters', r);
      }
    }
    return new WirePredicate({ op: 'in', claim: 'metadata.role', values: [...roles] });
  }

  /**
   * The session's active Clerk organization role is one of `roles`, as Clerk's `has({ role })` decides it.
   *
   * Works for session token v1 (`org_id`, `org_role`) and v2 (`o.id`, `o.rol`). Like `has()`, the `org:` prefix is
   * optional and normalized on both sides (`'admin'` and `'org:admin'` are the same role); otherwise the comparison
   * is exact. A session without an active organization never matches.
   *
   * @param roles 1 to 50 organization role keys, such as `org:admin` or `admin`
   * @see https://clerk.com/docs/organizations/roles-permissions
   */
  public static orgRole(...roles: string[]): ClaimPredicate {
    checkOrgKeys(roles, 'roles');
    return new WirePredicate({ op: 'orgRole', roles: [...roles] });
  }

  /**
   * The session's active Clerk organization grants every one of `permissions`, as Clerk's `has({ permission })`.
   *
   * All listed permissions are required (to accept any one of them, use `anyOf`). Works for session token v1
   * (`org_permissions`) and v2 (`o.per` and `o.fpm` bitmasks per organization feature in `fea`). The `org:` prefix
   * is optional, as in `has()`. Clerk leaves system permissions (`org:sys_*`) out of session tokens, so they never
   * match.
   *
   * @param permissions 1 to 50 permission keys, such as `org:invoices:read`
   * @see https://clerk.com/docs/organizations/roles-permissions
   */
  public static orgPermission(...permissions: string[]): ClaimPredicate {
    checkOrgKeys(permissions, 'permissions');
    return new WirePredicate({ op: 'orgPermission', permissions: [...permissions] });
  }

  /**
   * Any token the authorizer verifies: no condition on its claims.
   *
   * For a method or route that any signed-in user may call when the authorizer's own `predicate` is stricter
   * (`addMethod(..., { predicate: ClaimPredicate.signedIn() })`). The token is still fully verified (signature,
   * issuer, expiry, session status, `authorizedParties`, `audience`).
   */
  public static signedIn(): ClaimPredicate {
    return new WirePredicate({ op: 'signedIn' });
  }

  /**
   * The token is an OAuth access token that grants every one of `scopes`.
   *
   * The granted scopes are the token's `scp` array, else its `scope` claim split on spaces, as Clerk's SDK reads them
   * (`auth().scopes`). Never holds for a session token or an M2M token, whatever their claims (an M2M token's custom
   * claims are chosen by the calling machine). All listed scopes are required (to accept any one of them, use
   * `anyOf`); names are compared exactly.
   *
   * @param scopes 1 to 50 OAuth scope names, such as `mcp:read`
   * @see https://clerk.com/docs/guides/configure/auth-strategies/oauth/how-clerk-implements-oauth#scopes
   */
  public static scope(...scopes: string[]): ClaimPredicate {
    checkList(scopes, 'scopes');
    for (const s of scopes) {
      if (!isScopeName(s)) fail('scopes', `entries ${SCOPE_RULE}`, s);
    }
    return new WirePredicate({ op: 'scope', scopes: [...scopes] });
  }

  /**
   * The token is of one of these kinds: a session token, an OAuth access token or an M2M token.
   *
   * Useful when an authorizer accepts several kinds (`acceptsToken`) and a rule applies to some of them, e.g.
   * `allOf(tokenType(ClerkTokenType.SESSION_TOKEN), role('admin'))`.
   *
   * @param types 1 to 3 distinct token types
   */
  public static tokenType(...types: ClerkTokenType[]): ClaimPredicate {
    if (!Array.isArray(types) || types.length === 0 || types.length > 3 || new Set(types).size !== types.length) {
      fail('types', 'must list 1 to 3 distinct token types', Array.isArray(types) ? types.length : types);
    }
    for (const t of types) {
      if (!isTokenType(t)) fail('types', `entries ${TOKEN_TYPE_RULE}`, t);
    }
    return new WirePredicate({ op: 'tokenType', types: [...types] });
  }

  /**
   * Every one of `predicates` holds.
   *
   * @param predicates 1 to 50 predicates
   */
  public static allOf(...predicates: ClaimPredicate[]): ClaimPredicate {
    return combine('allOf', predicates);
  }

  /**
   * At least one of `predicates` holds.
   *
   * @param predicates 1 to 50 predicates
   */
  public static anyOf(...predicates: ClaimPredicate[]): ClaimPredicate {
    return combine('anyOf', predicates);
  }

  /**
   * None of `predicates` holds.
   *
   * A condition on a missing claim does not hold, so `noneOf(claimEquals('metadata.banned', true))` accepts a token
   * without `metadata.banned`.
   *
   * @param predicates 1 to 50 predicates
   */
  public static noneOf(...predicates: ClaimPredicate[]): ClaimPredicate {
    return combine('noneOf', predicates);
  }

  /**
   * Renders the predicate to the JSON wire format the authorizer function reads from its environment.
   */
  public abstract toJson(): string;
}

/** The only implementation: a validated wire-format node. */
class WirePredicate extends ClaimPredicate {
  constructor(public readonly node: PredicateNode) {
    super();
  }

  public toJson(): string {
    return renderPredicate(this.node);
  }
}

function combine(op: 'allOf' | 'anyOf' | 'noneOf', predicates: ClaimPredicate[]): ClaimPredicate {
  checkList(predicates, 'predicates');
  const of = predicates.map(nodeOf);
  const depth = 1 + Math.max(...of.map(depthOf));
  if (depth > PredicateLimit.MAX_DEPTH) {
    throw validationError(undefined, `\`predicates\` must nest at most ${PredicateLimit.MAX_DEPTH} levels deep, got: ${depth}`);
  }
  return new WirePredicate({ op, of });
}

/** The node of a predicate; one made in another language by subclassing is read back through its validated JSON. */
function nodeOf(p: ClaimPredicate): PredicateNode {
  if (p instanceof WirePredicate) return p.node;
  if (p === null || p === undefined || typeof (p as { toJson?: unknown }).toJson !== 'function') {
    return fail('predicates', 'entries must be ClaimPredicate instances', p);
  }
  try {
    return parsePredicate(p.toJson());
  } catch (e) {
    return fail('predicates', `entries must render valid predicate JSON (${(e as Error).message})`, p.toJson());
  }
}

function depthOf(node: PredicateNode): number {
  return node.op === 'allOf' || node.op === 'anyOf' || node.op === 'noneOf' ? 1 + Math.max(...node.of.map(depthOf)) : 1;
}

function checkClaim(claim: string): void {
  if (!isClaimPath(claim)) fail('claim', CLAIM_RULE, claim);
}

function checkValue(value: unknown, prop: string): asserts value is PredicateValue {
  if (!isPredicateValue(value)) fail(prop, prop === 'values' ? `entries ${VALUE_RULE}` : VALUE_RULE, value);
  if (!isExactNumber(value)) fail(prop, prop === 'values' ? `entries ${NUMBER_RULE}` : NUMBER_RULE, value);
}

function checkList(values: unknown, prop: string): void {
  if (!Array.isArray(values) || values.length === 0 || values.length > PredicateLimit.MAX_LIST) {
    fail(prop, `must list 1 to ${PredicateLimit.MAX_LIST} entries`, Array.isArray(values) ? values.length : values);
  }
}

function checkOrgKeys(keys: string[], prop: string): void {
  checkList(keys, prop);
  for (const key of keys) {
    if (!isOrgKey(key)) fail(prop, `entries ${ORG_KEY_RULE}`, key);
  }
}

/** Throws the house-style synth error: `` `<prop>` <rule>, got: <value> ``. */
function fail(prop: string, rule: string, got: unknown): never {
  throw validationError(undefined, `\`${prop}\` ${rule}, got: ${typeof got === 'number' ? got : JSON.stringify(got)}`);
}
