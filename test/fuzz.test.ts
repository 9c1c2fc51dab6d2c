/**
 * Property-based fuzzing of the shipped handler bundle (issue 7), for REST TOKEN, REST REQUEST and HTTP API 2.0 events.
 *
 * 1. Any Authorization header value (random text, near-JWT shapes, mutations of a valid token, re-encoded headers,
 *    scheme and whitespace variants) and any event shape: the answer is only 401 `Unauthorized` / `isAuthorized:
 *    false` (or Allow for the untouched valid token, in an accepted form), never another exception or a 500.
 * 2. Any claims (random nesting and types, `__proto__`/`constructor`/`prototype` as real own keys, repeated keys, huge
 *    arrays, homoglyph roles, well-formed and malformed Clerk organization claims) signed with the right key, under any
 *    predicate built with the public factories: the answer is what an independent reference evaluator says (claim
 *    conditions written here from DESIGN.md; organization conditions by Clerk's own `has()`), and every context value
 *    is a string, number or boolean.
 * 3. Every answer comes within a generous bound (TIME_BOUND_MS per call; a call over it is retried twice and fails only
 *    if every attempt is over, so a GC pause or a busy machine does not fail it): a correctness bound against
 *    pathological inputs, not a speed goal (speed lives in `npm run bench`).
 *
 * CI runs a few thousand cases per property in well under a minute; `FUZZ_RUNS=<n>` runs n per property,
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path>` replays a reported failure (printed with it).
 */
import fc from 'fast-check';
import { ClaimPredicate } from '../src/claim-predicate';
import { clerkAuthFromClaims } from './util/clerk-reference';
import {
  checkProperty,
  claimTree,
  CLAIM_WORDS,
  focusedClaims,
  generatedPredicate,
  GeneratedPredicate,
  JsonNode,
  jsonOf,
  labelled,
  leafPredicate,
  mutatedToken,
  orgEntries,
  PredicateSpec,
  randomHeaderText,
  ROLE_WORDS,
  TokenMutation,
  wrapping,
} from './util/fuzz-arbitraries';
import {
  eventFor,
  fixTime,
  Handler,
  Invocation,
  invoke,
  Kind,
  KINDS,
  loadHandler,
  METHOD_ARN,
  restTokenEvent,
  ROUTE_ARN,
  TestClock,
} from './util/handler';
import { clerkV2Payload, makeKeys, NOW, SESSION_CATEGORY, sessionHeader, signRawJwt, TEST_AZP, TEST_ISSUER, testKeys } from './util/tokens';

// Generous (a busy machine, coverage, FUZZ_RUNS): no property is meant to be near it; the per-call bound is TIME_BOUND_MS.
jest.setTimeout(900_000);

/** Per-call bound, ms (FUZZ_TIME_BOUND_MS overrides). */
const TIME_BOUND_MS = Number(process.env.FUZZ_TIME_BOUND_MS ?? 200);
/** The handler's size limit (characters); larger tokens are refused before any work. */
const MAX_TOKEN_LENGTH = 8192;

const KEYS = testKeys();
const FORGERY_KEYS = {
  privateKey: KEYS.privateKey,
  publicKeyPem: KEYS.publicKeyPem,
  wrongPrivateKey: testKeys('ins_wrong').privateKey,
  ecPrivateKey: makeKeys('ins_ec', 'ec').privateKey,
};
const HEADER = sessionHeader();
const HEADER_JSON = JSON.stringify(HEADER);
const VALID = signRawJwt(HEADER_JSON, JSON.stringify(clerkV2Payload()), KEYS.privateKey);
// Allows logged too, so that every call has exactly one decision record to check.
const ENV = {
  CLERK_ISSUER: TEST_ISSUER,
  CLERK_PUBLIC_KEY_PEM: KEYS.publicKeyPem,
  CLERK_AUTHORIZED_PARTIES: JSON.stringify([TEST_AZP]),
  CLERK_LOG_ALLOWED: 'true',
};

let clock: TestClock;
let handler: Handler;
let cookieHandler: Handler;
/** The slowest accepted call per property (reported at the end). */
const slowest: Record<string, number> = {};

beforeAll(() => {
  clock = fixTime(NOW);
  handler = loadHandler(ENV);
  cookieHandler = loadHandler({ ...ENV, CLERK_SESSION_COOKIE: 'true' });
});
afterAll(() => {
  clock.restore();
  console.info(`slowest call per property (ms, bound ${TIME_BOUND_MS}): ${JSON.stringify(slowest)}`);
});

