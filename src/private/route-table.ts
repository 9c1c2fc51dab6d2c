import { PredicateNode, validatePredicate } from './predicate';

/**
 * Per-route rules: the route table the construct renders at synth and the handler reads at cold start, and the
 * pattern logic both sides share.
 *
 * API Gateway caches one authorizer answer per token and API and applies it to every route using the authorizer, so
 * the answer is an IAM policy over the stage's execute-api ARNs (`<METHOD>/<path>` after `.../<api>/<stage>/`) that
 * allows exactly the routes whose rule the token passes. In those patterns `*` matches any run of characters,
 * `/` included, and `?` one character: a route's own pattern (`GET/items/*` for `GET /items/{id}`) also matches the
 * requests of deeper routes (`GET /items/{id}/comments`). The construct therefore groups routes by rule and finds,
 * per group, a few patterns ("covers") that match the group's requests and no request of a route with another rule;
 * where no such pattern exists (a route's own pattern already reaches another rule's route) the overlap is reported
 * at synth.
 *
 * Wire format (JSON, the file `EnvVar.ROUTES_FILE` names):
 * ```
 * { "v": 1,
 *   "rules": [predicate, ...],                  distinct predicates; a group's `r` indexes them, -1 = any verified token
 *   "apis": [                                   one per API with per-route rules, in the order of EnvVar.ROUTE_APIS
 *     { "iam": true,                            HTTP API answered with IAM policies (REST APIs always are)
 *       "d": 0,                                 the construct's rule (for routes outside the table), absent = -1
 *       "groups": [ { "r": 0,                   the rule
 *                     "c": ["GET/items/*"],     covers: patterns after `<api>/<stage>/`
 *                     "x": [1] } ] } ] }        groups to deny when this one is allowed and they are not
 * ```
 */

/** One group of routes that share a rule, as the handler reads it. */
export interface RouteGroup {
  /** Index into `rules`; -1 = any verified token. */
  readonly r: number;
  /** Covers: patterns (after `<api>/<stage>/`) matching every request of the group's routes. */
  readonly c: readonly string[];
  /** Groups whose covers must be denied when this group is allowed and they are not (their routes overlap). */
  readonly x?: readonly number[];
}

/** The table of one API. */
export interface ApiRouteTable {
  /** An HTTP API answered with IAM policies instead of simple responses. */
  readonly iam?: boolean;
  /**
   * The construct's own rule (index into `rules`; absent = any verified token): the rule of routes the table does not
   * know. The whole stage is allowed only when it passes too.
   */
  readonly d?: number;
  readonly groups: readonly RouteGroup[];
}

/** The whole file. */
export interface RouteTable {
  readonly v: 1;
  readonly rules: readonly PredicateNode[];
  readonly apis: readonly ApiRouteTable[];
}

/** The rule index that stands for "any token this authorizer verifies" (`ClaimPredicate.signedIn()`). */
export const SIGNED_IN = -1;

/** Most groups per API, and most covers per group (API Gateway allows 300 routes per API by default). */
export const MAX_GROUPS = 1000;
/** Longest cover pattern (API Gateway's method ARNs are at most 1600 bytes). */
export const MAX_PATTERN = 1600;

/**
 * The pattern of a route after `<api>/<stage>/`: the method (`*` for `ANY`), then the path with every path parameter
 * (`{id}`) and greedy parameter (`{proxy+}`) as `*`. The REST root `/` is `GET/`; an HTTP API's `$default` route
 * (any method, any path) is `*`.
 */
export function routePattern(method: string, path: string): string {
  if (path === '$default') return '*';
  const m = method === 'ANY' ? '*' : method;
  return `${m}${path.replace(/\{[^/{}]*\}/g, '*')}`;
}

/** Whether `text` matches `pattern` as a whole (`*` any run, `/` included; `?` one character). */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 /* ? */ || (c !== 42 /* * */ && c === text.charCodeAt(t)))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 42) {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/**
 * Whether some string matches both patterns: a search over pairs of positions, where `*` may end or consume a
 * character and two literals must agree. Used at synth only.
 */
export function globsIntersect(a: string, b: string): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const stack = [0];
  while (stack.length > 0) {
    const state = stack.pop()!;
    if (seen.has(state)) continue;
    seen.add(state);
    const i = Math.floor(state / width);
    const j = state % width;
    if (i === a.length && j === b.length) return true;
    const ca = a[i];
    const cb = b[j];
    // A star may match nothing more.
    if (ca === '*') stack.push((i + 1) * width + j);
    if (cb === '*') stack.push(i * width + j + 1);
    // Both sides consume one common character.
    if (i < a.length && j < b.length && (ca === '*' || ca === '?' || cb === '*' || cb === '?' || ca === cb)) {
      stack.push((ca === '*' ? i : i + 1) * width + (cb === '*' ? j : j + 1));
    }
  }
  return false;
}

/** One route as the construct knows it: its pattern, its rule, and how to name it in a warning. */
export interface RouteSpec {
  readonly pattern: string;
  readonly rule: number;
  readonly label: string;
}

/** Two routes whose patterns overlap although their rules differ: `denied` can be denied by `deniedBy`'s rule. */
export interface RouteOverlap {
  /** The route a token can be wrongly denied on (its own rule passes). */
  readonly denied: RouteSpec;
  /** The route whose pattern reaches it (its rule fails for that token). */
  readonly deniedBy: RouteSpec;
}

/**
 * The groups of one API and the overlaps to warn about. Routes are grouped by rule; each group gets the most general
 * covers that match no request of a route with another rule (a route's own pattern when nothing more general
 * qualifies), and `x` lists the groups whose covers an allowed group's covers reach.
 */
