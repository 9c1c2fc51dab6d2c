import { readFileSync } from 'node:fs';
import { EnvVar, Limit } from '../contract';
import { ApiRouteTable, globMatch, parseRouteTable, RouteTable, SIGNED_IN } from '../route-table';
import { evaluatePredicate, TokenFacts } from './evaluate';
import type { OrganizationClaims } from './organization';
import type { PolicyResponse } from './respond';

/**
 * Per-route rules, handler side: the route table read at cold start, and the one answer per token that is right for
 * every route of the API (see `../route-table`). A second file of the function's asset (`routes.js`), required only
 * when the function has a route table: without per-route rules a cold start neither parses nor evaluates it.
 */

/**
 * The route tables of the function, by API id. Methods rather than functions to import, so that the handler entry
 * imports this module's types only and the bundler leaves it in its own file.
 */
export interface Routes {
  /** The target of a method or route ARN whose API has a table; undefined otherwise (answered as without routes). */
  target(arn: unknown): RouteTarget | undefined;
  /** The answer for a verified token (see `routeAnswer`). */
  answer(...request: RouteRequest): RouteAnswer;
}

/** A verified token's request: where it goes, the claims the rules read, and the answer's principal and context. */
type RouteRequest = [
  target: RouteTarget,
  payload: Readonly<Record<string, unknown>>,
  org: OrganizationClaims,
  principalId: string,
  ctx: Readonly<Record<string, string>>,
  token?: TokenFacts,
];

/** The tables as read. */
interface Tables {
  readonly rules: RouteTable['rules'];
  readonly byApi: ReadonlyMap<string, ApiRouteTable>;
}

/**
 * Reads the route table file (`EnvVar.ROUTES_FILE`) and the ids of its APIs (`EnvVar.ROUTE_APIS`, comma-separated, in
 * table order); throws an `Error` whose message starts with the bad variable's name.
 */
export function loadRoutes(file: string, apiIds: string): Routes {
  let table: RouteTable;
  try {
    table = parseRouteTable(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${EnvVar.ROUTES_FILE} ${(e as Error).message}: ${JSON.stringify(file)}`);
  }
  const ids = apiIds.split(',');
  if (ids.length !== table.apis.length || !ids.every((id) => /^[A-Za-z0-9]+$/.test(id)) || new Set(ids).size !== ids.length) {
    throw new Error(`${EnvVar.ROUTE_APIS} must list ${table.apis.length} distinct API ids, comma-separated, got: ${JSON.stringify(apiIds.slice(0, 200))}`);
  }
  const tables: Tables = { rules: table.rules, byApi: new Map(ids.map((id, i) => [id, table.apis[i]])) };
  return {
    target: (arn) => routeTarget(tables, arn),
    answer: (...request) => routeAnswer(tables, ...request),
  };
}

/** Where a request goes: its API's table, the stage prefix of its ARN and the rest (`GET/items/42`). */
export interface RouteTarget {
  readonly api: ApiRouteTable;
  /** `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/` */
  readonly prefix: string;
  readonly suffix: string;
}

/** `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<rest>` */
const ARN = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:([A-Za-z0-9]+)\/[A-Za-z0-9_$-]+\/)(.*)$/s;

/** The target of a method or route ARN whose API has a table; undefined otherwise (answered as without routes). */
export function routeTarget(routes: Tables, arn: unknown): RouteTarget | undefined {
  if (typeof arn !== 'string' || arn.length > 1600) return undefined;
  const match = ARN.exec(arn);
  const api = match === null ? undefined : routes.byApi.get(match[2]);
  return api === undefined ? undefined : { api, prefix: match![1], suffix: match![3] };
}

type Statement = { readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string | readonly string[] };

/**
 * The statements for one stage and one combination of rule outcomes, with what they need to decide a request: the
 * whole stage allowed or denied, or patterns.
 */
type Policy = WholeStagePolicy | PatternPolicy;

interface WholeStagePolicy {
  readonly statements: readonly Statement[];
  readonly whole: 'Allow' | 'Deny';
}

interface PatternPolicy {
  readonly statements: readonly Statement[];
  readonly whole?: undefined;
  /** Whether a request (the ARN after the prefix) is allowed: no denied pattern and an allowed one match it. */
  readonly allows: (suffix: string) => boolean;
  /** Bytes of the statements as JSON. */
  readonly bytes: number;
}

/**
 * Policies already built, per API table, by stage prefix and rule outcomes: tokens of the same kind get the same
 * statements, so a warm function builds each policy once. Bounded (cleared when full): the keys come from API
 * Gateway's ARNs and the rule outcomes, a few per stage in practice.
 */
const POLICIES = new WeakMap<ApiRouteTable, Map<string, Policy>>();
const MAX_POLICIES = 256;

/** What the token gets for one request: whether this request is allowed, and the answer for every route. */
export interface RouteAnswer {
  readonly allowed: boolean;
  readonly answer: PolicyResponse;
}

/**
 * The answer for a verified token: each group's rule is evaluated once; when every rule passes the answer is the
 * whole stage, when none does a Deny of the whole stage (exactly the answers without per-route rules). Otherwise one
 * Allow statement lists the covers of the groups whose rule passes and one Deny statement the covers of failing groups
 * an allowed cover reaches (a Deny always wins). Context only when something is allowed.
 *
 * An answer above API Gateway's authorizer result quota (8 KB) is replaced by one for this request alone (its exact
 * ARN, or a Deny of the stage): cached, it denies the token's other routes until it expires, never allows one (the
 * construct warns at synth when a table can come to this).
 */
export function routeAnswer(routes: Tables, ...[target, payload, org, principalId, ctx, token]: RouteRequest): RouteAnswer {
  // One character per group, then one for the construct's own rule (the rule of any route the table does not know).
  let mask = '';
  const d = target.api.d;
  let defaultBit = d === undefined ? '1' : '';
  for (const g of target.api.groups) {
    const bit = g.r === SIGNED_IN || evaluatePredicate(routes.rules[g.r], payload, org, token) ? '1' : '0';
    mask += bit;
    if (g.r === d) defaultBit = bit;
  }
  mask += defaultBit === '' ? (evaluatePredicate(routes.rules[d!], payload, org, token) ? '1' : '0') : defaultBit;
  let cache = POLICIES.get(target.api);
  if (cache === undefined) POLICIES.set(target.api, (cache = new Map()));
  const key = `${target.prefix}\u0000${mask}`;
  let policy = cache.get(key);
  if (policy === undefined) {
    policy = buildPolicy(target, mask);
    if (cache.size >= MAX_POLICIES) cache.clear();
    cache.set(key, policy);
  }
  if (policy.whole !== undefined) {
    const whole = policy.whole === 'Allow';
    return { allowed: whole, answer: answerOf(principalId, policy.statements, whole ? ctx : undefined) };
  }
  const suffix = target.suffix;
  const allowed = policy.allows(suffix);
  const answer = answerOf(principalId, policy.statements, ctx);
  // A cheap upper bound first; the exact size only near the limit.
  const limit = Limit.MAX_AUTHORIZER_RESULT_BYTES;
  if (policy.bytes + contextBytes(ctx) + principalId.length * 6 + 128 <= limit || Buffer.byteLength(JSON.stringify(answer)) <= limit) {
    return { allowed, answer };
  }
  // `*` or `?` in the request's own ARN would be wildcards in a policy: never allow by such a resource.
  return {
    allowed,
    answer: allowed && !/[*?]/.test(suffix)
      ? answerOf(principalId, [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: target.prefix + suffix }], ctx)
      : answerOf(principalId, [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${target.prefix}*` }]),
  };
}

