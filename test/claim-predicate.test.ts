import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkTokenType } from '../src/clerk-token-type';
import { evaluatePredicate } from '../src/private/lambda/evaluate';
import { decodeOrganization } from '../src/private/lambda/organization';
import { parsePredicate } from '../src/private/predicate';

const CLAIM_RULE =
  'must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, none of them __proto__, constructor or prototype';
const VALUE_RULE = 'must be a string of at most 1024 characters, a finite number or a boolean';
const ORG_KEY_RULE = 'must be a key such as org:admin, without whitespace, not empty after the optional org: prefix';
const SCOPE_RULE = 'must be OAuth scope names (printable ASCII without spaces, quotes or backslashes)';

/** Render → parse (as the handler does at cold start) → evaluate. */
function holds(p: ClaimPredicate, payload: Record<string, unknown>): boolean {
  const org = decodeOrganization(payload);
  if (org === undefined) throw new Error('test payload has malformed org claims');
  return evaluatePredicate(parsePredicate(p.toJson()), payload, org);
}

describe('rendering', () => {
  test.each<[string, ClaimPredicate, unknown]>([
    ['claimEquals', ClaimPredicate.claimEquals('metadata.tier', 'gold'), { op: 'eq', claim: 'metadata.tier', value: 'gold' }],
    ['claimEquals number', ClaimPredicate.claimEquals('metadata.level', 3), { op: 'eq', claim: 'metadata.level', value: 3 }],
    ['claimEquals boolean', ClaimPredicate.claimEquals('metadata.beta', false), { op: 'eq', claim: 'metadata.beta', value: false }],
    ['claimIn', ClaimPredicate.claimIn('metadata.tier', ['gold', 1, true]), { op: 'in', claim: 'metadata.tier', values: ['gold', 1, true] }],
    ['claimContains', ClaimPredicate.claimContains('metadata.roles', 'editor'), { op: 'contains', claim: 'metadata.roles', value: 'editor' }],
    ['claimExists', ClaimPredicate.claimExists('metadata.onboarded'), { op: 'exists', claim: 'metadata.onboarded' }],
    ['role', ClaimPredicate.role('admin', 'owner'), { op: 'in', claim: 'metadata.role', values: ['admin', 'owner'] }],
    ['orgRole', ClaimPredicate.orgRole('org:admin', 'billing'), { op: 'orgRole', roles: ['org:admin', 'billing'] }],
    ['orgPermission', ClaimPredicate.orgPermission('org:invoices:read'), { op: 'orgPermission', permissions: ['org:invoices:read'] }],
    ['scope', ClaimPredicate.scope('mcp:read', 'profile'), { op: 'scope', scopes: ['mcp:read', 'profile'] }],
    ['tokenType', ClaimPredicate.tokenType(ClerkTokenType.OAUTH_TOKEN, ClerkTokenType.M2M_TOKEN), { op: 'tokenType', types: ['oauth_token', 'm2m_token'] }],
    [
      'allOf / anyOf / noneOf',
      ClaimPredicate.allOf(ClaimPredicate.anyOf(ClaimPredicate.role('a')), ClaimPredicate.noneOf(ClaimPredicate.claimExists('banned'))),
      {
        op: 'allOf',
        of: [
          { op: 'anyOf', of: [{ op: 'in', claim: 'metadata.role', values: ['a'] }] },
          { op: 'noneOf', of: [{ op: 'exists', claim: 'banned' }] },
        ],
      },
    ],
  ])('%s renders its wire format, which the handler accepts', (_name, predicate, wire) => {
    expect(JSON.parse(predicate.toJson())).toEqual(wire);
    expect(parsePredicate(predicate.toJson())).toEqual(wire);
  });

  test('the factory keeps its own copy of the values', () => {
    const values = ['gold'];
    const p = ClaimPredicate.claimIn('tier', values);
    values.push('silver');
    expect(JSON.parse(p.toJson()).values).toEqual(['gold']);
  });
});

