/**
 * Per-route rules in the handler: one answer per token that is right for every route of the API.
 *
 * The property test builds random route sets (methods, nested paths, path parameters, greedy paths) with random
 * rules, the table the construct would render for them (`buildApiTable`, the construct's own code), loads the shipped
 * bundle with that table, and for random tokens checks every route's concrete request against the answer with an
 * independent IAM policy evaluator (`test/util/iam-policy.ts`): the answer applied to the request equals the rule of
 * the route API Gateway would pick for it, or is a deny on a route the synth warned about; never a false allow.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { bearer, fixTime, Handler, invoke, loadHandler } from './util/handler';
import { answerBytes, evaluatePolicy } from './util/iam-policy';
import { clerkV2Payload, sessionHeader, signJwt, TEST_ISSUER, testKeys } from './util/tokens';
import { evaluatePredicate } from '../src/private/lambda/evaluate';
import { decodeOrganization } from '../src/private/lambda/organization';
import { PredicateNode } from '../src/private/predicate';
import { buildApiTable, RouteGroup, routePattern, RouteSpec, SIGNED_IN } from '../src/private/route-table';

const API = 'abcdef1234';
const OTHER_API = 'zzzzzz9999';
const PREFIX = `arn:aws:execute-api:us-east-1:123456789012:${API}`;

/** The rules routes draw from: index into RULES, or SIGNED_IN. */
const RULES: PredicateNode[] = [
  { op: 'eq', claim: 'metadata.a', value: 1 },
  { op: 'eq', claim: 'metadata.b', value: true },
  { op: 'orgRole', roles: ['org:admin'] },
  { op: 'anyOf', of: [{ op: 'eq', claim: 'metadata.a', value: 1 }, { op: 'orgRole', roles: ['org:admin'] }] },
];

interface TestRoute {
  readonly method: string;
  readonly segments: readonly string[];
  readonly rule: number;
}

const pathOf = (r: TestRoute): string => `/${r.segments.join('/')}`;
const labelOf = (r: TestRoute): string => `${r.method} ${pathOf(r)}`;

/** Writes a route table file for one API and returns the handler's environment. */
function routesEnv(
  apis: Array<{ groups: RouteGroup[]; iam?: boolean; d?: number }>,
  ids: string[],
  extra: Record<string, string> = {},
): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerk-routes-test-'));
  const file = path.join(dir, 'clerk-routes.json');
  fs.writeFileSync(file, JSON.stringify({ v: 1, rules: RULES, apis }));
  return {
    CLERK_ISSUER: TEST_ISSUER,
    CLERK_PUBLIC_KEY_PEM: testKeys().publicKeyPem,
    CLERK_ROUTES_FILE: file,
    CLERK_ROUTE_APIS: ids.join(','),
    ...extra,
  };
}

/**
 * The route API Gateway picks for a concrete request: among routes whose method is the request's (or ANY) and whose
 * path matches, the most specific one (per segment: a literal before `{p}` before `{p+}`; then an exact method before
 * ANY).
 */
function resolve(routes: readonly TestRoute[], method: string, segments: readonly string[]): TestRoute | undefined {
  const rank = (r: TestRoute): number[] | undefined => {
    if (r.method !== method && r.method !== 'ANY') return undefined;
    const ranks: number[] = [];
    for (let i = 0; i < r.segments.length; i++) {
      const s = r.segments[i];
      if (s.endsWith('+}')) return i < segments.length ? [...ranks, 2, r.method === 'ANY' ? 1 : 0] : undefined;
      if (i >= segments.length) return undefined;
      if (s.startsWith('{')) ranks.push(1);
      else if (s === segments[i]) ranks.push(0);
      else return undefined;
    }
    return r.segments.length === segments.length ? [...ranks, 3, r.method === 'ANY' ? 1 : 0] : undefined;
  };
  const compare = (x: number[], y: number[]): number => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  let best: TestRoute | undefined;
  let bestRank: number[] | undefined;
  for (const r of routes) {
    const k = rank(r);
    if (k !== undefined && (bestRank === undefined || compare(k, bestRank) < 0)) {
      best = r;
      bestRank = k;
    }
  }
  return best;
}

const segmentArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c') },
  { weight: 2, arbitrary: fc.constant('{p}') },
);
const routeArb = (methods: string[]): fc.Arbitrary<TestRoute> =>
  fc.record({
    method: fc.constantFrom(...methods),
    segments: fc.tuple(fc.array(segmentArb, { minLength: 0, maxLength: 3 }), fc.boolean()).map(([s, greedy]) => (greedy ? [...s, '{proxy+}'] : s)),
    rule: fc.integer({ min: SIGNED_IN, max: RULES.length - 1 }),
  });
const routesArb = (methods: string[]): fc.Arbitrary<TestRoute[]> =>
  fc.uniqueArray(routeArb(methods), { minLength: 1, maxLength: 12, selector: (r) => labelOf(r) });

/** A concrete request for a route: parameter values never equal a literal segment (`v1`), greedy ones span segments. */
const requestArb = (route: TestRoute): fc.Arbitrary<{ method: string; segments: string[] }> =>
  fc.record({
    method: route.method === 'ANY' ? fc.constantFrom('GET', 'POST', 'DELETE', 'PUT') : fc.constant(route.method),
    segments: fc.tuple(...route.segments.map((s) =>
      s === '{proxy+}' ? fc.constantFrom(['v1'], ['v1', 'v2'], ['v1', 'a']) : s.startsWith('{') ? fc.constantFrom(['v1'], ['v2']) : fc.constant([s]),
    )).map((parts) => parts.flat()),
  });

const claimsArb = fc.record({
  a: fc.constantFrom(1, 2, undefined),
  b: fc.constantFrom(true, undefined),
  org: fc.constantFrom('admin', 'member', undefined),
});
type Claims = { a?: number; b?: boolean; org?: string };

function payloadFor(c: Claims): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (c.a !== undefined) metadata.a = c.a;
  if (c.b !== undefined) metadata.b = c.b;
  return clerkV2Payload({ metadata, o: c.org === undefined ? undefined : { id: 'org_1', slg: 'acme', rol: c.org, per: '', fpm: '' } });
}

function ruleHolds(rule: number, payload: Record<string, unknown>): boolean {
  return rule === SIGNED_IN || evaluatePredicate(RULES[rule], payload, decodeOrganization(payload)!);
}

function restEvent(token: string, arn: string): Record<string, unknown> {
  return { type: 'TOKEN', authorizationToken: bearer(token), methodArn: arn };
}

function http2Event(token: string, arn: string): Record<string, unknown> {
  return { version: '2.0', type: 'REQUEST', routeArn: arn, identitySource: [bearer(token)], headers: { authorization: bearer(token) }, requestContext: {} };
}

beforeEach(() => {
  fixTime();
});
afterEach(() => jest.restoreAllMocks());