/**
 * Invokes the handler and checks the invariants every answer keeps: no 500, exactly one decision log line, no
 * internal error caught by the safety net, no token segment in the log, within the time bound.
 */
async function call(h: Handler, event: unknown, property: string, secrets: readonly string[] = []): Promise<Invocation> {
  let best = Infinity;
  let inv: Invocation | undefined;
  for (let attempt = 0; attempt < 3 && best > TIME_BOUND_MS; attempt++) {
    const start = process.hrtime.bigint();
    inv = await invoke(h, event);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  const out = inv!;
  slowest[property] = Math.max(slowest[property] ?? 0, Math.round(best * 10) / 10);
  if (best > TIME_BOUND_MS) throw new Error(`answer took ${best.toFixed(0)} ms (best of 3), bound ${TIME_BOUND_MS} ms`);
  if (out.status === 500) throw new Error(`500: ${out.error !== undefined ? `threw ${String(out.error)}` : `answered ${JSON.stringify(out.result)?.slice(0, 300)}`}`);
  if (out.logs.length !== 1) throw new Error(`${out.logs.length} decision log lines`);
  if (out.logs[0].reason === 'internal_error') throw new Error('internal_error: a defect was caught by the safety net');
  // Every line written, the runtime's error line for a 401 included.
  const line = out.lines.join('\n');
  for (const s of secrets) {
    for (const part of s.split(/[.\s]/)) if (part.length >= 40 && line.includes(part)) throw new Error('a token segment was logged');
  }
  return out;
}

/** What API Gateway must see when the token is refused: exactly 401 on REST, `{ isAuthorized: false }` on HTTP 2.0. */
function expectRefused(kind: Kind, out: Invocation): void {
  if (kind === 'HTTP2') {
    expect(out.result).toEqual({ isAuthorized: false });
  } else {
    expect(out.status).toBe(401);
    expect((out.error as Error).message).toBe('Unauthorized');
  }
  expect(out.logs[0].decision).toBe('unauthorized');
}

function expectAllowed(kind: Kind, out: Invocation): void {
  expect(out.status).toBe(200);
  expect(out.logs[0].decision).toBe('allow');
  if (kind !== 'HTTP2') expect(out.result).toMatchObject({ principalId: 'user_123', policyDocument: { Statement: [{ Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*' }] } });
}

// ---------------------------------------------------------------------------------------------------------------
// Property 1: any header value

/** The header rules of DESIGN.md section 2, written independently: what a re-signed header must be to pass. */
function headerAcceptable(json: string): boolean {
  const h = JSON.parse(json) as Record<string, unknown>;
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(h, k);
  const get = (k: string): unknown => (has(k) ? h[k] : undefined);
  const kid = get('kid');
  return (
    get('alg') === 'RS256' &&
    !['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64'].some(has) &&
    (get('typ') === undefined || get('typ') === 'JWT') &&
    (get('cat') === undefined || get('cat') === SESSION_CATEGORY || get('cat') === 'cl_I7d4PD111III') &&
    (kid === undefined || (typeof kid === 'string' && kid.length <= 256))
  );
}

/** A header value case: the value, how it was made, and whether it must be allowed. */
interface HeaderCase {
  readonly value: string;
  readonly allowed: boolean;
}

const headerCase: fc.Arbitrary<HeaderCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: randomHeaderText.map((value) => labelled({ value, allowed: false }, `random ${JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}...(${value.length})` : value)}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof({ weight: 1, arbitrary: fc.constant<TokenMutation>({ token: VALID, label: 'the valid token' }) }, { weight: 8, arbitrary: mutatedToken(VALID, HEADER, FORGERY_KEYS) }),
        wrapping,
      )
      .map(([m, w]) => {
        const goodToken = m.token === VALID || (m.resignedHeader !== undefined && headerAcceptable(m.resignedHeader));
        const acceptedForm = w.suffix === '' && (w.prefix === '' || w.prefix.toLowerCase() === 'bearer ');
        const value = `${w.prefix}${m.token}${w.suffix}`;
        return labelled({ value, allowed: goodToken && acceptedForm }, `${JSON.stringify(w.prefix)} + ${m.label} + ${JSON.stringify(w.suffix)}`);
      }),
  },
);

describe('property 1: any Authorization header value is refused unless it is the untouched valid token', () => {
  test('sanity: the valid token is allowed in every accepted form and event kind', async () => {
    for (const kind of KINDS) {
      for (const value of [VALID, `Bearer ${VALID}`, `bearer ${VALID}`, `BEARER ${VALID}`]) expectAllowed(kind, await call(handler, eventFor(kind, value), 'sanity'));
    }
  });

  test.each(KINDS)('%s events', async (kind) => {
    const headerName = fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn');
    await checkProperty(
      fc.asyncProperty(headerCase, headerName, fc.integer({ min: 0, max: 9 }), async (c, name, dice) => {
        const duplicate = kind === 'REQUEST' && dice === 0;
        const out = await call(handler, eventFor(kind, c.value, name, duplicate), `1:${kind}`, [c.value]);
        if (c.allowed && !duplicate) expectAllowed(kind, out);
        else expectRefused(kind, out);
      }),
      3000,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property 1b: any event

/** Whether `value` holds the valid token anywhere (a string containing it), walking any structure. */
function holdsValidToken(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'string') return value.includes(VALID);
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  return Reflect.ownKeys(value).some((k) => holdsValidToken((value as Record<string | symbol, unknown>)[k], seen));
}

const anything = fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withObjectString: true });
const tokenish = fc.constantFrom(VALID, `Bearer ${VALID}`, `bearer ${VALID}`, `Bearer  ${VALID}`, `${VALID} `, '', 'Bearer ', 'Bearer', null);
const headerMap = fc.dictionary(
  fc.oneof(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'Cookie', 'cookie', '__proto__', 'constructor'), fc.string({ maxLength: 15 })),
  fc.oneof(tokenish, anything, fc.array(tokenish, { maxLength: 3 }), fc.constantFrom(`__session=${VALID}`, `a=b; __session=${VALID}`, `__session=${VALID}; __session=x`)),
  { maxKeys: 4 },
);
const cookieList = fc.array(
  fc.oneof(fc.constantFrom(`__session=${VALID}`, `__session= ${VALID} `, '__session=', '__session', `__Session=${VALID}`, 'a=b'), anything),
  { maxLength: 4 },
);
const methodArn = fc.oneof(
  { weight: 5, arbitrary: fc.constant(METHOD_ARN) },
  fc.constantFrom(
    'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/',
    'arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/v1/POST/a/b',
    'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod',
    'arn:aws:execute-api:us-east-1:12345678901:abcdef1234/prod/GET/x',
    'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/x',
    `arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/${'x'.repeat(1700)}`,
    '',
  ),
  fc.string({ maxLength: 40 }),
  anything,
);
const shapes = {
  headers: fc.oneof({ weight: 4, arbitrary: headerMap }, { weight: 1, arbitrary: anything }),
  multiValueHeaders: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom('Authorization', 'authorization', 'cookie', 'Cookie'), fc.array(fc.oneof(tokenish, anything), { maxLength: 3 }), { maxKeys: 2 }) },
    { weight: 1, arbitrary: anything },
  ),
  cookies: fc.oneof({ weight: 3, arbitrary: cookieList }, { weight: 1, arbitrary: anything }),
};
/** Events of each kind with hostile members, events of no kind, and anything at all. */
const eventShape: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: anything },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('TOKEN'), authorizationToken: fc.oneof(tokenish, anything), methodArn }, { requiredKeys: ['type'] }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('REQUEST'), methodArn, headers: shapes.headers, multiValueHeaders: shapes.multiValueHeaders }, { requiredKeys: ['type'] }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      { version: fc.constant('2.0'), type: fc.constantFrom<unknown>('REQUEST', undefined), routeArn: fc.constantFrom<unknown>(ROUTE_ARN, undefined, 1), headers: shapes.headers, cookies: shapes.cookies },
      { requiredKeys: ['version'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        type: fc.constantFrom<unknown>('token', 'Request', '', 1, null),
        version: fc.constantFrom<unknown>('1.0', 2, '2', null),
        authorizationToken: tokenish,
        methodArn,
        headers: shapes.headers,
      },
      { requiredKeys: [] },
    ),
  },
);