function buildPolicy(target: RouteTarget, mask: string): Policy {
  const groups = target.api.groups;
  const whole = `${target.prefix}*`;
  // The whole stage only when every rule passes, the construct's own included; a Deny of it when no route's does.
  const wholeEffect = !mask.includes('0') ? 'Allow' : !mask.slice(0, groups.length).includes('1') ? 'Deny' : undefined;
  if (wholeEffect !== undefined) {
    return { statements: [{ Action: 'execute-api:Invoke', Effect: wholeEffect, Resource: whole }], whole: wholeEffect };
  }
  const allow: string[] = [];
  const denied = new Set<number>();
  groups.forEach((g, i) => {
    if (mask[i] !== '1') return;
    allow.push(...g.c);
    if (g.x !== undefined) for (const h of g.x) if (mask[h] === '0') denied.add(h);
  });
  const deny: string[] = [];
  for (const h of [...denied].sort((a, b) => a - b)) deny.push(...groups[h].c);
  const statements: Statement[] = [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow.map((p) => target.prefix + p) }];
  if (deny.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny.map((p) => target.prefix + p) });
  return {
    statements,
    // globMatch, not one big regular expression: its cost stays linear-ish whatever path a client sends.
    allows: (suffix) => allow.some((p) => globMatch(p, suffix)) && !deny.some((p) => globMatch(p, suffix)),
    bytes: Buffer.byteLength(JSON.stringify(statements)),
  };
}

/**
 * An upper bound of the context's JSON size: JSON writes a UTF-16 code unit in 6 bytes at most (a control character
 * as `\u0001`); the keys are the handler's own.
 */
function contextBytes(ctx: Readonly<Record<string, string>>): number {
  let n = 16;
  for (const k in ctx) n += k.length + ctx[k].length * 6 + 6;
  return n;
}

function answerOf(principalId: string, statements: readonly Statement[], ctx?: Readonly<Record<string, string>>): PolicyResponse {
  const policyDocument = { Version: '2012-10-17' as const, Statement: statements };
  return (ctx === undefined ? { principalId, policyDocument } : { principalId, policyDocument, context: ctx }) as PolicyResponse;
}