describe('render → evaluate round trips', () => {
  const admin = { sub: 'user_1', sid: 'sess_1', metadata: { role: 'admin', tier: 'gold', level: 3, roles: ['editor'], beta: true } };
  const v2Org = {
    sub: 'user_1',
    sid: 'sess_1',
    v: 2,
    fea: 'o:invoices,o:reports',
    o: { id: 'org_1', rol: 'billing', per: 'read,manage', fpm: '3,1' },
  };
  const v1Org = { sub: 'user_1', sid: 'sess_1', org_id: 'org_1', org_role: 'org:billing', org_permissions: ['org:invoices:read'] };

  test.each<[string, ClaimPredicate, Record<string, unknown>, boolean]>([
    ['role holds', ClaimPredicate.role('admin'), admin, true],
    ['role one of', ClaimPredicate.role('owner', 'admin'), admin, true],
    ['role case differs', ClaimPredicate.role('Admin'), admin, false],
    ['role homoglyph', ClaimPredicate.role('\u0430dmin'), admin, false],
    ['role with a trailing space', ClaimPredicate.role('admin '), admin, false],
    ['role missing metadata', ClaimPredicate.role('admin'), { sub: 'u' }, false],
    ['role not a string', ClaimPredicate.role('1'), { metadata: { role: 1 } }, false],
    ['role as an array is not a role', ClaimPredicate.role('admin'), { metadata: { role: ['admin'] } }, false],
    ['claimEquals number strict', ClaimPredicate.claimEquals('metadata.level', '3'), admin, false],
    ['claimEquals number', ClaimPredicate.claimEquals('metadata.level', 3), admin, true],
    ['claimContains', ClaimPredicate.claimContains('metadata.roles', 'editor'), admin, true],
    ['claimExists', ClaimPredicate.claimExists('metadata.beta'), admin, true],
    ['noneOf banned, claim absent', ClaimPredicate.noneOf(ClaimPredicate.claimEquals('metadata.banned', true)), admin, true],
    ['orgRole v2 without prefix', ClaimPredicate.orgRole('billing'), v2Org, true],
    ['orgRole v2 with prefix', ClaimPredicate.orgRole('org:billing'), v2Org, true],
    ['orgRole v1', ClaimPredicate.orgRole('billing'), v1Org, true],
    ['orgRole other', ClaimPredicate.orgRole('org:admin'), v2Org, false],
    ['orgRole without org', ClaimPredicate.orgRole('org:admin'), admin, false],
    ['orgPermission v2 decoded', ClaimPredicate.orgPermission('org:invoices:manage', 'org:reports:read'), v2Org, true],
    ['orgPermission v2 bit not set', ClaimPredicate.orgPermission('org:reports:manage'), v2Org, false],
    ['orgPermission requires all', ClaimPredicate.orgPermission('org:invoices:read', 'org:reports:manage'), v2Org, false],
    ['anyOf for any permission', ClaimPredicate.anyOf(ClaimPredicate.orgPermission('org:reports:manage'), ClaimPredicate.orgPermission('org:invoices:read')), v2Org, true],
    ['orgPermission v1', ClaimPredicate.orgPermission('invoices:read'), v1Org, true],
    ['allOf mixed', ClaimPredicate.allOf(ClaimPredicate.role('admin'), ClaimPredicate.claimEquals('metadata.tier', 'gold')), admin, true],
  ])('%s', (_name, predicate, payload, expected) => {
    expect(holds(predicate, payload)).toBe(expected);
  });
});

