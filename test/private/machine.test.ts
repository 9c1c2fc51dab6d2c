/**
 * The machine-token rules on their TypeScript source (the handler suites run the bundle): how a token's kind is
 * decided, the OAuth and M2M claim rules, and the `scope`/`tokenType` predicate leaves.
 */
import { TokenKind } from '../../src/private/contract';
import { evaluatePredicate } from '../../src/private/lambda/evaluate';
import { isOpaqueMachineToken, tokenKind } from '../../src/private/lambda/machine';
import { checkM2M, checkOAuth, machineOrganization } from '../../src/private/lambda/machine-rules';
import { m2mHeader, m2mPayload, oauthHeader, oauthPayload, TEST_CLIENT_ID, TEST_MACHINE_ID } from '../util/machine-tokens';

describe('tokenKind: as Clerk\'s SDK decides it', () => {
  test.each([
    ['mch_ subject', { typ: 'JWT' }, { sub: 'mch_1' }, TokenKind.M2M],
    ['mch_ subject wins over an OAuth typ', { typ: 'at+jwt' }, { sub: 'mch_1' }, TokenKind.M2M],
    ['typ at+jwt', { typ: 'at+jwt' }, { sub: 'user_1' }, TokenKind.OAUTH],
    ['typ application/at+jwt', { typ: 'application/at+jwt' }, { sub: 'user_1' }, TokenKind.OAUTH],
    ['typ AT+JWT (case matters)', { typ: 'AT+JWT' }, { sub: 'user_1' }, TokenKind.SESSION],
    ['typ JWT', { typ: 'JWT' }, { sub: 'user_1' }, TokenKind.SESSION],
    ['no typ', {}, { sub: 'user_1' }, TokenKind.SESSION],
    ['a numeric sub', { typ: 'at+jwt' }, { sub: 1 }, TokenKind.OAUTH],
    ['an inherited sub is not read', {}, Object.create({ sub: 'mch_1' }) as Record<string, unknown>, TokenKind.SESSION],
  ])('%s', (_name, header, payload, kind) => {
    expect(tokenKind(header, payload)).toBe(kind);
  });

  test('opaque prefixes', () => {
    expect(['oat_x', 'mt_x', 'ak_x'].map(isOpaqueMachineToken)).toEqual([true, true, true]);
    expect(['OAT_x', 'mt', 'x.y.z', ''].map(isOpaqueMachineToken)).toEqual([false, false, false, false]);
  });
});

describe('checkOAuth', () => {
  const config = { oauthClientIds: [TEST_CLIENT_ID], audience: ['https://mcp.example.com'] };
  test('valid: the client and the scopes (scp first, else scope split on spaces)', () => {
    expect(checkOAuth(oauthHeader(), oauthPayload({ aud: 'https://mcp.example.com' }), config)).toEqual({ clientId: TEST_CLIENT_ID, scopes: ['profile', 'email'] });
    expect(checkOAuth(oauthHeader(), oauthPayload({ scp: ['x'] }), {})).toEqual({ clientId: TEST_CLIENT_ID, scopes: ['x'] });
    expect(checkOAuth(oauthHeader(), oauthPayload({ scope: '' }), {})).toEqual({ clientId: TEST_CLIENT_ID, scopes: [] });
  });
  test.each([
    ['a session cat', oauthHeader({ cat: 'cl_B7d4PD111AAA' }), oauthPayload(), 'token_type_ambiguous'],
    ['no sub', oauthHeader(), oauthPayload({ sub: undefined }), 'sub_missing'],
    ['no client_id', oauthHeader(), oauthPayload({ client_id: undefined }), 'token_malformed'],
    ['an unlisted client', oauthHeader(), oauthPayload({ client_id: 'client_x', aud: 'https://mcp.example.com' }), 'client_id_mismatch'],
    ['scp not strings', oauthHeader(), oauthPayload({ scp: [1] }), 'token_malformed'],
    ['scope not a string', oauthHeader(), oauthPayload({ scope: 1 }), 'token_malformed'],
    ['no aud', oauthHeader(), oauthPayload(), 'aud_mismatch'],
  ])('refuses %s', (_name, header, payload, reason) => {
    expect(checkOAuth(header, payload, config)).toMatchObject({ reason });
  });
});

