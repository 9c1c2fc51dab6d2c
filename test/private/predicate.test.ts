import { createCheckAuthorization } from '@clerk/shared/authorization';
import { __experimental_JWTPayloadToAuthObjectProperties as clerkAuthObject } from '@clerk/shared/jwtPayloadParser';
import * as fc from 'fast-check';
import { evaluatePredicate } from '../../src/private/lambda/evaluate';
import {
  decimalToBits,
  decodeOrganization,
  hasOrgPermission,
  hasOrgRole,
  OrganizationClaims,
} from '../../src/private/lambda/organization';
import { parsePredicate, PredicateNode, validatePredicate } from '../../src/private/predicate';

/** Clerk's own verdict for `has(params)` on a payload, via @clerk/shared's parser and authorization check. */
function clerkHas(payload: Record<string, unknown>, params: { role?: string; permission?: string }): boolean | 'throws' {
  let auth: ReturnType<typeof clerkAuthObject>;
  try {
    auth = clerkAuthObject(payload as never);
  } catch {
    return 'throws';
  }
  const has = createCheckAuthorization({
    userId: 'user_123',
    orgId: auth.orgId,
    orgRole: auth.orgRole,
    orgPermissions: auth.orgPermissions,
    factorVerificationAge: null,
    features: undefined,
    plans: undefined,
  } as never);
  return has(params as never);
}

function ours(payload: Record<string, unknown>, params: { role?: string; permission?: string }): boolean | 'refused' {
  const org = decodeOrganization(payload);
  if (org === undefined) return 'refused';
  if (params.role !== undefined) return hasOrgRole(org, params.role);
  return hasOrgPermission(org, params.permission!);
}

const V2_ADMIN = {
  sub: 'user_123',
  sid: 'sess_123',
  v: 2,
  fea: 'o:dashboard,o:impersonation',
  o: { id: 'org_123', slg: 'acme', rol: 'admin', per: 'read,manage', fpm: '3,2' },
};
const V1_ADMIN = {
  sub: 'user_123',
  sid: 'sess_123',
  org_id: 'org_123',
  org_role: 'org:admin',
  org_slug: 'acme',
  org_permissions: ['org:dashboard:read'],
};