describe('factories refuse bad arguments', () => {
  test.each<[string, () => ClaimPredicate, string]>([
    ['empty claim', () => ClaimPredicate.claimExists(''), `\`claim\` ${CLAIM_RULE}, got: ""`],
    ['empty segment', () => ClaimPredicate.claimEquals('metadata..role', 'x'), `\`claim\` ${CLAIM_RULE}, got: "metadata..role"`],
    ['trailing dot', () => ClaimPredicate.claimEquals('metadata.', 'x'), `\`claim\` ${CLAIM_RULE}, got: "metadata."`],
    ['whitespace', () => ClaimPredicate.claimEquals('metadata .role', 'x'), `\`claim\` ${CLAIM_RULE}, got: "metadata .role"`],
    ['__proto__', () => ClaimPredicate.claimEquals('__proto__.role', 'x'), `\`claim\` ${CLAIM_RULE}, got: "__proto__.role"`],
    ['constructor', () => ClaimPredicate.claimExists('metadata.constructor'), `\`claim\` ${CLAIM_RULE}, got: "metadata.constructor"`],
    ['prototype', () => ClaimPredicate.claimContains('prototype', 'x'), `\`claim\` ${CLAIM_RULE}, got: "prototype"`],
    ['too many segments', () => ClaimPredicate.claimExists('a.b.c.d.e.f.g.h.i.j.k'), `\`claim\` ${CLAIM_RULE}, got: "a.b.c.d.e.f.g.h.i.j.k"`],
    ['NaN', () => ClaimPredicate.claimEquals('a', NaN), `\`value\` ${VALUE_RULE}, got: NaN`],
    ['Infinity', () => ClaimPredicate.claimContains('a', Infinity), `\`value\` ${VALUE_RULE}, got: Infinity`],
    ['2^53', () => ClaimPredicate.claimEquals('a', 2 ** 53), '`value` must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: 9007199254740992'],
    ['-(2^53)', () => ClaimPredicate.claimContains('a', -(2 ** 53)), '`value` must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: -9007199254740992'],
    ['1e20 in values', () => ClaimPredicate.claimIn('a', [1, 1e20]), '`values` entries must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: 100000000000000000000'],
    ['null value', () => ClaimPredicate.claimEquals('a', null as unknown as string), `\`value\` ${VALUE_RULE}, got: null`],
    ['object value', () => ClaimPredicate.claimEquals('a', {} as unknown as string), `\`value\` ${VALUE_RULE}, got: {}`],
    ['no values', () => ClaimPredicate.claimIn('a', []), '`values` must list 1 to 50 entries, got: 0'],
    ['51 values', () => ClaimPredicate.claimIn('a', Array.from({ length: 51 }, (_, i) => i)), '`values` must list 1 to 50 entries, got: 51'],
    ['bad entry', () => ClaimPredicate.claimIn('a', ['x', undefined as unknown as string]), `\`values\` entries ${VALUE_RULE}, got: undefined`],
    ['no roles', () => ClaimPredicate.role(), '`roles` must list 1 to 50 entries, got: 0'],
    ['empty role', () => ClaimPredicate.role(''), '`roles` entries must be non-empty strings of at most 1024 characters, got: ""'],
    ['numeric role', () => ClaimPredicate.role(1 as unknown as string), '`roles` entries must be non-empty strings of at most 1024 characters, got: 1'],
    ['no org roles', () => ClaimPredicate.orgRole(), '`roles` must list 1 to 50 entries, got: 0'],
    ['org: alone', () => ClaimPredicate.orgRole('org:'), `\`roles\` entries ${ORG_KEY_RULE}, got: "org:"`],
    ['org role with a space', () => ClaimPredicate.orgRole('org:admin '), `\`roles\` entries ${ORG_KEY_RULE}, got: "org:admin "`],
    ['no permissions', () => ClaimPredicate.orgPermission(), '`permissions` must list 1 to 50 entries, got: 0'],
    ['empty permission', () => ClaimPredicate.orgPermission(''), `\`permissions\` entries ${ORG_KEY_RULE}, got: ""`],
    ['allOf()', () => ClaimPredicate.allOf(), '`predicates` must list 1 to 50 entries, got: 0'],
    ['anyOf()', () => ClaimPredicate.anyOf(), '`predicates` must list 1 to 50 entries, got: 0'],
    ['noneOf()', () => ClaimPredicate.noneOf(), '`predicates` must list 1 to 50 entries, got: 0'],
    ['null operand', () => ClaimPredicate.anyOf(null as unknown as ClaimPredicate), '`predicates` entries must be ClaimPredicate instances, got: null'],
    ['no scopes', () => ClaimPredicate.scope(), '`scopes` must list 1 to 50 entries, got: 0'],
    ['scope with a space', () => ClaimPredicate.scope('mcp read'), `\`scopes\` entries ${SCOPE_RULE}, got: "mcp read"`],
    ['empty scope', () => ClaimPredicate.scope(''), `\`scopes\` entries ${SCOPE_RULE}, got: ""`],
    ['scope with a backslash', () => ClaimPredicate.scope('a\\b'), `\`scopes\` entries ${SCOPE_RULE}, got: "a\\\\b"`],
    ['no token types', () => ClaimPredicate.tokenType(), '`types` must list 1 to 3 distinct token types, got: 0'],
    ['a token type twice', () => ClaimPredicate.tokenType(ClerkTokenType.M2M_TOKEN, ClerkTokenType.M2M_TOKEN), '`types` must list 1 to 3 distinct token types, got: 2'],
    ['an unknown token type', () => ClaimPredicate.tokenType('api_key' as ClerkTokenType), '`types` entries must be one of session_token, oauth_token, m2m_token, got: "api_key"'],
  ])('fails if %s', (_name, make, message) => {
    expect(make).toThrow(new Error(message));
  });

  test('fails if nested deeper than 8 levels', () => {
    let p = ClaimPredicate.claimExists('a');
    for (let i = 0; i < 7; i++) p = ClaimPredicate.allOf(p);
    expect(JSON.parse(p.toJson()).op).toBe('allOf');
    expect(() => ClaimPredicate.noneOf(p)).toThrow(new Error('`predicates` must nest at most 8 levels deep, got: 9'));
  });
});

describe('a subclass made in another language', () => {
  class Foreign extends ClaimPredicate {
    constructor(private readonly json: string) {
      super();
    }
    public toJson(): string {
      return this.json;
    }
  }

  test('is read back through its JSON, validated', () => {
    const p = ClaimPredicate.allOf(new Foreign('{"op":"exists","claim":"a"}'));
    expect(JSON.parse(p.toJson())).toEqual({ op: 'allOf', of: [{ op: 'exists', claim: 'a' }] });
  });

  test('fails if its JSON is not a valid predicate', () => {
    expect(() => ClaimPredicate.anyOf(new Foreign('{"op":"exists","claim":"__proto__"}'))).toThrow(
      new Error(`\`predicates\` entries must render valid predicate JSON ($.claim ${CLAIM_RULE}, got: "__proto__"), got: "{\\"op\\":\\"exists\\",\\"claim\\":\\"__proto__\\"}"`),
    );
  });
});