describe('checkM2M', () => {
  const config = { machineId: TEST_MACHINE_ID };
  test('valid', () => {
    expect(checkM2M(m2mHeader(), m2mPayload(), config)).toEqual({});
  });
  test.each([
    ['typ at+jwt', m2mHeader({ typ: 'at+jwt' }), m2mPayload(), 'token_type_ambiguous'],
    ['the ignore cat', m2mHeader({ cat: 'cl_I7d4PD111III' }), m2mPayload(), 'token_type_ambiguous'],
    ['sub mch_', m2mHeader(), m2mPayload({ sub: 'mch_' }), 'sub_missing'],
    ['aud a number', m2mHeader(), m2mPayload({ aud: 1 }), 'token_malformed'],
    ['scopes an array', m2mHeader(), m2mPayload({ scopes: [TEST_MACHINE_ID] }), 'token_malformed'],
    ['no lists', m2mHeader(), m2mPayload({ aud: undefined, scopes: undefined }), 'machine_id_mismatch'],
    ['aud without this machine', m2mHeader(), m2mPayload({ aud: ['mch_other'] }), 'machine_id_mismatch'],
    ['scopes without this machine', m2mHeader(), m2mPayload({ scopes: 'mch_other' }), 'machine_id_mismatch'],
  ])('refuses %s', (_name, header, payload, reason) => {
    expect(checkM2M(header, payload, config)).toMatchObject({ reason });
  });
  test('refuses every token when no machine id is configured (the handler never runs so)', () => {
    expect(checkM2M(m2mHeader(), m2mPayload(), {})).toMatchObject({ reason: 'machine_id_mismatch' });
  });
});

describe('organization of machine tokens: never a role or permissions', () => {
  test.each([
    [TokenKind.OAUTH, { org_id: 'org_1', org_role: 'org:admin' }, { id: 'org_1', role: '', permissions: [] }],
    [TokenKind.OAUTH, { org_id: 1 }, { id: '', role: '', permissions: [] }],
    [TokenKind.M2M, { org_id: 'org_1' }, { id: '', role: '', permissions: [] }],
  ])('%s %j', (kind, payload, org) => {
    expect(machineOrganization(kind, payload)).toEqual(org);
  });
});

describe('scope and tokenType leaves', () => {
  const none = { id: '', role: '', permissions: [] };
  const oauth = { kind: TokenKind.OAUTH, machine: { scopes: ['a', 'b'] } };
  test.each([
    [{ op: 'scope', scopes: ['a'] }, oauth, true],
    [{ op: 'scope', scopes: ['a', 'b'] }, oauth, true],
    [{ op: 'scope', scopes: ['a', 'c'] }, oauth, false],
    [{ op: 'scope', scopes: ['a'] }, { kind: TokenKind.M2M, machine: { scopes: ['a'] } }, false],
    [{ op: 'scope', scopes: ['a'] }, { kind: TokenKind.SESSION }, false],
    [{ op: 'scope', scopes: ['a'] }, { kind: TokenKind.OAUTH }, false],
    [{ op: 'tokenType', types: ['oauth_token'] }, oauth, true],
    [{ op: 'tokenType', types: ['session_token', 'm2m_token'] }, oauth, false],
    [{ op: 'noneOf', of: [{ op: 'scope', scopes: ['a'] }] }, oauth, false],
    [{ op: 'anyOf', of: [{ op: 'tokenType', types: ['m2m_token'] }, { op: 'scope', scopes: ['b'] }] }, oauth, true],
    [{ op: 'allOf', of: [{ op: 'tokenType', types: ['oauth_token'] }, { op: 'scope', scopes: ['c'] }] }, oauth, false],
  ] as const)('%j on %j → %s', (node, token, expected) => {
    expect(evaluatePredicate(node as never, {}, none, token)).toBe(expected);
  });
  test('without token facts, the token is a session token', () => {
    expect(evaluatePredicate({ op: 'tokenType', types: ['session_token'] }, {}, none)).toBe(true);
  });
});