export function buildApiTable(routes: readonly RouteSpec[]): { groups: RouteGroup[]; overlaps: RouteOverlap[] } {
  const rules = [...new Set(routes.map((r) => r.rule))].sort((x, y) => x - y);
  const covers = new Map<number, string[]>();
  const overlaps: RouteOverlap[] = [];
  for (const rule of rules) {
    const mine = routes.filter((r) => r.rule === rule).sort((x, y) => (x.pattern < y.pattern ? -1 : x.pattern > y.pattern ? 1 : 0));
    const others = routes.filter((r) => r.rule !== rule);
    const list: string[] = [];
    for (const route of mine) {
      // A route's own pattern that reaches another rule's route: a token passing that route's rule and failing this
      // one is denied there (a Deny always wins). Impossible when this rule is "any verified token".
      if (rule !== SIGNED_IN) {
        for (const o of others) if (globsIntersect(route.pattern, o.pattern)) overlaps.push({ denied: o, deniedBy: route });
      }
      if (list.some((c) => coversPattern(c, route.pattern))) continue;
      list.push(generalizations(route.pattern).find((c) => !others.some((o) => globsIntersect(c, o.pattern))) ?? route.pattern);
    }
    covers.set(rule, list.filter((c, i) => !list.some((d, k) => k !== i && d !== c && coversPattern(d, c))));
  }
  const groups: RouteGroup[] = rules.map((rule) => ({ r: rule, c: covers.get(rule)! }));
  return {
    groups: groups.map((g, gi) => {
      const x = groups
        .map((h, hi) => (hi !== gi && g.c.some((c) => routes.some((r) => r.rule === h.r && globsIntersect(c, r.pattern))) ? hi : -1))
        .filter((hi) => hi >= 0);
      return x.length > 0 ? { ...g, x } : g;
    }),
    overlaps,
  };
}

/**
 * The candidate covers of a route's pattern, most general first: every prefix that ends a path segment followed by
 * `*` (`GET/*`, `GET/items/*`, ...), the pattern followed by `*`, then the pattern itself.
 */
function generalizations(pattern: string): string[] {
  const result: string[] = [];
  for (let i = pattern.indexOf('/'); i >= 0 && i < pattern.length - 1; i = pattern.indexOf('/', i + 1)) {
    result.push(`${pattern.slice(0, i + 1)}*`);
  }
  // The route and everything below it (`GET/items*` for GET /items and GET /items/{id}).
  if (!pattern.endsWith('*')) result.push(`${pattern}*`);
  result.push(pattern);
  return result;
}

/** Whether the cover `c` (a generalization: a prefix and `*`, or a pattern) matches everything `pattern` matches. */
function coversPattern(c: string, pattern: string): boolean {
  if (c === pattern) return true;
  return c.endsWith('*') && pattern.startsWith(c.slice(0, -1));
}

/**
 * Validates a decoded route table (the handler at cold start, the construct before writing it) and returns it typed;
 * throws `Error` describing the first problem.
 */
export function validateRouteTable(value: unknown): RouteTable {
  const fail = (where: string, rule: string): never => {
    throw new Error(`${where} ${rule}`);
  };
  const t = value as RouteTable;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) fail('$', 'must be an object');
  if (t.v !== 1) fail('$.v', 'must be 1');
  if (!Array.isArray(t.rules)) fail('$.rules', 'must be an array');
  t.rules.forEach((rule, i) => {
    try {
      validatePredicate(rule);
    } catch (e) {
      fail(`$.rules[${i}]`, (e as Error).message);
    }
  });
  if (!Array.isArray(t.apis) || t.apis.length === 0) fail('$.apis', 'must be a non-empty array');
  t.apis.forEach((api, a) => {
    const at = `$.apis[${a}]`;
    if (typeof api !== 'object' || api === null) fail(at, 'must be an object');
    if (api.iam !== undefined && typeof api.iam !== 'boolean') fail(`${at}.iam`, 'must be a boolean');
    if (api.d !== undefined && (!Number.isInteger(api.d) || api.d < 0 || api.d >= t.rules.length)) {
      fail(`${at}.d`, `must be a rule index below ${t.rules.length}`);
    }
    if (!Array.isArray(api.groups) || api.groups.length === 0 || api.groups.length > MAX_GROUPS) fail(`${at}.groups`, `must be an array of 1 to ${MAX_GROUPS} groups`);
    api.groups.forEach((g, i) => {
      const gat = `${at}.groups[${i}]`;
      if (!Number.isInteger(g.r) || g.r < SIGNED_IN || g.r >= t.rules.length) fail(`${gat}.r`, `must be -1 or a rule index below ${t.rules.length}`);
      if (!Array.isArray(g.c) || g.c.length === 0 || g.c.length > MAX_GROUPS) fail(`${gat}.c`, `must be an array of 1 to ${MAX_GROUPS} patterns`);
      g.c.forEach((c, k) => {
        if (typeof c !== 'string' || c.length === 0 || c.length > MAX_PATTERN) fail(`${gat}.c[${k}]`, `must be a pattern of 1 to ${MAX_PATTERN} characters`);
      });
      if (g.x !== undefined) {
        if (!Array.isArray(g.x)) fail(`${gat}.x`, 'must be an array');
        g.x.forEach((h, k) => {
          if (!Number.isInteger(h) || h < 0 || h >= api.groups.length || h === i) fail(`${gat}.x[${k}]`, 'must be the index of another group');
        });
      }
    });
  });
  return t;
}

/** Parses and validates the route table file's text. */
export function parseRouteTable(json: string): RouteTable {
  let decoded: unknown;
  try {
    decoded = JSON.parse(json);
  } catch {
    throw new Error('must be valid JSON');
  }
  return validateRouteTable(decoded);
}