describe('property 1b: any event', () => {
  test('is answered 401 / Deny / isAuthorized:false, or Allow only when it carries the valid token', async () => {
    await checkProperty(
      fc.asyncProperty(eventShape, fc.boolean(), async (event, cookies) => {
        const out = await call(cookies ? cookieHandler : handler, event, '1b:event', [VALID]);
        if (out.status === 200) {
          expect(holdsValidToken(event)).toBe(true);
          const e = event as Record<string, unknown>;
          if (e.version !== '2.0') {
            const arn = e.methodArn as string;
            expect((out.result as { policyDocument: { Statement: Array<{ Resource: string }> } }).policyDocument.Statement[0].Resource).toBe(`${arn.split('/').slice(0, 2).join('/')}/*`);
          }
        }
      }),
      3000,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property 2: any claims, any predicate

/** A claim value as the reference sees it: MISSING when the path does not lead to an own property. */
const MISSING = Symbol('missing');

/** DESIGN.md: a dot path walks own properties of JSON objects only (never arrays, never inherited keys). */
function lookup(payload: unknown, path: string): unknown {
  let cur: unknown = payload;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return MISSING;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** The reference meaning of a predicate: strict `===`, missing or wrongly-typed claims fail; org checks by Clerk. */
function meaning(spec: PredicateSpec, payload: unknown, has: (p: { role?: string; permission?: string }) => boolean): boolean {
  switch (spec.op) {
    case 'eq':
      return lookup(payload, spec.claim) === spec.value;
    case 'in': {
      const v = lookup(payload, spec.claim);
      return spec.values.some((x) => x === v);
    }
    case 'contains': {
      const v = lookup(payload, spec.claim);
      return Array.isArray(v) && v.some((x) => x === spec.value);
    }
    case 'exists': {
      const v = lookup(payload, spec.claim);
      return v !== MISSING && v !== null;
    }
    case 'orgRole':
      return spec.roles.some((role) => has({ role }));
    case 'orgPermission':
      return spec.permissions.every((permission) => has({ permission }));
    case 'allOf':
      return spec.of.every((c) => meaning(c, payload, has));
    case 'anyOf':
      return spec.of.some((c) => meaning(c, payload, has));
    case 'noneOf':
      return !spec.of.some((c) => meaning(c, payload, has));
  }
}

/**
 * Whether the organization claims can be read (DESIGN.md: strict, no coercion; claims nobody can decode are refused,
 * so that `noneOf(orgRole(...))` cannot pass on them): v2 (`v === 2`) reads `o` (absent, null, or an object whose
 * `id`/`rol`/`per`/`fpm` and the top-level `fea` are strings or null, every `fea` element scoped `scope:name`); any other
 * `v` reads v1 (`org_id`/`org_role` strings or null, `org_permissions` null or an array of strings).
 */
function orgClaimsReadable(p: Record<string, unknown>): boolean {
  const own = (o: object, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined);
  const optionalString = (x: unknown): boolean => x === undefined || x === null || typeof x === 'string';
  if (own(p, 'v') === 2) {
    const o = own(p, 'o');
    if (o === undefined || o === null) return true;
    if (typeof o !== 'object' || Array.isArray(o)) return false;
    const fea = own(p, 'fea');
    if (![own(o, 'id'), own(o, 'rol'), own(o, 'per'), own(o, 'fpm'), fea].every(optionalString)) return false;
    return !fea || (fea as string).split(',').every((part) => part.trim().includes(':'));
  }
  const perms = own(p, 'org_permissions');
  return optionalString(own(p, 'org_id')) && optionalString(own(p, 'org_role')) &&
    (perms === undefined || perms === null || (Array.isArray(perms) && perms.every((x) => typeof x === 'string')));
}

/** The verified part of every generated payload (written last, so it wins over repeated keys). */
const BASE_ENTRIES = Object.entries(clerkV2Payload()).filter(([k]) => k !== 'v');

const customEntries = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...CLAIM_WORDS), claimTree) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('metadata', 'metadata', 'tier', 'role'), focusedClaims) },
    // metadata.role, the claim ClaimPredicate.role reads, often enough to matter.
    {
      weight: 2,
      arbitrary: fc.tuple(
        fc.constant('metadata'),
        fc.tuple(fc.constantFrom('role', 'role', 'rоle', '__proto__'), fc.oneof(fc.constantFrom(...ROLE_WORDS).map((v): JsonNode => ({ kind: 'value', value: v })), claimTree))
          .map(([k, v]): JsonNode => ({ kind: 'object', entries: [[k, v]] })),
      ),
    },
  ),
  { maxLength: 5 },
);