describe.each([
  ['REST', ['GET', 'POST', 'DELETE', 'ANY'], 'prod', false],
  ['HTTP', ['GET', 'POST', 'DELETE', 'ANY'], '$default', true],
])('%s: the answer is right for every route (property)', (_kind, methods, stage, iam) => {
  test('equals each route\'s rule on the token, or is a deny on a route the synth warned about; never a false allow', async () => {
    await fc.assert(
      fc.asyncProperty(
        routesEnvArb(methods),
        fc.array(claimsArb, { minLength: 1, maxLength: 3 }),
        async ({ routes, requests }, tokens) => {
          const specs: RouteSpec[] = routes.map((r) => ({ pattern: routePattern(r.method, pathOf(r)), rule: r.rule, label: labelOf(r) }));
          const { groups, overlaps } = buildApiTable(specs);
          const warned = new Set(overlaps.map((o) => o.denied.label));
          const handler = loadHandler(routesEnv([{ groups, ...(iam ? { iam: true } : {}) }], [API]));
          for (const claims of tokens) {
            const payload = payloadFor(claims);
            const token = signJwt(sessionHeader(), payload, testKeys().privateKey);
            for (const request of requests) {
              const target = resolve(routes, request.method, request.segments);
              if (target === undefined) continue; // API Gateway answers 404/403 itself; the authorizer never runs
              const arn = `${PREFIX}/${stage}/${request.method}/${request.segments.join('/')}`;
              const out = await invoke(handler, iam ? http2Event(token, arn) : restEvent(token, arn));
              const answer = out.result as { policyDocument: unknown };
              const verdict = evaluatePolicy(answer.policyDocument, arn);
              const expected = ruleHolds(target.rule, payload) ? 'allow' : 'deny';
              const context = `${labelOf(target)} for ${arn}, token ${JSON.stringify(claims)}, routes ${JSON.stringify(routes.map(labelOf))}`;
              if (expected === 'deny') expect({ verdict, context }).toEqual({ verdict: 'deny', context });
              else if (!warned.has(labelOf(target))) expect({ verdict, context }).toEqual({ verdict: 'allow', context });
              // The decision record tells what happened to this request.
              expect(out.logs.at(-1)?.decision ?? 'allow').toBe(verdict === 'allow' ? 'allow' : 'deny');
            }
          }
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 60) },
    );
  });
});

/** A route set and, for each route, a few concrete requests. */
function routesEnvArb(methods: string[]): fc.Arbitrary<{ routes: TestRoute[]; requests: Array<{ method: string; segments: string[] }> }> {
  return routesArb(methods).chain((routes) =>
    fc.tuple(...routes.map((r) => fc.array(requestArb(r), { minLength: 1, maxLength: 2 }))).map((lists) => ({ routes, requests: lists.flat() })),
  );
}