describe('decodeOrganization', () => {
  test('v2: the FACTS.md example decodes to the documented permissions', () => {
    expect(decodeOrganization(V2_ADMIN)).toEqual({
      id: 'org_123',
      role: 'org:admin',
      permissions: ['org:dashboard:read', 'org:dashboard:manage', 'org:impersonation:manage'],
    });
  });

  test('v1: claims are taken as they are', () => {
    expect(decodeOrganization(V1_ADMIN)).toEqual({ id: 'org_123', role: 'org:admin', permissions: ['org:dashboard:read'] });
  });

  test.each<[string, Record<string, unknown>, OrganizationClaims | undefined]>([
    ['v2 without o', { v: 2 }, { id: '', role: '', permissions: [] }],
    ['v2 with o null', { v: 2, o: null }, { id: '', role: '', permissions: [] }],
    ['v2 o without id', { v: 2, o: { rol: 'admin', per: 'read', fpm: '1' }, fea: 'o:x' }, { id: '', role: '', permissions: [] }],
    ['v2 o without rol', { v: 2, o: { id: 'org_1' } }, { id: 'org_1', role: '', permissions: [] }],
    ['v2 user-scoped features grant no org permission', { v: 2, o: { id: 'o', rol: 'a', per: 'read', fpm: '1' }, fea: 'u:x' }, { id: 'o', role: 'org:a', permissions: [] }],
    ['v2 ou/uo features count for the org', { v: 2, o: { id: 'o', rol: 'a', per: 'read', fpm: '1,1' }, fea: 'ou:x,uo:y' }, { id: 'o', role: 'org:a', permissions: ['org:x:read', 'org:y:read'] }],
    ['v2 fpm entry not decimal grants nothing for that feature', { v: 2, o: { id: 'o', rol: 'a', per: 'read', fpm: 'x,1' }, fea: 'o:f,o:g' }, { id: 'o', role: 'org:a', permissions: ['org:g:read'] }],
    ['v2 fpm bits beyond per are ignored', { v: 2, o: { id: 'o', rol: 'a', per: 'read', fpm: '7' }, fea: 'o:f' }, { id: 'o', role: 'org:a', permissions: ['org:f:read'] }],
    ['v2 more features than masks', { v: 2, o: { id: 'o', rol: 'a', per: 'read', fpm: '1' }, fea: 'o:f,o:g' }, { id: 'o', role: 'org:a', permissions: ['org:f:read'] }],
    ['v2 o is not an object', { v: 2, o: 'org_1' }, undefined],
    ['v2 o.id is a number', { v: 2, o: { id: 1 } }, undefined],
    ['v2 o.rol is a number', { v: 2, o: { id: 'o', rol: 1 } }, undefined],
    ['v2 fea element without a scope (Clerk throws)', { v: 2, o: { id: 'o', rol: 'a', per: 'r', fpm: '1' }, fea: 'dashboard' }, undefined],
    ['v2 fea is an array', { v: 2, o: { id: 'o' }, fea: ['o:x'] }, undefined],
    ['v "2" (string) reads v1 claims', { v: '2', org_id: 'o', org_role: 'org:a', o: { id: 'x', rol: 'b' } }, { id: 'o', role: 'org:a', permissions: [] }],
    ['v1 without org', {}, { id: '', role: '', permissions: [] }],
    ['v1 org_id empty', { org_id: '', org_role: 'org:admin' }, { id: '', role: '', permissions: [] }],
    ['v1 org_permissions not an array', { org_id: 'o', org_permissions: 'org:x:read' }, undefined],
    ['v1 org_permissions with a number', { org_id: 'o', org_permissions: ['org:x:read', 1] }, undefined],
    ['v1 org_role an array', { org_id: 'o', org_role: ['org:admin'] }, undefined],
  ])('%s', (_name, payload, expected) => {
    expect(decodeOrganization(payload)).toEqual(expected);
  });

  test('decimalToBits decodes masks wider than 53 bits exactly', () => {
    const big = 2n ** 70n + 5n;
    const bits = decimalToBits(big.toString(), 71);
    expect(bits.length).toBe(71);
    expect(bits.slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(bits[70]).toBe(1);
    expect(bits.slice(3, 70).every((b) => b === 0)).toBe(true);
    expect(decimalToBits('0007', 4)).toEqual([1, 1, 1, 0]);
    expect(decimalToBits('0', 2)).toEqual([0, 0]);
    expect(decimalToBits('-1', 3)).toEqual([]);
    expect(decimalToBits('1e3', 3)).toEqual([]);
    expect(decimalToBits(' 1', 3)).toEqual([]);
  });

  test('a 5,500-digit mask decodes as fast as a short one (linear, not quadratic)', () => {
    // Not a timing assertion: the same answer as a short mask with the same low bits proves the reduction; the
    // jest timeout guards the cost (the quadratic decoder takes seconds on this input).
    const long = `${'9'.repeat(5499)}7`;
    expect(decimalToBits(long, 3)).toEqual(decimalToBits(String(BigInt(long) % 8n), 3));
    const org = decodeOrganization({ v: 2, fea: 'o:f', o: { id: 'o', rol: 'a', per: 'x,y,z', fpm: long } });
    // ...997 mod 8 = 5 = 0b101.
    expect(org).toEqual({ id: 'o', role: 'org:a', permissions: ['org:f:x', 'org:f:z'] });
  }, 2000);
});

describe('has({ role }) / has({ permission }) agree with @clerk/shared', () => {
  const ROLES = ['admin', 'org:admin', 'org:org:admin', 'Admin', 'ADMIN', '\u0430dmin', 'admin ', 'member', 'org:member', 'billing'];
  const PERMISSIONS = [
    'org:dashboard:read', 'dashboard:read', 'org:org:dashboard:read', 'org:dashboard:manage', 'org:impersonation:manage',
    'org:impersonation:read', 'org:Dashboard:read', 'org:dashboard:read ', 'org:sys_memberships:manage', 'org:x:read',
  ];
  const PAYLOADS: Array<[string, Record<string, unknown>]> = [
    ['v2 admin', V2_ADMIN],
    ['v1 admin', V1_ADMIN],
    ['v2 member', { ...V2_ADMIN, o: { ...V2_ADMIN.o, rol: 'member', fpm: '1,0' } }],
    ['v2 rol already prefixed', { ...V2_ADMIN, o: { ...V2_ADMIN.o, rol: 'org:admin' } }],
    ['v1 role without prefix', { ...V1_ADMIN, org_role: 'admin' }],
    ['v2 no active org', { sub: 'user_123', sid: 's', v: 2 }],
    ['v1 no active org', { sub: 'user_123', sid: 's' }],
    ['v2 org without id', { ...V2_ADMIN, o: { rol: 'admin', per: 'read', fpm: '1' } }],
    ['v1 role without org id', { sub: 'user_123', org_role: 'org:admin', org_permissions: ['org:dashboard:read'] }],
    ['v2 empty per/fpm', { ...V2_ADMIN, o: { id: 'org_1', rol: 'admin', per: '', fpm: '' } }],
    ['v2 spaces in per/fpm/fea', { ...V2_ADMIN, fea: ' o:dashboard , o:impersonation', o: { id: 'o', rol: 'admin', per: ' read , manage', fpm: ' 3 , 2 ' } }],
  ];
  const cases = PAYLOADS.flatMap(([name, payload]) => [
    ...ROLES.map((role) => [name, payload, { role }] as const),
    ...PERMISSIONS.map((permission) => [name, payload, { permission }] as const),
  ]);

  test.each(cases)('%s: %j', (_name, payload, params) => {
    expect(ours(payload, params)).toBe(clerkHas(payload, params));
  });

  test('random v1 and v2 organization claims (property)', () => {
    const word = fc.constantFrom('read', 'manage', 'write', 'admin', 'member', 'x', '');
    const feature = fc.oneof(
      fc.constantFrom('dashboard', 'impersonation', 'billing').chain((f) => fc.constantFrom(`o:${f}`, `u:${f}`, `ou:${f}`, `uo:${f}`)),
      fc.constantFrom('nocolon', 'z:odd', ' o:spaced '),
    );
    const mask = fc.oneof(fc.bigInt({ min: 0n, max: (2n ** 70n) }).map(String), fc.constantFrom('x', '', '-1', '007'));
    const v2 = fc.record(
      {
        v: fc.constant(2),
        fea: fc.array(feature, { maxLength: 4 }).map((a) => a.join(',')),
        o: fc.record(
          {
            id: fc.constantFrom('org_1', ''),
            rol: fc.constantFrom('admin', 'org:admin', 'member', ''),
            per: fc.array(word, { maxLength: 4 }).map((a) => a.join(',')),
            fpm: fc.array(mask, { maxLength: 4 }).map((a) => a.join(',')),
          },
          { requiredKeys: ['id'] },
        ),
      },
      { requiredKeys: ['v'] },
    );
    const v1 = fc.record(
      {
        org_id: fc.constantFrom('org_1', ''),
        org_role: fc.constantFrom('org:admin', 'admin', 'org:member'),
        org_permissions: fc.array(fc.constantFrom('org:dashboard:read', 'org:billing:manage', 'dashboard:read'), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    const query = fc.oneof(
      fc.constantFrom('admin', 'org:admin', 'member', 'Admin').map((role) => ({ role })),
      fc.constantFrom('org:dashboard:read', 'dashboard:manage', 'org:billing:write', 'org:x:admin', 'org:impersonation:').map((permission) => ({ permission })),
    );
    fc.assert(
      fc.property(fc.oneof(v2, v1), query, (claims, params) => {
        const payload = { sub: 'user_123', sid: 'sess_1', ...claims } as Record<string, unknown>;
        const clerk = clerkHas(payload, params);
        const mine = ours(payload, params);
        // Where Clerk's parser throws (a fea element without scope), the handler refuses the token outright.
        if (clerk === 'throws') return mine === 'refused';
        return mine === clerk;
      }),
      { numRuns: 3000 },
    );
  });

  test('decoded permissions equal @clerk/shared orgPermissions whenever there is an active org (property)', () => {
    const word = fc.constantFrom('read', 'manage', 'write', 'x');
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('o:a', 'o:b', 'u:c', 'ou:d', 'uo:e'), { maxLength: 5 }),
        fc.array(word, { maxLength: 5 }),
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 60n }).map(String), fc.stringMatching(/^[0-9]{1,300}$/)), { maxLength: 5 }),
        (fea, per, fpm) => {
          const payload = { v: 2, fea: fea.join(','), o: { id: 'org_1', rol: 'admin', per: per.join(','), fpm: fpm.join(',') } };
          const clerk = clerkAuthObject(payload as never);
          const org = decodeOrganization(payload)!;
          expect(org.role).toBe(clerk.orgRole);
          expect(org.permissions).toEqual(clerk.orgPermissions);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('evaluatePredicate', () => {
  const payload = {
    sub: 'user_123',
    metadata: { role: 'admin', level: 3, beta: true, tags: ['a', 'b', 1], nested: { deep: 'x' }, nothing: null },
    roles: ['editor'],
    count: 1,
    flag: 'true',
    __proto__: { polluted: 'yes' },
  } as unknown as Record<string, unknown>;
  // JSON.parse makes `__proto__` an own data property, as in a real token.
  const parsed = JSON.parse('{"sub":"user_123","__proto__":{"role":"admin"},"constructor":{"role":"admin"},"metadata":{"role":"admin"}}');
  const org = decodeOrganization(V2_ADMIN)!;
  const noOrg = decodeOrganization({})!;

  const eq = (claim: string, value: string | number | boolean): PredicateNode => ({ op: 'eq', claim, value });
  test.each<[string, PredicateNode, Record<string, unknown>, boolean]>([
    ['eq string', eq('metadata.role', 'admin'), payload, true],
    ['eq is case-sensitive', eq('metadata.role', 'Admin'), payload, false],
    ['eq homoglyph', eq('metadata.role', '\u0430dmin'), payload, false],
    ['eq number', eq('metadata.level', 3), payload, true],
    ['eq number is not string', eq('metadata.level', '3'), payload, false],
    ['eq string is not number', eq('flag', true), payload, false],
    ['eq boolean', eq('metadata.beta', true), payload, true],
    ['signedIn always holds', { op: 'signedIn' }, payload, true],
    ['signedIn holds on an empty payload', { op: 'signedIn' }, {}, true],
    ['noneOf(signedIn) never holds', { op: 'noneOf', of: [{ op: 'signedIn' }] }, payload, false],
    ['eq 1 is not true', eq('count', true), payload, false],
    ['eq missing claim', eq('metadata.missing', 'x'), payload, false],
    ['eq through a non-object', eq('metadata.role.length', 5), payload, false],
    ['eq on an object claim', eq('metadata.nested', 'x'), payload, false],
    ['eq nested', eq('metadata.nested.deep', 'x'), payload, true],
    ['eq never walks arrays', eq('metadata.tags.0', 'a'), payload, false],
    ['eq never reads inherited keys', eq('polluted', 'yes'), payload, false],
    ['eq never reads toString', eq('metadata.toString', 'x'), payload, false],
    ['in', { op: 'in', claim: 'metadata.role', values: ['member', 'admin'] }, payload, true],
    ['in, none', { op: 'in', claim: 'metadata.role', values: ['member'] }, payload, false],
    ['in strict types', { op: 'in', claim: 'metadata.level', values: ['3', true] }, payload, false],
    ['in on an array claim', { op: 'in', claim: 'roles', values: ['editor'] }, payload, false],
    ['contains', { op: 'contains', claim: 'metadata.tags', value: 'b' }, payload, true],
    ['contains number', { op: 'contains', claim: 'metadata.tags', value: 1 }, payload, true],
    ['contains strict', { op: 'contains', claim: 'metadata.tags', value: '1' }, payload, false],
    ['contains is not substring', { op: 'contains', claim: 'metadata.role', value: 'adm' }, payload, false],
    ['contains on missing', { op: 'contains', claim: 'nope', value: 'a' }, payload, false],
    ['exists', { op: 'exists', claim: 'metadata.beta' }, payload, true],
    ['exists null is absent', { op: 'exists', claim: 'metadata.nothing' }, payload, false],
    ['exists missing', { op: 'exists', claim: 'metadata.nope' }, payload, false],
    ['exists inherited', { op: 'exists', claim: 'polluted' }, payload, false],
    ['parsed payload still evaluates', eq('metadata.role', 'admin'), parsed, true],
    ['allOf', { op: 'allOf', of: [eq('metadata.role', 'admin'), eq('metadata.beta', true)] }, payload, true],
    ['allOf one fails', { op: 'allOf', of: [eq('metadata.role', 'admin'), eq('metadata.beta', false)] }, payload, false],
    ['anyOf', { op: 'anyOf', of: [eq('metadata.role', 'x'), eq('metadata.beta', true)] }, payload, true],
    ['anyOf none', { op: 'anyOf', of: [eq('metadata.role', 'x'), eq('metadata.beta', false)] }, payload, false],
    ['noneOf', { op: 'noneOf', of: [eq('metadata.role', 'x')] }, payload, true],
    ['noneOf one holds', { op: 'noneOf', of: [eq('metadata.role', 'admin')] }, payload, false],
    ['noneOf on a missing claim holds', { op: 'noneOf', of: [eq('banned', true)] }, payload, true],
  ])('%s', (_name, node, p, expected) => {
    expect(evaluatePredicate(validatePredicate(JSON.parse(JSON.stringify(node))), p, noOrg)).toBe(expected);
  });

  test('a node of an unknown op never passes, even one that skipped validation', () => {
    const unknown = { op: 'regex', claim: 'sub', value: '.*' } as unknown as PredicateNode;
    expect(evaluatePredicate(unknown, payload, noOrg)).toBe(false);
    expect(evaluatePredicate({ op: 'anyOf', of: [unknown] }, payload, noOrg)).toBe(false);
  });

  test('__proto__ and constructor are never walked, even by a node that skipped validation', () => {
    expect(parsed.__proto__).toEqual({ role: 'admin' });
    expect(evaluatePredicate(eq('__proto__.role', 'admin'), parsed, noOrg)).toBe(false);
    expect(evaluatePredicate(eq('constructor.role', 'admin'), parsed, noOrg)).toBe(false);
    expect(evaluatePredicate({ op: 'exists', claim: 'prototype' }, { prototype: 1 }, noOrg)).toBe(false);
  });

  test.each<[string, PredicateNode, OrganizationClaims, boolean]>([
    ['orgRole with prefix', { op: 'orgRole', roles: ['org:admin'] }, org, true],
    ['orgRole without prefix', { op: 'orgRole', roles: ['admin'] }, org, true],
    ['orgRole one of', { op: 'orgRole', roles: ['member', 'admin'] }, org, true],
    ['orgRole case', { op: 'orgRole', roles: ['Admin'] }, org, false],
    ['orgRole no org', { op: 'orgRole', roles: ['admin'] }, noOrg, false],
    ['orgPermission all held', { op: 'orgPermission', permissions: ['org:dashboard:read', 'impersonation:manage'] }, org, true],
    ['orgPermission one missing', { op: 'orgPermission', permissions: ['org:dashboard:read', 'org:impersonation:read'] }, org, false],
    ['orgPermission no org', { op: 'orgPermission', permissions: ['org:dashboard:read'] }, noOrg, false],
  ])('%s', (_name, node, o, expected) => {
    expect(evaluatePredicate(validatePredicate(node), { sub: 'user_123' }, o)).toBe(expected);
  });
});

describe('parsePredicate (CLERK_PREDICATE)', () => {
  test('round-trips a valid predicate', () => {
    const json = '{"op":"anyOf","of":[{"op":"in","claim":"metadata.role","values":["admin",1,true]},{"op":"orgPermission","permissions":["org:x:read"]}]}';
    expect(JSON.stringify(parsePredicate(json))).toBe(json);
  });

  const deep = (n: number): unknown => (n === 0 ? { op: 'exists', claim: 'a' } : { op: 'allOf', of: [deep(n - 1)] });
  test.each<[string, string, string]>([
    ['empty', '', 'must be a JSON predicate, got an empty value'],
    ['not JSON', '{op:', 'must be valid JSON'],
    ['too long', JSON.stringify({ op: 'in', claim: 'a', values: ['x'.repeat(5000)] }), 'must be at most 4096 characters, got: 5037'],
    ['not an object', '[]', '$ must be an object'],
    ['unknown op', '{"op":"regex","claim":"a","value":"x"}', '$.op must be one of eq, in, contains, exists, orgRole, orgPermission, signedIn, scope, tokenType, allOf, anyOf, noneOf, got: "regex"'],
    ['inherited op name', '{"op":"toString"}', '$.op must be one of eq, in, contains, exists, orgRole, orgPermission, signedIn, scope, tokenType, allOf, anyOf, noneOf, got: "toString"'],
    ['extra key', '{"op":"exists","claim":"a","value":1}', '$ has an unknown key for exists: value'],
    ['signedIn with a key', '{"op":"signedIn","claim":"a"}', '$ has an unknown key for signedIn: claim'],
    ['__proto__ key', '{"op":"exists","claim":"a","__proto__":{}}', '$ has an unknown key for exists: __proto__'],
    ['missing key', '{"op":"eq","claim":"a"}', '$.value is missing'],
    ['bad path', '{"op":"eq","claim":"a..b","value":1}', '$.claim must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, none of them __proto__, constructor or prototype, got: "a..b"'],
    ['__proto__ path', '{"op":"exists","claim":"metadata.__proto__"}', '$.claim must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, none of them __proto__, constructor or prototype, got: "metadata.__proto__"'],
    ['object value', '{"op":"eq","claim":"a","value":{}}', '$.value must be a string of at most 1024 characters, a finite number or a boolean, got: {}'],
    ['2^53', '{"op":"eq","claim":"a","value":9007199254740992}', '$.value must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: 9007199254740992'],
    ['2^53 in values', '{"op":"in","claim":"a","values":[1,-9007199254740993]}', '$.values[1] must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: -9007199254740992'],
    ['null in values', '{"op":"in","claim":"a","values":["x",null]}', '$.values[1] must be a string of at most 1024 characters, a finite number or a boolean, got: null'],
    ['empty values', '{"op":"in","claim":"a","values":[]}', '$.values must be an array of 1 to 50 entries'],
    ['empty of', '{"op":"allOf","of":[]}', '$.of must be an array of 1 to 50 entries'],
    ['bad role', '{"op":"orgRole","roles":["org:"]}', '$.roles[0] must be a key such as org:admin, without whitespace, not empty after the optional org: prefix, got: "org:"'],
    ['bad child', '{"op":"noneOf","of":[{"op":"eq"}]}', '$.of[0].claim is missing'],
    ['scope with a space', '{"op":"scope","scopes":["mcp read"]}', '$.scopes[0] must be OAuth scope names (printable ASCII without spaces, quotes or backslashes), got: "mcp read"'],
    ['scope with a quote', '{"op":"scope","scopes":["a\\"b"]}', '$.scopes[0] must be OAuth scope names (printable ASCII without spaces, quotes or backslashes), got: "a\\"b"'],
    ['empty scope', '{"op":"scope","scopes":[""]}', '$.scopes[0] must be OAuth scope names (printable ASCII without spaces, quotes or backslashes), got: ""'],
    ['no scopes', '{"op":"scope","scopes":[]}', '$.scopes must be an array of 1 to 50 entries'],
    ['unknown token type', '{"op":"tokenType","types":["api_key"]}', '$.types[0] must be one of session_token, oauth_token, m2m_token, got: "api_key"'],
    ['too deep', JSON.stringify(deep(8)), 'must have at most 200 nodes, nested at most 8 deep (exceeded at $.of[0].of[0].of[0].of[0].of[0].of[0].of[0].of[0])'],
  ])('refuses %s', (_name, json, message) => {
    expect(() => parsePredicate(json)).toThrow(new Error(message));
  });

  test('refuses more than 200 nodes', () => {
    const leaf = { op: 'exists', claim: 'a' };
    const wide = { op: 'anyOf', of: Array.from({ length: 5 }, () => ({ op: 'anyOf', of: Array.from({ length: 50 }, () => leaf) })) };
    expect(() => validatePredicate(wide)).toThrow(/^must have at most 200 nodes/);
  });
});