const baseEntries = BASE_ENTRIES.map(([k, v]) => [k, { kind: 'value', value: v as string | number }] as const);

/** A payload as exact JSON text: custom claims, then organization claims, then the verified claims. */
const claimsText: fc.Arbitrary<string> = fc.tuple(customEntries, orgEntries).map(([custom, org]) => jsonOf({ kind: 'object', entries: [...custom, ...org, ...baseEntries] }));

/** A payload whose `metadata` (and often `tier`/`role`) holds tricky values on the paths conditions read. */
const focusedText: fc.Arbitrary<string> = fc
  .tuple(focusedClaims, fc.option(fc.tuple(fc.constantFrom('tier', 'role'), focusedClaims)), orgEntries)
  .map(([metadata, extra, org]) => jsonOf({ kind: 'object', entries: [['metadata', metadata], ...(extra ? [extra] : []), ...org, ...baseEntries] }));

function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Signs each payload text, asks the handler for `predicate`, and checks the answer against the reference. */
async function checkClaims(gen: GeneratedPredicate, texts: readonly string[], k: number, property: string): Promise<void> {
  const h = loadHandler({ ...ENV, CLERK_PREDICATE: gen.predicate.toJson() });
  for (const [i, text] of texts.entries()) {
    const kind = KINDS[(k + i) % 3];
    const token = signRawJwt(HEADER_JSON, text, KEYS.privateKey);
    const out = await call(h, eventFor(kind, `Bearer ${token}`), property, [token]);
    const payload = JSON.parse(text) as Record<string, unknown>;
    if (token.length > MAX_TOKEN_LENGTH || !orgClaimsReadable(payload)) {
      expectRefused(kind, out);
      continue;
    }
    const auth = clerkAuthFromClaims(payload);
    const allowed = meaning(gen.spec, payload, (p) => auth.has(p));
    expect(out.logs[0].decision).toBe(allowed ? 'allow' : 'deny');
    if (!allowed) {
      expect(out.result).toEqual(kind === 'HTTP2' ? { isAuthorized: false } : expect.objectContaining({ principalId: 'user_123' }));
      if (kind !== 'HTTP2') {
        expect(out.status).toBe(403);
        expect((out.result as { context?: unknown }).context).toBeUndefined();
      }
      continue;
    }
    expect(out.status).toBe(200);
    const context = (out.result as { context: Record<string, unknown> }).context;
    expect(Object.values(context).every(isScalar)).toBe(true);
    const org = auth.org.orgId ? { orgId: auth.org.orgId, orgRole: auth.org.orgRole, orgPermissions: auth.org.orgPermissions.join(',') } : { orgId: '', orgRole: '', orgPermissions: '' };
    expect(context).toEqual({ tokenType: 'session_token', userId: 'user_123', sessionId: 'sess_123', ...org, claims: JSON.stringify(payload) });
  }
}