describe('answers', () => {
  const groups = buildApiTable([
    { pattern: 'GET/invoices', rule: 0, label: 'GET /invoices' },
    { pattern: 'DELETE/invoices', rule: 2, label: 'DELETE /invoices' },
    { pattern: 'GET/me', rule: SIGNED_IN, label: 'GET /me' },
  ]).groups;
  let handler: Handler;
  beforeEach(() => {
    handler = loadHandler(routesEnv([{ groups }, { groups, iam: true }], [API, 'http123456']));
  });
  const token = (claims: Claims): string => signJwt(sessionHeader(), payloadFor(claims), testKeys().privateKey);

  test('every rule passes: the whole stage, exactly the answer without per-route rules', async () => {
    const out = await invoke(handler, restEvent(token({ a: 1, org: 'admin' }), `${PREFIX}/prod/GET/me`));
    expect(out.status).toBe(200);
    expect(out.result).toMatchObject({
      principalId: 'user_123',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${PREFIX}/prod/*` }] },
    });
  });

  test('mixed: one Allow listing the passing routes; 200 on one route and 403 on another from one answer', async () => {
    const t = token({ a: 1 });
    const out = await invoke(handler, restEvent(t, `${PREFIX}/prod/GET/invoices`));
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/prod/GET/me*`, `${PREFIX}/prod/GET/invoices*`] }],
      },
      context: expect.objectContaining({ userId: 'user_123' }),
    });
    const policy = (out.result as { policyDocument: unknown }).policyDocument;
    expect(evaluatePolicy(policy, `${PREFIX}/prod/GET/invoices`)).toBe('allow');
    expect(evaluatePolicy(policy, `${PREFIX}/prod/DELETE/invoices`)).toBe('deny');
    expect(out.logs).toEqual([]);
    const denied = await invoke(handler, restEvent(t, `${PREFIX}/prod/DELETE/invoices`));
    expect(denied.result).toEqual(out.result);
    expect(denied.logs).toEqual([{ decision: 'deny', reason: 'predicate_failed', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' }]);
  });

  test('with CLERK_LOG_ALLOWED, a request its route allows is logged as allow / ok', async () => {
    const h = loadHandler(routesEnv([{ groups }], [API], { CLERK_LOG_ALLOWED: 'true' }));
    const out = await invoke(h, restEvent(token({ a: 1 }), `${PREFIX}/prod/GET/invoices`));
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' }]);
  });

  test('the whole stage only when the construct\'s own rule passes too (it governs routes the table does not know)', async () => {
    // Every route has a rule of its own that the token passes; the construct's rule (RULES[2], org admin) fails.
    const own = buildApiTable([{ pattern: 'GET/me', rule: SIGNED_IN, label: 'GET /me' }, { pattern: 'GET/invoices', rule: 0, label: 'GET /invoices' }]).groups;
    const h = loadHandler(routesEnv([{ groups: own, d: 2 }], [API]));
    const out = await invoke(h, restEvent(token({ a: 1 }), `${PREFIX}/prod/GET/me`));
    const policy = (out.result as { policyDocument: { Statement: Array<{ Resource: unknown }> } }).policyDocument;
    expect(policy.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/prod/GET/me*`, `${PREFIX}/prod/GET/invoices*`] }]);
    expect(evaluatePolicy(policy, `${PREFIX}/prod/GET/elsewhere`)).toBe('deny');
    // With the construct's rule passing as well: the whole stage.
    const all = await invoke(h, restEvent(token({ a: 1, org: 'admin' }), `${PREFIX}/prod/GET/me`));
    expect((all.result as { policyDocument: unknown }).policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${PREFIX}/prod/*` }],
    });
  });

  test('an API without a table is answered as without per-route rules', async () => {
    const out = await invoke(handler, restEvent(token({}), `arn:aws:execute-api:us-east-1:123456789012:${OTHER_API}/prod/DELETE/invoices`));
    expect(out.status).toBe(200);
    const http = await invoke(handler, http2Event(token({}), `arn:aws:execute-api:us-east-1:123456789012:${OTHER_API}/$default/GET/x`));
    expect(http.result).toMatchObject({ isAuthorized: true });
  });

  test('HTTP API with a table: IAM answers, and a refused token gets a Deny policy for the stage', async () => {
    const arn = 'arn:aws:execute-api:us-east-1:123456789012:http123456/$default/DELETE/invoices';
    const out = await invoke(handler, http2Event(token({ a: 1 }), arn));
    expect(evaluatePolicy((out.result as { policyDocument: unknown }).policyDocument, arn)).toBe('deny');
    const refused = await invoke(handler, http2Event('not-a-token', arn));
    expect(refused.result).toEqual({
      principalId: 'unauthorized',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: 'arn:aws:execute-api:us-east-1:123456789012:http123456/$default/*' }] },
    });
  });

  test('the construct\'s own rule shared with a route is the same outcome for both', async () => {
    // GET /invoices has the construct's own rule (RULES[0]): one outcome decides that route and every unknown route.
    const shared = buildApiTable([{ pattern: 'GET/me', rule: SIGNED_IN, label: 'GET /me' }, { pattern: 'GET/invoices', rule: 0, label: 'GET /invoices' }]).groups;
    const h = loadHandler(routesEnv([{ groups: shared, d: 0 }], [API]));
    const passing = await invoke(h, restEvent(token({ a: 1 }), `${PREFIX}/prod/GET/me`));
    expect((passing.result as { policyDocument: unknown }).policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${PREFIX}/prod/*` }],
    });
    const failing = await invoke(h, restEvent(token({}), `${PREFIX}/prod/GET/me`));
    const policy = (failing.result as { policyDocument: unknown }).policyDocument;
    expect(policy).toEqual({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/prod/GET/me*`] }] });
    expect(evaluatePolicy(policy, `${PREFIX}/prod/GET/invoices`)).toBe('deny');
    expect(evaluatePolicy(policy, `${PREFIX}/prod/GET/elsewhere`)).toBe('deny');
  });

  test.each<[string, unknown]>([
    ['no routeArn', undefined],
    ['a routeArn that is not a string', { arn: 'arn:aws:execute-api:us-east-1:123456789012:http123456/$default/GET/me' }],
    ['a routeArn that is not an execute-api ARN', 'arn:aws:lambda:us-east-1:123456789012:function:http123456'],
    ['a routeArn over 1600 characters', `arn:aws:execute-api:us-east-1:123456789012:http123456/$default/GET/${'a'.repeat(1600)}`],
    ['a routeArn with something before `arn:`', 'xarn:aws:execute-api:us-east-1:123456789012:http123456/$default/GET/me'],
  ])('HTTP API event with %s: no table applies, answered as without per-route rules', async (_name, routeArn) => {
    const out = await invoke(handler, { ...http2Event(token({}), ''), routeArn });
    expect(out.result).toEqual({ isAuthorized: true, context: expect.objectContaining({ userId: 'user_123' }) });
  });

  const HTTP_STAGE = 'arn:aws:execute-api:us-east-1:123456789012:http123456/$default/';
  /** The longest route ARN API Gateway sends: 1600 characters. */
  const LONGEST_ARN = `${HTTP_STAGE}GET/${'a'.repeat(1600 - HTTP_STAGE.length - 4)}`;
  test.each([
    ['of exactly 1600 characters', HTTP_STAGE, LONGEST_ARN],
    ['in another partition (aws-cn)', 'arn:aws-cn:execute-api:cn-north-1:123456789012:http123456/$default/', 'arn:aws-cn:execute-api:cn-north-1:123456789012:http123456/$default/GET/me'],
  ])('HTTP API event with a routeArn %s: its table applies', async (_name, stagePrefix, routeArn) => {
    expect(LONGEST_ARN).toHaveLength(1600);
    const out = await invoke(handler, { ...http2Event(token({ a: 1, org: 'admin' }), ''), routeArn });
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${stagePrefix}*` }] },
      context: expect.objectContaining({ userId: 'user_123' }),
    });
  });

  test('a policy per stage prefix and rule outcome, bounded: answers stay right once the cache has been cleared', async () => {
    const t = token({ a: 1 });
    const expected = (stage: string) => ({
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/${stage}/GET/me*`, `${PREFIX}/${stage}/GET/invoices*`] }],
    });
    // 300 stages: more distinct policies than the cache holds (256).
    for (let i = 0; i < 300; i++) {
      const out = await invoke(handler, restEvent(t, `${PREFIX}/s${i}/GET/invoices`));
      expect((out.result as { policyDocument: unknown }).policyDocument).toEqual(expected(`s${i}`));
    }
    const again = await invoke(handler, restEvent(t, `${PREFIX}/s0/DELETE/invoices`));
    expect((again.result as { policyDocument: unknown }).policyDocument).toEqual(expected('s0'));
    expect(again.logs).toEqual([expect.objectContaining({ decision: 'deny', reason: 'predicate_failed' })]);
  });

  test('a large context near 8 KB: the exact size decides, and an answer that fits stays whole', async () => {
    // ~3.7 KB of claims: the cheap upper bound (escaping doubles the context) exceeds 8 KB, the answer does not.
    const payload = payloadFor({ a: 1 });
    const big = signJwt(sessionHeader(), { ...payload, metadata: { a: 1, note: 'n'.repeat(3700) } }, testKeys().privateKey);
    const out = await invoke(handler, restEvent(big, `${PREFIX}/prod/GET/invoices`));
    expect(answerBytes(out.result)).toBeLessThanOrEqual(8192);
    expect(answerBytes(out.result)).toBeGreaterThan(3700);
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/prod/GET/me*`, `${PREFIX}/prod/GET/invoices*`] }],
      },
      context: expect.objectContaining({ claims: expect.stringContaining('n'.repeat(3700)) }),
    });
  });

  test.each([
    [8192, 'stays whole'],
    [8193, 'is replaced by one for this request alone'],
  ])('an answer of exactly %i bytes %s, also where the cheap size bound is within a few dozen bytes of it', async (bytes) => {
    // A subject of quotes and a claim of quotes (about 7.9 KB): only the exact size decides between 8,192 and 8,193
    // bytes, whatever the cheap bound says.
    const sub = `user_${'"'.repeat(250)}`;
    const payload = clerkV2Payload({ sub, metadata: { a: 1, note: '"'.repeat(1371) + 'n'.repeat(bytes - 8182) } });
    const t = signJwt(sessionHeader(), payload, testKeys().privateKey);
    const arn = `${PREFIX}/prod/GET/invoices`;
    const context = { tokenType: 'session_token', userId: sub, sessionId: 'sess_123', orgId: '', orgRole: '', orgPermissions: '', claims: JSON.stringify(payload) };
    const whole = {
      principalId: sub,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${PREFIX}/prod/GET/me*`, `${PREFIX}/prod/GET/invoices*`] }],
      },
      context,
    };
    expect(answerBytes(whole)).toBe(bytes);
    const out = await invoke(handler, restEvent(t, arn));
    expect(out.result).toEqual(bytes <= 8192 ? whole : {
      principalId: sub,
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn }] },
      context,
    });
    expect(out.logs).toEqual([]);
  });

  test('an answer that JSON escaping takes over 8 KB is replaced, though its text is far shorter (control characters)', async () => {
    // JSON writes a control character in 6 bytes (`\u0001`): a subject of them weighs six times its length in the
    // principal and in the context. The smallest such subject that takes the answer over the limit: a size bound that
    // counted characters (or doubled them) would let it through, oversize.
    const arn = `${PREFIX}/prod/GET/invoices`;
    const statement = (Resource: string | string[]) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource }] });
    const answerFor = (n: number, Resource: string | string[]) => {
      const sub = `user_${'\u0001'.repeat(n)}`;
      const payload = clerkV2Payload({ sub, metadata: { a: 1 } });
      const context = { tokenType: 'session_token', userId: sub, sessionId: 'sess_123', orgId: '', orgRole: '', orgPermissions: '', claims: JSON.stringify(payload) };
      return { payload, answer: { principalId: sub, policyDocument: statement(Resource), context } };
    };
    let n = 1;
    while (answerBytes(answerFor(n, [`${PREFIX}/prod/GET/me*`, arn + '*']).answer) <= 8192) n++;
    const { payload, answer } = answerFor(n, arn);
    const out = await invoke(handler, restEvent(signJwt(sessionHeader(), payload, testKeys().privateKey), arn));
    expect(out.result).toEqual(answer);
    expect(answerBytes(out.result)).toBeLessThanOrEqual(8192);
  });

  describe('an answer over 8 KB is replaced by one for this request alone', () => {
    // 160 routes with long paths, the even ones passing (RULES[0]) and the odd ones failing (RULES[2]): the full
    // answer lists 80 covers of about 100 bytes each.
    const long = (i: number) => `/resource-${i}-${'x'.repeat(60)}/{id}`;
    const specs: RouteSpec[] = [];
    for (let i = 0; i < 160; i++) specs.push({ pattern: routePattern('GET', long(i)), rule: i % 2 === 0 ? 0 : 2, label: `${i}` });
    let h: Handler;
    beforeEach(() => {
      h = loadHandler(routesEnv([{ groups: buildApiTable(specs).groups }], [API]));
    });
    const arn = (i: number, id: string) => `${PREFIX}/prod/GET${long(i).replace('{id}', id)}`;

    test('allowed: an Allow of exactly this request\'s ARN, with the context', async () => {
      const out = await invoke(h, restEvent(token({ a: 1 }), arn(0, '42')));
      expect(out.result).toEqual({
        principalId: 'user_123',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn(0, '42') }] },
        context: expect.objectContaining({ userId: 'user_123' }),
      });
      expect(out.logs).toEqual([]);
    });

    test('denied: a Deny of the whole stage, without context', async () => {
      const out = await invoke(h, restEvent(token({ a: 1 }), arn(1, '42')));
      expect(out.result).toEqual({
        principalId: 'user_123',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${PREFIX}/prod/*` }] },
      });
      expect(out.logs).toEqual([expect.objectContaining({ decision: 'deny', reason: 'predicate_failed' })]);
    });

    test.each(['4*2', '4?2', '*'])('allowed, but the ARN holds a wildcard (%s): a Deny of the whole stage, never an Allow by it', async (id) => {
      const out = await invoke(h, restEvent(token({ a: 1 }), arn(0, id)));
      expect(out.result).toEqual({
        principalId: 'user_123',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${PREFIX}/prod/*` }] },
      });
    });
  });

  test.each([20, 100, 300])('%i routes: the answer stays within 8 KB', async (count) => {
    // Worst case for the allow-list: every route its own rule pattern, half of them passing.
    const specs: RouteSpec[] = [];
    for (let i = 0; i < count; i++) specs.push({ pattern: routePattern(i % 2 === 0 ? 'GET' : 'DELETE', `/resource-${i}/{id}`), rule: i % 2 === 0 ? 0 : 2, label: `${i}` });
    const table = buildApiTable(specs);
    const h = loadHandler(routesEnv([{ groups: table.groups }], [API]));
    const out = await invoke(h, restEvent(token({ a: 1 }), `${PREFIX}/prod/GET/resource-0/42`));
    expect(answerBytes(out.result)).toBeLessThanOrEqual(8192);
    expect(evaluatePolicy((out.result as { policyDocument: unknown }).policyDocument, `${PREFIX}/prod/GET/resource-0/42`)).toBe('allow');
  });
});

test('misconfiguration fails at cold start naming the variable', () => {
  expect(() => loadHandler({ CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: testKeys().publicKeyPem, CLERK_ROUTES_FILE: '/nonexistent/clerk-routes.json', CLERK_ROUTE_APIS: API }))
    .toThrow(/^CLERK_ROUTES_FILE /);
  const env = routesEnv([{ groups: [{ r: 0, c: ['GET/*'] }] }], ['a', 'b']);
  expect(() => loadHandler(env)).toThrow('CLERK_ROUTE_APIS must list 1 distinct API ids, comma-separated, got: "a,b"');
  // At most 200 characters of the value in the message.
  expect(() => loadHandler({ ...env, CLERK_ROUTE_APIS: `${'a'.repeat(150)},${'b'.repeat(150)}` }))
    .toThrow(new Error(`CLERK_ROUTE_APIS must list 1 distinct API ids, comma-separated, got: "${'a'.repeat(150)},${'b'.repeat(49)}"`));
  expect(() => loadHandler({ ...env, CLERK_ROUTE_APIS: undefined })).toThrow(new Error('CLERK_ROUTES_FILE and CLERK_ROUTE_APIS must be set together'));
  expect(() => loadHandler({ ...env, CLERK_ROUTES_FILE: undefined })).toThrow(new Error('CLERK_ROUTES_FILE and CLERK_ROUTE_APIS must be set together'));
});

test.each([
  ['an id with a character other than A-Z, a-z, 0-9', 'abc123,ab-cd'],
  ['an id starting with one', 'abc123,-abcd'],
  ['an id ending with one', 'abc123,abcd-'],
  ['the same id twice', 'abc123,abc123'],
])('CLERK_ROUTE_APIS with %s fails at cold start', (_name, ids) => {
  const env = routesEnv([{ groups: [{ r: 0, c: ['GET/*'] }] }, { groups: [{ r: 1, c: ['GET/*'] }] }], ids.split(','));
  expect(() => loadHandler(env)).toThrow(new Error(`CLERK_ROUTE_APIS must list 2 distinct API ids, comma-separated, got: ${JSON.stringify(ids)}`));
  // The same table with two distinct well-formed ids loads.
  expect(() => loadHandler({ ...env, CLERK_ROUTE_APIS: 'abc123,abcd' })).not.toThrow();
});
