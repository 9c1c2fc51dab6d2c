/**
 * fast-check arbitraries and run settings for test/fuzz.test.ts: hostile Authorization header values (random text,
 * near-JWT shapes, mutations of a valid token, re-encoded headers, scheme and whitespace variants), hostile events,
 * claims written as exact JSON text (so `__proto__`, `constructor`, `prototype` are real own keys and keys can repeat),
 * and claim predicates built with the public `ClaimPredicate` factories alongside a plain description of their meaning.
 *
 * Runs: `FUZZ_RUNS` (runs per property, overriding each property's CI default), `FUZZ_SEED` and `FUZZ_PATH` (replay a
 * reported failure). Generated cases print as descriptions, never as whole tokens.
 */
import { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { b64url, signatureFor } from './tokens';
import { ClaimPredicate } from '../../src/claim-predicate';

// ---------------------------------------------------------------------------------------------------------------
// Run settings

/** The fast-check parameters of a property: `FUZZ_RUNS` or `defaultRuns`, and `FUZZ_SEED`/`FUZZ_PATH` when set. */
export function fuzzParameters(defaultRuns: number): fc.Parameters<unknown> {
  const env = process.env;
  const params: fc.Parameters<unknown> = { numRuns: env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : defaultRuns };
  if (env.FUZZ_SEED) params.seed = Number(env.FUZZ_SEED);
  if (env.FUZZ_PATH) params.path = env.FUZZ_PATH;
  return params;
}

/**
 * Checks an async property; on failure rethrows fast-check's report (seed, path, shrunk counterexample) with the
 * command that replays it.
 */
export async function checkProperty(property: fc.IAsyncProperty<any> | fc.IProperty<any>, defaultRuns: number): Promise<void> {
  try {
    await fc.assert(property, fuzzParameters(defaultRuns));
  } catch (e) {
    const message = (e as Error).message;
    const m = /seed: (-?\d+), path: "([^"]*)"/.exec(message);
    const replay = m
      ? `\nReplay: FUZZ_SEED=${m[1]} FUZZ_PATH="${m[2]}" npx jest test/fuzz.test.ts --coverage=false -t '<this test>'` +
        '\n(FUZZ_RUNS=<n> runs more cases per property; FUZZ_SEED=<seed> alone reruns the same sequence.)'
      : '';
    (e as Error).message = `${message}${replay}`;
    throw e;
  }
}

/** A value that prints as `label` in fast-check reports (tokens are never printed whole). */
export function labelled<T extends object>(value: T, label: string): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => label, enumerable: false });
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Authorization header values

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** One UTF-16 code unit of any value (lone surrogates, NUL, controls included). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Characters a mutation substitutes: base64url, JWT punctuation, padding, whitespace, lookalikes. */
const mutationChar = fc.oneof(
  fc.constantFrom(...BASE64URL.split('')),
  fc.constantFrom('.', '=', '+', '/', ' ', '\t', '\n', '\r', '\u0000', '%', ',', ';', '"', '\\', '\u00a0', '\u200b', '\ufeff', 'А', 'е', 'ο'),
  anyCodeUnit,
);

/** A random JSON value, as text (for near-JWT segments). */
const jsonText = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null');

/** A segment that is or looks like base64url. */
const segmentLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BASE64URL.split('')), maxLength: 80 }),
  jsonText.map((t) => b64url(t)),
  fc.constant(''),
  fc.string({ unit: fc.constantFrom(...`${BASE64URL}+/=`.split('')), maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => b64url(bytes)),
);