describe('property 2: any claims signed with the right key, under any predicate', () => {
  test('the answer is the reference meaning; context values are scalars and Clerk\'s view of the session', async () => {
    await checkProperty(
      fc.asyncProperty(generatedPredicate, fc.array(claimsText, { minLength: 1, maxLength: 4 }), fc.nat(), async (gen, texts, k) => checkClaims(gen, texts, k, '2:claims')),
      1000,
    );
  });

  test('single conditions (no combinator) meet claims of every type', async () => {
    await checkProperty(
      fc.asyncProperty(leafPredicate, fc.array(focusedText, { minLength: 2, maxLength: 4 }), fc.nat(), async (gen, texts, k) => checkClaims(gen, texts, k, '2:leaf')),
      1000,
    );
  });

  test('sanity: the generators reach every answer (allow, deny, refused malformed claims)', () => {
    // Guards against a generator change that silently stops exercising a branch.
    const samples = fc.sample(fc.tuple(generatedPredicate, claimsText), { numRuns: 400, seed: 7 });
    let allow = 0;
    let deny = 0;
    let malformed = 0;
    for (const [gen, text] of samples) {
      const payload = JSON.parse(text) as Record<string, unknown>;
      if (!orgClaimsReadable(payload)) {
        malformed++;
        continue;
      }
      const auth = clerkAuthFromClaims(payload);
      if (meaning(gen.spec, payload, (p) => auth.has(p))) allow++;
      else deny++;
    }
    expect(Math.min(allow, deny, malformed)).toBeGreaterThan(20);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property 3: pathological inputs (every call above is bounded too)

const BIG_PREDICATE = ClaimPredicate.anyOf(
  ...Array.from({ length: 12 }, (_, i) =>
    ClaimPredicate.allOf(
      ClaimPredicate.claimIn(`metadata.a${i}.b.c.d.e`, ['x', 'y', 1, true]),
      ClaimPredicate.noneOf(ClaimPredicate.claimContains('metadata.list', i)),
      ClaimPredicate.orgPermission('org:f0:p0', `org:f${i}:p${i}`),
    ),
  ),
  ClaimPredicate.orgRole('admin'),
);

/** Payload members that are expensive to parse, stringify, decode or evaluate, sized to fit under the token limit. */
const pathologicalClaims: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 100, max: 2700 }).map((n) => `"metadata":${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 100, max: 900 }).map((n) => `"metadata":${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 100, max: 2700 }).map((n) => `"metadata":{"list":[${Array.from({ length: n }, (_, i) => i % 10).join(',')}]}`),
  fc.integer({ min: 100, max: 5000 }).map((n) => `"metadata":{"role":${JSON.stringify('\u0430'.repeat(n / 2))}}`),
  fc.integer({ min: 10, max: 600 }).map((n) => {
    const features = Array.from({ length: n }, (_, i) => `o:f${i}`).join(',');
    return `"v":2,"fea":"${features}","o":{"id":"org_1","rol":"admin","per":"p0,p1,p2","fpm":"${Array.from({ length: n }, () => '7').join(',')}"}`;
  }),
  fc.integer({ min: 10, max: 900 }).map((n) => `"v":2,"fea":"o:f0","o":{"id":"org_1","rol":"admin","per":"${Array.from({ length: n }, (_, i) => `p${i}`).join(',')}","fpm":"${'9'.repeat(40)}"}`),
  fc.integer({ min: 10, max: 300 }).map((n) => `"org_id":"org_1","org_role":"org:admin","org_permissions":[${Array.from({ length: n }, (_, i) => `"org:f${i}:p${i}"`).join(',')}]`),
  fc.integer({ min: 10, max: 400 }).map((n) => `${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')},"sub":"user_123"`),
);

describe('property 3: no input is pathological', () => {
  test('expensive claims signed with the right key, under a large predicate, are answered within the bound', async () => {
    const h = loadHandler({ ...ENV, CLERK_PREDICATE: BIG_PREDICATE.toJson() });
    await checkProperty(
      fc.asyncProperty(pathologicalClaims, fc.constantFrom(...KINDS), async (members, kind) => {
        const base = BASE_ENTRIES.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
        const token = signRawJwt(HEADER_JSON, `{${members},${base}}`, KEYS.privateKey);
        await call(h, eventFor(kind, `Bearer ${token}`), '3:pathological', [token]);
      }),
      300,
    );
  });

  test('large unsigned inputs near the size limit are answered within the bound', async () => {
    await checkProperty(
      fc.asyncProperty(
        fc.integer({ min: 7000, max: 8300 }),
        fc.constantFrom('A', '.', 'eyJ', '%', 'é', ' '),
        fc.constantFrom(...KINDS),
        async (n, unit, kind) => {
          const value = `Bearer ${unit.repeat(Math.ceil(n / unit.length)).slice(0, n)}`;
          expectRefused(kind, await call(handler, eventFor(kind, value), '3:large-unsigned'));
        },
      ),
      200,
    );
  });

  // Regression (found by this suite, fixed in a8dc221): `o.fpm` masks were decoded by repeated long division of the
  // decimal string, quadratic in its length, as Clerk does; a signed ~5,500-digit mask (under the 8 KB limit) took
  // ~1.8 s of CPU in plain Node, far over the 5 s Lambda timeout at 256 MB: a 500.
  test('a signed token with a 5000-digit o.fpm is answered within the bound, with the right permissions', async () => {
    const h = loadHandler({ ...ENV, CLERK_PREDICATE: ClaimPredicate.orgPermission('org:f:a', 'org:f:c').toJson() });
    // The low three bits of a decimal are those of its last three digits (1000 = 8 x 125): ...997 = 5 (mod 8) = 101b
    // grants a and c; ...998 = 6 (mod 8) = 110b grants b and c, not a.
    for (const [mask, allowed] of [[`${'9'.repeat(4997)}997`, true], [`${'9'.repeat(4997)}998`, false]] as const) {
      const text = JSON.stringify(clerkV2Payload({ fea: 'o:f', o: { id: 'org_1', rol: 'admin', per: 'a,b,c', fpm: mask } }));
      const token = signRawJwt(HEADER_JSON, text, KEYS.privateKey);
      const out = await call(h, restTokenEvent(`Bearer ${token}`), '3:long-fpm', [token]);
      expect(out.status).toBe(allowed ? 200 : 403);
    }
  });
});