/** Random header text: any code units, any unicode, printable ASCII, raw bytes, and near-JWT shapes. */
export const randomHeaderText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: anyCodeUnit, maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 400 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.array(segmentLike, { minLength: 1, maxLength: 6 }).map((s) => s.join('.')),
  fc.tuple(jsonText, jsonText, segmentLike).map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${s}`),
  // Around the size limit (8192 characters).
  fc.tuple(fc.constantFrom('A', 'x.', 'é', ' '), fc.integer({ min: 4000, max: 9000 })).map(([c, n]) => c.repeat(n).slice(0, n)),
);

/** A header for re-encoding attacks: Clerk's session header with members changed, removed, added or repeated. */
export interface HeaderVariant {
  /** Exact JSON text (repeated keys and `__proto__` survive). */
  readonly json: string;
  readonly label: string;
}

const headerValue = fc.oneof(
  fc.constantFrom<unknown>('RS256', 'none', 'None', 'HS256', 'RS384', 'RS512', 'PS256', 'ES256', 'EdDSA', 'rs256', 'RS256 ', ''),
  fc.constantFrom<unknown>('JWT', 'jwt', 'at+jwt', 'JOSE', 'cl_B7d4PD111AAA', 'cl_B7d4PD222AAA', 'cl_B7d4PD333AAA', 'cl_I7d4PD111III'),
  fc.constantFrom<unknown>(null, 0, 1, true, [], {}, ['exp'], ['b64'], { kty: 'RSA' }, 'https://evil.example.com/jwks.json', ['MIIB'], 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
);

const headerMember = fc.tuple(
  fc.constantFrom('alg', 'typ', 'cat', 'kid', 'crit', 'b64', 'jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'cty', 'zip', 'enc', '__proto__', 'constructor', 'foo'),
  headerValue,
);

/** Clerk's session header, then 0 to 4 member edits (set, delete), serialized with possibly repeated keys. */
export function headerVariant(sessionHeader: Record<string, unknown>): fc.Arbitrary<HeaderVariant> {
  return fc
    .tuple(
      fc.array(fc.oneof(headerMember.map(([k, v]) => ({ set: k, value: v })), fc.constantFrom('alg', 'typ', 'cat', 'kid').map((k) => ({ del: k }))), { maxLength: 4 }),
      fc.boolean(),
    )
    .map(([edits, repeat]) => {
      let entries: Array<[string, unknown]> = Object.entries(sessionHeader);
      for (const edit of edits) {
        if ('del' in edit) entries = entries.filter(([k]) => k !== edit.del);
        else if (repeat) entries.push([edit.set, edit.value]);
        else entries = [...entries.filter(([k]) => k !== edit.set), [edit.set, edit.value]];
      }
      const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
      return { json, label: `header ${json}` };
    });
}

/** How a valid token was turned into another string; `resignedHeader` when re-signed RS256 by the right key. */
export interface TokenMutation {
  readonly token: string;
  readonly label: string;
  /** The exact header JSON when the token was re-signed with the configured key over the untouched payload. */
  readonly resignedHeader?: string;
}

/** Other keys a forger may hold or guess. */
export interface ForgeryKeys {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  readonly wrongPrivateKey: KeyObject;
  readonly ecPrivateKey: KeyObject;
}

/** Mutations of `valid` (a compact JWS): each keeps it close to valid, none is expected to pass unless untouched. */
export function mutatedToken(valid: string, sessionHeader: Record<string, unknown>, keys: ForgeryKeys): fc.Arbitrary<TokenMutation> {
  const [h, p, s] = valid.split('.');
  const segments = [h, p, s];
  const at = (i: number, n: number): number => i % Math.max(n, 1);
  return fc.oneof(
    // A character replaced, inserted or removed anywhere.
    fc.tuple(fc.nat(), mutationChar).map(([i, c]) => {
      const k = at(i, valid.length);
      return { token: valid.slice(0, k) + c + valid.slice(k + 1), label: `char ${k} replaced by ${JSON.stringify(c)}` };
    }),
    fc.tuple(fc.nat(), mutationChar).map(([i, c]) => {
      const k = at(i, valid.length + 1);
      return { token: valid.slice(0, k) + c + valid.slice(k), label: `${JSON.stringify(c)} inserted at ${k}` };
    }),
    fc.nat().map((i) => {
      const k = at(i, valid.length);
      return { token: valid.slice(0, k) + valid.slice(k + 1), label: `char ${k} removed` };
    }),
    fc.nat().map((i) => {
      const k = at(i, valid.length);
      return { token: valid.slice(0, k), label: `truncated to ${k} chars` };
    }),
    // A bit flipped in a segment's bytes, re-encoded canonically.
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat()).map(([seg, bit]) => {
      const bytes = Buffer.from(segments[seg], 'base64url');
      const b = at(bit, bytes.length * 8);
      const byte = Math.floor(b / 8);
      const mask = 2 ** (b % 8);
      bytes[byte] += Math.floor(bytes[byte] / mask) % 2 === 1 ? -mask : mask;
      const out = [...segments];
      out[seg] = b64url(bytes);
      return { token: out.join('.'), label: `bit ${b} of segment ${seg} flipped` };
    }),
    // Segments swapped, repeated, dropped, added, emptied.
    fc.constantFrom<[readonly number[], string]>(
      [[1, 0, 2], 'header/payload swapped'],
      [[0, 2, 1], 'payload/signature swapped'],
      [[2, 1, 0], 'header/signature swapped'],
      [[0, 0, 2], 'header twice'],
      [[1, 1, 2], 'payload twice'],
      [[0, 1], 'signature dropped'],
      [[1, 2], 'header dropped'],
      [[0, 1, 2, 2], 'signature twice (4 segments)'],
      [[0, 1, 2, 1, 2], 'five segments'],
      [[0, 1, -1], 'empty signature'],
      [[-1, 1, 2], 'empty header'],
      [[0, -1, 2], 'empty payload'],
    ).map(([order, label]) => ({ token: order.map((i) => (i < 0 ? '' : segments[i])).join('.'), label })),
    fc.constantFrom('.', '..', '.x').map((extra) => ({ token: `${valid}${extra}`, label: `${JSON.stringify(extra)} appended` })),
    fc.constantFrom('=', '==').map((pad) => ({ token: `${h}${pad}.${p}.${s}`, label: 'header padded' })),
    // The header re-encoded: the original signature kept (must fail), or re-signed by the right key (decided by the
    // header alone), or signed with another algorithm or key.
    headerVariant(sessionHeader).map((v) => ({ token: `${b64url(v.json)}.${p}.${s}`, label: `${v.label}, original signature` })),
    headerVariant(sessionHeader).map((v) => {
      const input = `${b64url(v.json)}.${p}`;
      return { token: `${input}.${signatureFor('RS256', input, keys.privateKey)}`, label: `${v.label}, re-signed RS256`, resignedHeader: v.json };
    }),
    fc
      .constantFrom<[string, KeyObject | string, string]>(
        ['HS256', keys.publicKeyPem, 'HS256 with the PEM text as secret'],
        ['HS256', Buffer.from(keys.publicKeyPem).toString('base64'), 'HS256 with the base64 PEM as secret'],
        ['RS256', keys.wrongPrivateKey, 'RS256 with another key'],
        ['PS256', keys.privateKey, 'PS256 with the right key'],
        ['RS384', keys.privateKey, 'RS384 with the right key'],
        ['RS512', keys.privateKey, 'RS512 with the right key'],
        ['ES256', keys.ecPrivateKey, 'ES256 with an EC key'],
        ['none', '', 'alg none'],
      )
      .chain(([alg, key, label]) =>
        fc.constantFrom(true, false).map((rewriteAlg) => {
          const header = rewriteAlg ? { ...sessionHeader, alg } : sessionHeader;
          const input = `${b64url(JSON.stringify(header))}.${p}`;
          return { token: `${input}.${signatureFor(alg, input, key)}`, label: `${label}${rewriteAlg ? '' : ' (header still says RS256)'}` };
        }),
      ),
  );
}

/** How the token is put in the header value: the scheme prefix and a suffix. */
export interface Wrapping {
  readonly prefix: string;
  readonly suffix: string;
}

/** Scheme and whitespace variants; only `''` or `Bearer ` (any case, one space) with no suffix is acceptable. */
export const wrapping: fc.Arbitrary<Wrapping> = fc.record({
  prefix: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('Bearer ', '', 'bearer ', 'BEARER ', 'BeArEr ') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'Bearer  ', ' Bearer ', 'Bearer\t', 'Bearer\n', 'Bearer', 'Bearer:', 'Bearer=', 'Basic ', 'Token ', 'JWT ', 'Beare ',
        'Bearer\u00a0', '\u200bBearer ', 'Веarer ', 'Bearer Bearer ', 'Bearer "', 'Bearer ,', 'Authorization: Bearer ',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  ),
  suffix: fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n', ',', ';', '"', '.', '=', '\u0000', ' Bearer x', ', Bearer x') },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  ),
});

// ---------------------------------------------------------------------------------------------------------------
// Claims as exact JSON text

/** A JSON tree whose objects are entry lists: keys may repeat and may be `__proto__`. */
export type JsonNode =
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'value'; readonly value: string | number | boolean | null };

/** The exact JSON text of a tree. */
export function jsonOf(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonOf(v)}`).join(',')}}`;
    case 'array':
      return `[${node.items.map(jsonOf).join(',')}]`;
    case 'value':
      return JSON.stringify(node.value);
  }
}

const obj = (entries: ReadonlyArray<readonly [string, JsonNode]>): JsonNode => ({ kind: 'object', entries });
const val = (value: string | number | boolean | null): JsonNode => ({ kind: 'value', value });

/** Role-like strings: exact, case, whitespace, homoglyph (Cyrillic а, Greek ο) and prefix variants. */
export const ROLE_WORDS = ['admin', 'Admin', 'ADMIN', 'аdmin', 'admin ', ' admin', 'member', 'org:admin', 'org:member', 'org:org:admin', 'adm\u200bin', 'billing', ''] as const;

/** Claim names: ordinary, Clerk's, prototype machinery, homoglyphs. */
export const CLAIM_WORDS = [
  'metadata', 'role', 'roles', 'tier', 'a', 'b', 'o', 'id', 'rol', 'org_id', 'org_role', 'fea', 'v', 'public', 'rоle',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', '0',
] as const;

const primitive: fc.Arbitrary<string | number | boolean | null> = fc.oneof(
  fc.constantFrom<string | number | boolean | null>(...ROLE_WORDS, '1', 'true', 'false', 1, 0, -1, 1.5, 2, 1e21, true, false, null),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Scalars that are equal under `==` but not `===`, empty, falsy: where a loose evaluator would go wrong. */
export const TRICKY_SCALARS: ReadonlyArray<string | number | boolean | null> = ['admin', '1', 1, true, 'true', 0, '0', '', false, 'false', null, 2];

/** The keys `focusedClaims` writes under `metadata`. */
export const FOCUS_KEYS = ['role', 'tier', 'roles', 'a'] as const;

/**
 * A `metadata` object over a few keys and tricky values (scalars, arrays of them, nested objects), so that predicate
 * paths and values meet claims of every type.
 */
export const focusedClaims: fc.Arbitrary<JsonNode> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...FOCUS_KEYS),
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...TRICKY_SCALARS).map(val) },
        { weight: 2, arbitrary: fc.array(fc.constantFrom(...TRICKY_SCALARS).map(val), { maxLength: 4 }).map((items): JsonNode => ({ kind: 'array', items })) },
        { weight: 1, arbitrary: fc.constantFrom(...TRICKY_SCALARS).map((v) => obj([['b', val(v)]])) },
      ),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map(obj);

/** A random claim tree (depth ≤ 4), with occasional huge arrays. */
export const claimTree: fc.Arbitrary<JsonNode> = fc.letrec<{ node: JsonNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: primitive.map(val) },
    { weight: 2, arbitrary: fc.array(tie('node'), { maxLength: 5 }).map((items): JsonNode => ({ kind: 'array', items })) },
    { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom(...CLAIM_WORDS), tie('node')), { maxLength: 5 }).map(obj) },
    // A huge array of small numbers (within the token size limit most of the time).
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 9 }).map(val), { minLength: 100, maxLength: 1500 }).map((items): JsonNode => ({ kind: 'array', items })) },
  ),
})).node;

/** Organization claims (v1 and v2, well-formed or not) as top-level entries, and the session token version. */
export const orgEntries: fc.Arbitrary<Array<[string, JsonNode]>> = fc
  .record(
    {
      v: fc.constantFrom<JsonNode | undefined>(val(2), val(2), val(2), undefined, val('2'), val(1)),
      o: fc.oneof(
        {
          weight: 12,
          arbitrary: fc.record(
            {
              id: fc.oneof({ weight: 9, arbitrary: fc.constantFrom<unknown>('org_123', 'org_123', '', null) }, { weight: 1, arbitrary: fc.constant<unknown>(5) }),
              rol: fc.oneof(
                { weight: 9, arbitrary: fc.constantFrom<unknown>(...ROLE_WORDS, null) },
                { weight: 1, arbitrary: fc.constant<unknown>(7) },
              ),
              per: fc.oneof(
                { weight: 9, arbitrary: fc.constantFrom<unknown>('read,manage', 'read', ' read , manage ', 'manage,read,write', '', null) },
                { weight: 1, arbitrary: fc.constant<unknown>(3) },
              ),
              fpm: fc.oneof(
                fc.constantFrom<unknown>('3,2', '1', '0', '3', '3,2,7', 'x,2', '-1', ' 3 , 2 ', '18446744073709551615', '', null),
                // Decimal masks of realistic width (the quadratic decode of much longer ones is a separate, known issue).
                fc.array(fc.bigInt({ min: 0n, max: 2n ** 90n }), { minLength: 1, maxLength: 4 }).map((m) => m.join(',')),
              ),
              slg: fc.constantFrom<unknown>('acme'),
            },
            { requiredKeys: [] },
          ).map((o) => obj(Object.entries(o).map(([k, v]) => [k, val(v as string | number | null)] as const))),
        },
        { weight: 1, arbitrary: fc.constantFrom<JsonNode | undefined>(undefined, val(null), val('org_123'), { kind: 'array', items: [] }, obj([])) },
      ),
      fea: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<JsonNode | undefined>(undefined, val('o:dashboard,o:impersonation'), val('ou:dashboard'), val('u:dashboard,o:impersonation'), val(' o:dashboard , uo:impersonation '), val(''), val(null)) },
        { weight: 1, arbitrary: fc.constantFrom<JsonNode | undefined>(val('dashboard'), val(1)) },
        {
          weight: 3,
          arbitrary: fc.array(fc.tuple(fc.constantFrom('o', 'o', 'u', 'ou', 'uo', 'x', ''), fc.constantFrom('dashboard', 'impersonation', 'billing')), { maxLength: 4 })
            .map((parts) => val(parts.map(([scope, name]) => `${scope}:${name}`).join(','))),
        },
      ),
      org_id: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom<JsonNode | undefined>(undefined, val('org_123'), val('org_123'), val(''), val(null)) },
        { weight: 1, arbitrary: fc.constant<JsonNode | undefined>(val(5)) },
      ),
      org_role: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom<JsonNode | undefined>(undefined, ...ROLE_WORDS.map(val), val(null)) },
        { weight: 1, arbitrary: fc.constant<JsonNode | undefined>({ kind: 'array', items: [val('org:admin')] }) },
      ),
      org_permissions: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<JsonNode | undefined>(undefined, val(null)) },
        { weight: 1, arbitrary: fc.constantFrom<JsonNode | undefined>(val('org:dashboard:read'), { kind: 'array', items: [val(1)] }) },
        {
          weight: 4,
          arbitrary: fc.array(fc.constantFrom('org:dashboard:read', 'org:dashboard:manage', 'dashboard:read', 'org:impersonation:manage', 'org:sys_memberships:read'), { maxLength: 4 })
            .map((ps): JsonNode => ({ kind: 'array', items: ps.map(val) })),
        },
      ),
    },
    { requiredKeys: [] },
  )
  .map((r) => Object.entries(r).filter((e): e is [string, JsonNode] => e[1] !== undefined));

// ---------------------------------------------------------------------------------------------------------------
// Predicates: the public factories, and what each node means (for an independent reference evaluator)

/** What a predicate means, as a plain tree (built alongside the `ClaimPredicate`, never read back from it). */
export type PredicateSpec =
  | { readonly op: 'eq'; readonly claim: string; readonly value: string | number | boolean }
  | { readonly op: 'in'; readonly claim: string; readonly values: ReadonlyArray<string | number | boolean> }
  | { readonly op: 'contains'; readonly claim: string; readonly value: string | number | boolean }
  | { readonly op: 'exists'; readonly claim: string }
  | { readonly op: 'orgRole'; readonly roles: readonly string[] }
  | { readonly op: 'orgPermission'; readonly permissions: readonly string[] }
  | { readonly op: 'allOf' | 'anyOf' | 'noneOf'; readonly of: readonly PredicateSpec[] };

/** A predicate and its meaning. */
export interface GeneratedPredicate {
  readonly predicate: ClaimPredicate;
  readonly spec: PredicateSpec;
}

const PATH_WORDS = CLAIM_WORDS.filter((w) => w !== '__proto__' && w !== 'constructor' && w !== 'prototype');
const claimPath = fc.oneof(
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...PATH_WORDS), { minLength: 1, maxLength: 3 }).map((s) => s.join('.')) },
  // The paths `focusedClaims` writes, so that conditions meet claims of every type.
  { weight: 3, arbitrary: fc.constantFrom(...FOCUS_KEYS.map((k) => `metadata.${k}`), 'metadata', 'metadata.a.b', 'tier', 'role') },
);
const predicateValue: fc.Arbitrary<string | number | boolean> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom<string | number | boolean>(...ROLE_WORDS, 'org_123', 'org:admin', -1, 1.5) },
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_SCALARS.filter((v): v is string | number | boolean => v !== null)) },
);
const orgRoleKey = fc.constantFrom('admin', 'org:admin', 'member', 'org:member', 'org:org:admin', 'Admin', 'аdmin', 'billing');
const orgPermissionKey = fc.constantFrom(
  'org:dashboard:read', 'dashboard:read', 'org:dashboard:manage', 'org:impersonation:manage', 'org:impersonation:read',
  'org:billing:read', 'org:sys_memberships:read', 'org:org:dashboard:read',
);

/** One condition (no combinator). */
export const leafPredicate: fc.Arbitrary<GeneratedPredicate> = fc.oneof(
  fc.tuple(claimPath, predicateValue).map(([claim, value]) => ({ predicate: ClaimPredicate.claimEquals(claim, value), spec: { op: 'eq', claim, value } as const })),
  fc.tuple(claimPath, fc.array(predicateValue, { minLength: 1, maxLength: 4 })).map(([claim, values]) => ({ predicate: ClaimPredicate.claimIn(claim, values), spec: { op: 'in', claim, values } as const })),
  fc.tuple(claimPath, predicateValue).map(([claim, value]) => ({ predicate: ClaimPredicate.claimContains(claim, value), spec: { op: 'contains', claim, value } as const })),
  claimPath.map((claim) => ({ predicate: ClaimPredicate.claimExists(claim), spec: { op: 'exists', claim } as const })),
  fc.array(fc.constantFrom(...ROLE_WORDS.filter((r) => r !== '')), { minLength: 1, maxLength: 3 })
    .map((roles) => ({ predicate: ClaimPredicate.role(...roles), spec: { op: 'in', claim: 'metadata.role', values: roles } as const })),
  fc.array(orgRoleKey, { minLength: 1, maxLength: 3 }).map((roles) => ({ predicate: ClaimPredicate.orgRole(...roles), spec: { op: 'orgRole', roles } as const })),
  fc.array(orgPermissionKey, { minLength: 1, maxLength: 3 })
    .map((permissions) => ({ predicate: ClaimPredicate.orgPermission(...permissions), spec: { op: 'orgPermission', permissions } as const })),
);

/** A random predicate: leaves combined with allOf/anyOf/noneOf, up to three levels. */
export const generatedPredicate: fc.Arbitrary<GeneratedPredicate> = fc.letrec<{ p: GeneratedPredicate }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
    { weight: 3, arbitrary: leafPredicate },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom<'allOf' | 'anyOf' | 'noneOf'>('allOf', 'anyOf', 'noneOf'), fc.array(tie('p'), { minLength: 1, maxLength: 3 })).map(([op, children]) => ({
        predicate: ClaimPredicate[op](...children.map((c) => c.predicate)),
        spec: { op, of: children.map((c) => c.spec) },
      })),
    },
  ),
})).p;
