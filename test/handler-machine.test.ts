/**
 * The shipped handler bundle with machine callers: OAuth access tokens and M2M tokens in their JWT formats
 * (`CLERK_ACCEPTS_TOKEN`, `CLERK_OAUTH_CLIENT_IDS`, `CLERK_MACHINE_ID`). Answers and context per kind, every
 * cross-kind confusion, tokens for another machine or client, wrongly typed scopes, `typ` variants, opaque tokens, and
 * the `scope`/`tokenType` predicates. Real keys, real tokens (Clerk's shapes, test/util/machine-tokens.ts), time fixed.
 */
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkTokenType } from '../src/clerk-token-type';
import { bearer, eventFor, fixTime, invoke, KINDS, loadHandler, STAGE_RESOURCE, TestClock, unauthorizedStatus } from './util/handler';
import {
  IGNORE_CATEGORY,
  M2M_CATEGORY,
  m2mHeader,
  m2mPayload,
  m2mToken,
  oauthHeader,
  oauthPayload,
  oauthToken,
  OPAQUE_TOKENS,
  OTHER_MACHINE_ID,
  TEST_CALLER_MACHINE,
  TEST_CLIENT_ID,
  TEST_MACHINE_ID,
  TEST_OAUTH_USER,
  TEST_RESOURCE,
} from './util/machine-tokens';
import { clerkV2Payload, NOW, SESSION_CATEGORY, sessionHeader, signJwt, TEMPLATE_CATEGORY, TEST_ISSUER, testKeys, validToken } from './util/tokens';
import { TokenKind } from '../src/private/contract';
import { evaluatePredicate, TokenFacts } from '../src/private/lambda/evaluate';

const keys = testKeys();
const ALL = JSON.stringify(['session_token', 'oauth_token', 'm2m_token']);
const BASE = { CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem, CLERK_LOG_ALLOWED: 'true' };
const EVERY_KIND = { ...BASE, CLERK_ACCEPTS_TOKEN: ALL, CLERK_MACHINE_ID: TEST_MACHINE_ID };

let clock: TestClock;
beforeEach(() => {
  clock = fixTime();
});
afterEach(() => clock.restore());

/** The decision record of the only log line (the handler logs exactly one per call). */
async function decide(env: Record<string, string>, token: string, kind: (typeof KINDS)[number] = 'TOKEN') {
  const out = await invoke(loadHandler(env), eventFor(kind, bearer(token)));
  expect(out.logs).toHaveLength(1);
  return { ...out, log: out.logs[0] };
}

/** A decision's reason code, then its detail (which cause within the reason) when it has one. */
function refusal({ log }: { log: Record<string, unknown> }): unknown[] {
  return log.detail === undefined ? [log.reason] : [log.reason, log.detail];
}

describe('answers and context, for each event kind', () => {
  const handler = loadHandler(EVERY_KIND);

  test.each(KINDS)('%s: an OAuth access token is allowed, the context names the user, the client and the scopes', async (kind) => {
    const payload = oauthPayload({ org_id: 'org_123', scope: 'profile email user:org:read' });
    const out = await invoke(handler, eventFor(kind, bearer(signJwt(oauthHeader(), payload, keys.privateKey))));
    expect(out.status).toBe(200);
    const context = {
      tokenType: 'oauth_token',
      userId: TEST_OAUTH_USER,
      sessionId: '',
      orgId: 'org_123',
      orgRole: '',
      orgPermissions: '',
      claims: JSON.stringify(payload),
      clientId: TEST_CLIENT_ID,
      scopes: 'profile email user:org:read',
    };
    if (kind === 'HTTP2') {
      expect(out.result).toEqual({ isAuthorized: true, context });
    } else {
      expect(out.result).toEqual({
        principalId: TEST_OAUTH_USER,
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_RESOURCE }] },
        context,
      });
    }
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: TEST_OAUTH_USER, kid: 'ins_test', tokenType: 'oauth_token', event: kind }]);
  });

  test.each(KINDS)('%s: an M2M token is allowed, the context names the calling machine, no user and no organization', async (kind) => {
    // An org_id claim is the calling machine's custom claim, not an organization: only an OAuth token's is reported.
    const payload = m2mPayload({ metadata: { job: 'nightly' }, org_id: 'org_123' });
    const out = await invoke(handler, eventFor(kind, bearer(signJwt(m2mHeader(), payload, keys.privateKey))));
    expect(out.status).toBe(200);
    const context = (out.result as { context: Record<string, string> }).context;
    expect(context).toEqual({
      tokenType: 'm2m_token',
      userId: '',
      sessionId: '',
      orgId: '',
      orgRole: '',
      orgPermissions: '',
      claims: JSON.stringify(payload),
      machineId: TEST_CALLER_MACHINE,
    });
    if (kind !== 'HTTP2') expect((out.result as { principalId: string }).principalId).toBe(TEST_CALLER_MACHINE);
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: TEST_CALLER_MACHINE, kid: 'ins_test', tokenType: 'm2m_token', event: kind }]);
  });

  test.each(KINDS)('%s: a session token is allowed as before, its context says session_token', async (kind) => {
    const out = await invoke(handler, eventFor(kind, bearer(validToken())));
    expect(out.status).toBe(200);
    expect((out.result as { context: Record<string, string> }).context).toMatchObject({ tokenType: 'session_token', userId: 'user_123', sessionId: 'sess_123' });
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: kind }]);
  });

  test.each(KINDS)('%s: a refused machine token answers as any refused token', async (kind) => {
    const out = await invoke(handler, eventFor(kind, bearer(m2mToken({ aud: [OTHER_MACHINE_ID], scopes: OTHER_MACHINE_ID }))));
    expect(out.status).toBe(unauthorizedStatus(kind));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'machine_id_mismatch', kid: 'ins_test', event: kind }]);
  });
});

describe('which kinds are accepted (every cross-kind confusion)', () => {
  const session = validToken();
  const oauth = oauthToken();
  const m2m = m2mToken();
  const only = (kinds: string[]): Record<string, string> => ({
    ...BASE,
    CLERK_ACCEPTS_TOKEN: JSON.stringify(kinds),
    ...(kinds.includes('m2m_token') ? { CLERK_MACHINE_ID: TEST_MACHINE_ID } : {}),
  });
  test.each([
    // [accepted kinds, token, expected reason]
    [['session_token'], session, 'ok'],
    [['session_token'], oauth, 'oauth_token_not_accepted'],
    [['session_token'], m2m, 'm2m_token_not_accepted'],
    [['oauth_token'], session, 'session_token_not_accepted'],
    [['oauth_token'], oauth, 'ok'],
    [['oauth_token'], m2m, 'm2m_token_not_accepted'],
    [['m2m_token'], session, 'session_token_not_accepted'],
    [['m2m_token'], oauth, 'oauth_token_not_accepted'],
    [['m2m_token'], m2m, 'ok'],
    [['session_token', 'oauth_token'], m2m, 'm2m_token_not_accepted'],
    [['oauth_token', 'm2m_token'], session, 'session_token_not_accepted'],
    [['session_token', 'm2m_token'], oauth, 'oauth_token_not_accepted'],
  ] as Array<[string[], string, string]>)('accepting %j: %#', async (kinds, token, reason) => {
    const { log } = await decide(only(kinds), token);
    expect(log.reason).toBe(reason);
  });

  test('the default (no CLERK_ACCEPTS_TOKEN) is session tokens only', async () => {
    expect((await decide(BASE, session)).log.reason).toBe('ok');
    expect((await decide(BASE, oauth)).log.reason).toBe('oauth_token_not_accepted');
    expect((await decide(BASE, m2m)).log.reason).toBe('m2m_token_not_accepted');
  });

  test.each([
    // A session token made to look like another kind, and the other way round: the kind is what the token says
    // (Clerk's rule: mch_ subject first, then typ), and each kind's own rules then refuse the impostor.
    ['session claims with typ at+jwt (no client_id)', signJwt(sessionHeader('ins_test', { typ: 'at+jwt', cat: undefined }), clerkV2Payload(), keys.privateKey), 'token_malformed', 'client_id_invalid'],
    ['session claims with typ at+jwt and the session cat', signJwt(sessionHeader('ins_test', { typ: 'at+jwt' }), clerkV2Payload(), keys.privateKey), 'token_type_ambiguous', 'oauth_cat_of_other_class'],
    ['session claims with a mch_ subject', signJwt(sessionHeader(), clerkV2Payload({ sub: TEST_CALLER_MACHINE }), keys.privateKey), 'token_type_ambiguous', 'm2m_cat_not_m2m'],
    ['an OAuth token with typ JWT (no sid)', signJwt(oauthHeader({ typ: 'JWT' }), oauthPayload(), keys.privateKey), 'sid_missing'],
    ['an OAuth token without typ (no sid)', signJwt(oauthHeader({ typ: undefined }), oauthPayload(), keys.privateKey), 'sid_missing'],
    ['an OAuth token with a mch_ subject', oauthToken({ sub: TEST_CALLER_MACHINE }), 'token_type_ambiguous', 'machine_subject_with_oauth_typ'],
    ['an OAuth token with the session cat', oauthToken({}, { cat: SESSION_CATEGORY }), 'token_type_ambiguous', 'oauth_cat_of_other_class'],
    ['an OAuth token with the JWT-template cat', oauthToken({}, { cat: TEMPLATE_CATEGORY }), 'token_type_ambiguous', 'oauth_cat_of_other_class'],
    ['an OAuth token with the M2M cat', oauthToken({}, { cat: M2M_CATEGORY }), 'token_type_ambiguous', 'oauth_cat_of_other_class'],
    ['an OAuth token with the ignore cat', oauthToken({}, { cat: IGNORE_CATEGORY }), 'ok'],
    ['an M2M token with typ at+jwt', m2mToken({}, { typ: 'at+jwt' }), 'token_type_ambiguous', 'machine_subject_with_oauth_typ'],
    ['an M2M token with the session cat', m2mToken({}, { cat: SESSION_CATEGORY }), 'token_type_ambiguous', 'm2m_cat_not_m2m'],
    ['an M2M token with the ignore cat (Clerk\'s SDK refuses it too)', m2mToken({}, { cat: IGNORE_CATEGORY }), 'token_type_ambiguous', 'm2m_cat_not_m2m'],
    ['an M2M token without cat (before categories)', m2mToken({}, { cat: undefined }), 'ok'],
    ['an M2M token without typ', m2mToken({}, { typ: undefined }), 'ok'],
    ['a JWT-template token (no sid)', signJwt(sessionHeader('ins_test', { cat: TEMPLATE_CATEGORY }), clerkV2Payload({ sid: undefined }), keys.privateKey), 'category_not_session', 'cat_jwt_template'],
  ] as Array<[string, string, string, string?]>)('all kinds accepted: %s', async (_name, token, ...expected) => {
    expect(refusal(await decide(EVERY_KIND, token))).toEqual(expected);
  });
});

describe('typ variants: exactly at+jwt or application/at+jwt, as Clerk compares them', () => {
  test.each([
    ['at+jwt', 'ok'],
    ['application/at+jwt', 'ok'],
    // Anything else is not an OAuth access token: held to the session rules, whose typ must be JWT.
    ['AT+JWT', 'category_not_session'],
    ['at+JWT', 'category_not_session'],
    ['application/AT+JWT', 'category_not_session'],
    ['at+jwt ', 'category_not_session'],
    ['jwt', 'category_not_session'],
  ])('typ %j → %s', async (typ, reason) => {
    expect((await decide(EVERY_KIND, oauthToken({}, { typ }))).log.reason).toBe(reason);
  });

  test('typ as an array is not an OAuth access token', async () => {
    expect((await decide(EVERY_KIND, oauthToken({}, { typ: ['at+jwt'] }))).log.reason).toBe('category_not_session');
  });
});

describe('OAuth access tokens: claim checks', () => {
  const env = { ...BASE, CLERK_ACCEPTS_TOKEN: '["oauth_token"]' };
  test.each([
    ['valid', oauthToken(), 'ok'],
    ['iss of another instance', oauthToken({ iss: 'https://clerk.evil.com' }), 'iss_mismatch', 'iss_other'],
    ['iss missing (Clerk\'s SDK never checks it on machine tokens)', oauthToken({ iss: undefined }), 'iss_mismatch', 'iss_missing'],
    ['exp missing', oauthToken({ exp: undefined }), 'exp_missing', 'exp_absent'],
    ['expired beyond skew', oauthToken({ exp: NOW - 6 }), 'expired'],
    ['expired within skew', oauthToken({ exp: NOW - 4 }), 'ok'],
    ['nbf in the future', oauthToken({ nbf: NOW + 6 }), 'not_yet_valid'],
    ['iat in the future', oauthToken({ iat: NOW + 6 }), 'iat_in_future'],
    ['sub missing', oauthToken({ sub: undefined }), 'sub_missing'],
    ['sub empty', oauthToken({ sub: '' }), 'sub_missing'],
    ['client_id missing', oauthToken({ client_id: undefined }), 'token_malformed', 'client_id_invalid'],
    ['client_id empty', oauthToken({ client_id: '' }), 'token_malformed', 'client_id_invalid'],
    ['client_id a number', oauthToken({ client_id: 1 }), 'token_malformed', 'client_id_invalid'],
    ['scope a number', oauthToken({ scope: 5 }), 'token_malformed', 'scopes_invalid'],
    ['scope an array', oauthToken({ scope: ['profile'] }), 'token_malformed', 'scopes_invalid'],
    ['scope null', oauthToken({ scope: null }), 'token_malformed', 'scopes_invalid'],
    ['scp a string', oauthToken({ scp: 'profile' }), 'token_malformed', 'scopes_invalid'],
    ['scp an array of numbers', oauthToken({ scp: [1] }), 'token_malformed', 'scopes_invalid'],
    ['scp holding a number beside a string', oauthToken({ scp: ['profile', 1] }), 'token_malformed', 'scopes_invalid'],
    ['scp an object', oauthToken({ scp: { 0: 'profile' } }), 'token_malformed', 'scopes_invalid'],
    ['no scopes at all', oauthToken({ scope: undefined }), 'ok'],
    ['signed by another key', signJwt(oauthHeader(), oauthPayload(), testKeys('ins_other').privateKey), 'signature_invalid'],
    ['alg RS512', signJwt(oauthHeader({ alg: 'RS512' }), oauthPayload(), keys.privateKey), 'alg_not_allowed', 'alg_other'],
    ['alg none', signJwt(oauthHeader({ alg: 'none' }), oauthPayload(), keys.privateKey), 'alg_not_allowed', 'alg_none'],
    ['HS256 with the PEM as secret', signJwt(oauthHeader({ alg: 'HS256' }), oauthPayload(), keys.publicKeyPem), 'alg_not_allowed', 'alg_hmac'],
    ['jwk header', signJwt(oauthHeader({ jwk: keys.jwk }), oauthPayload(), keys.privateKey), 'header_key_not_trusted', 'jwk'],
    ['crit header', signJwt(oauthHeader({ crit: ['exp'] }), oauthPayload(), keys.privateKey), 'crit_unsupported', 'crit'],
    // Session checks do not apply: no sid, sts or azp rules on an OAuth token.
    ['with azp of another origin and a pending sts', oauthToken({ azp: 'https://evil.example.com', sts: 'pending' }), 'ok'],
  ] as Array<[string, string, string, string?]>)('%s', async (_name, token, ...expected) => {
    expect(refusal(await decide(env, token))).toEqual(expected);
  });

  test('authorizedParties does not apply to OAuth tokens (they have no browser origin)', async () => {
    const withAzp = { ...env, CLERK_AUTHORIZED_PARTIES: '["https://app.example.com"]' };
    expect((await decide(withAzp, oauthToken())).log.reason).toBe('ok');
  });

  test.each([
    ['the listed client', oauthToken(), 'ok'],
    ['another client', oauthToken({ client_id: 'client_other' }), 'client_id_mismatch'],
    ['a client id differing in case', oauthToken({ client_id: TEST_CLIENT_ID.toUpperCase() }), 'client_id_mismatch'],
  ])('oauthClientIds: %s → %s', async (_name, token, reason) => {
    const listed = { ...env, CLERK_OAUTH_CLIENT_IDS: JSON.stringify([TEST_CLIENT_ID]) };
    expect((await decide(listed, token)).log.reason).toBe(reason);
  });

  test.each([
    ['aud = the resource', oauthToken({ aud: TEST_RESOURCE }), 'ok'],
    ['aud lists the resource', oauthToken({ aud: ['https://other.example.com', TEST_RESOURCE] }), 'ok'],
    ['no aud (the client sent no resource)', oauthToken(), 'aud_mismatch', 'aud_absent'],
    ['aud of another resource', oauthToken({ aud: 'https://other.example.com' }), 'aud_mismatch', 'aud_not_listed'],
    ['aud with a trailing slash', oauthToken({ aud: `${TEST_RESOURCE}/` }), 'aud_mismatch', 'aud_not_listed'],
    ['aud empty array', oauthToken({ aud: [] }), 'aud_mismatch', 'aud_not_listed'],
    ['aud a number', oauthToken({ aud: 1 }), 'aud_mismatch', 'aud_not_listed'],
  ] as Array<[string, string, string, string?]>)('audience (the MCP resource): %s', async (_name, token, ...expected) => {
    const mcp = { ...env, CLERK_AUDIENCE: JSON.stringify([TEST_RESOURCE]) };
    expect(refusal(await decide(mcp, token))).toEqual(expected);
  });

  test('scp wins over scope, as in Clerk\'s SDK; scope is split on spaces, empty entries dropped', async () => {
    const out1 = await decide(env, oauthToken({ scp: ['a', 'b'], scope: 'c' }));
    expect((out1.result as { context: Record<string, string> }).context.scopes).toBe('a b');
    const out2 = await decide(env, oauthToken({ scope: ' a  b ' }));
    expect((out2.result as { context: Record<string, string> }).context.scopes).toBe('a b');
  });

  test.each([
    ['neither scp nor scope', oauthToken({ scope: undefined })],
    ['scope empty', oauthToken({ scope: '' })],
    ['scope only spaces', oauthToken({ scope: '   ' })],
    ['scp empty', oauthToken({ scope: 'profile', scp: [] })],
  ])('no scopes granted (%s): allowed, the context\'s scopes empty', async (_name, token) => {
    const { log, result } = await decide(env, token);
    expect(log.reason).toBe('ok');
    expect((result as { context: Record<string, string> }).context.scopes).toBe('');
  });
});

describe('M2M tokens: claim checks', () => {
  const env = { ...BASE, CLERK_ACCEPTS_TOKEN: '["m2m_token"]', CLERK_MACHINE_ID: TEST_MACHINE_ID };
  test.each([
    ['valid (aud and scopes list this machine)', m2mToken(), 'ok'],
    ['only aud lists it', m2mToken({ scopes: undefined }), 'ok'],
    ['only scopes lists it', m2mToken({ aud: undefined }), 'ok'],
    ['aud a string naming it', m2mToken({ aud: TEST_MACHINE_ID, scopes: undefined }), 'ok'],
    ['for another machine', m2mToken({ aud: [OTHER_MACHINE_ID], scopes: OTHER_MACHINE_ID }), 'machine_id_mismatch'],
    ['aud lists it but scopes does not', m2mToken({ scopes: OTHER_MACHINE_ID }), 'machine_id_mismatch'],
    ['scopes lists it but aud does not', m2mToken({ aud: [OTHER_MACHINE_ID] }), 'machine_id_mismatch'],
    ['neither aud nor scopes', m2mToken({ aud: undefined, scopes: undefined }), 'machine_id_mismatch'],
    ['empty scopes, no aud', m2mToken({ aud: undefined, scopes: '' }), 'machine_id_mismatch'],
    ['a prefix of this machine', m2mToken({ aud: [TEST_MACHINE_ID.slice(0, -1)], scopes: undefined }), 'machine_id_mismatch'],
    ['this machine in another case', m2mToken({ aud: [TEST_MACHINE_ID.toLowerCase()], scopes: undefined }), 'machine_id_mismatch'],
    ['scopes a number', m2mToken({ scopes: 5 }), 'token_malformed', 'machine_list_invalid'],
    ['scopes an array', m2mToken({ scopes: [TEST_MACHINE_ID] }), 'token_malformed', 'machine_list_invalid'],
    ['aud a number', m2mToken({ aud: 5 }), 'token_malformed', 'machine_list_invalid'],
    ['aud holding a number', m2mToken({ aud: [TEST_MACHINE_ID, 5] }), 'token_malformed', 'machine_list_invalid'],
    ['sub exactly mch_', m2mToken({ sub: 'mch_' }), 'sub_missing'],
    ['iss of another instance', m2mToken({ iss: 'https://clerk.evil.com' }), 'iss_mismatch', 'iss_other'],
    ['exp missing (create tokens with secondsUntilExpiration)', m2mToken({ exp: undefined }), 'exp_missing', 'exp_absent'],
    ['expired', m2mToken({ exp: NOW - 6 }), 'expired'],
    ['signed by another key', signJwt(m2mHeader(), m2mPayload(), testKeys('ins_other').privateKey), 'signature_invalid'],
    ['x5u header', m2mToken({}, { x5u: 'https://evil.example.com/cert' }), 'header_key_not_trusted', 'x5u'],
  ] as Array<[string, string, string, string?]>)('%s', async (_name, token, ...expected) => {
    expect(refusal(await decide(env, token))).toEqual(expected);
  });

  test('audience and authorizedParties do not apply to M2M tokens (their aud lists machines: machineId is the check)', async () => {
    const withBoth = { ...env, CLERK_AUDIENCE: '["https://api.example.com"]', CLERK_AUTHORIZED_PARTIES: '["https://app.example.com"]' };
    expect((await decide(withBoth, m2mToken())).log.reason).toBe('ok');
  });
});

describe('opaque machine tokens are refused with token_opaque, the detail naming which', () => {
  const env = { ...EVERY_KIND };
  test.each([
    ['OAuth (oat_)', OPAQUE_TOKENS.oauth, 'opaque_oauth_token'],
    ['M2M (mt_)', OPAQUE_TOKENS.m2m, 'opaque_m2m_token'],
    ['API key (ak_)', OPAQUE_TOKENS.apiKey, 'opaque_api_key'],
    ['API key with / and = (as Clerk writes them)', 'ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=', 'opaque_api_key'],
    ['API key ending in mt_', 'ak_abcmt_', 'opaque_api_key'],
    ['M2M token ending in oat_', 'mt_abcoat_', 'opaque_m2m_token'],
    ['oat_ with dots', 'oat_a.b', 'opaque_oauth_token'],
    ['oat_ in three dot-separated parts (not a JWT header)', 'oat_a.b.c', 'opaque_oauth_token'],
  ])('%s', async (_name, token, detail) => {
    for (const kind of ['REQUEST', 'HTTP2'] as const) {
      const { log, status } = await decide(env, token, kind);
      expect(log.reason).toBe('token_opaque');
      expect(log.detail).toBe(detail);
      expect(status).toBe(unauthorizedStatus(kind));
    }
  });

  test('other tokens that are not JWTs stay token_malformed', async () => {
    expect((await decide(env, 'not-a-token', 'REQUEST')).log.reason).toBe('token_malformed');
    expect((await decide(env, 'OAT_abc', 'REQUEST')).log.reason).toBe('token_malformed');
  });
});

describe('scope and tokenType predicates', () => {
  const withPredicate = (p: ClaimPredicate) => ({ ...EVERY_KIND, CLERK_PREDICATE: p.toJson() });
  test.each([
    ['scope(profile) on an OAuth token granting it', ClaimPredicate.scope('profile'), oauthToken(), 'allow'],
    ['scope(profile, email) on an OAuth token granting both', ClaimPredicate.scope('profile', 'email'), oauthToken(), 'allow'],
    ['scope(mcp:write) on an OAuth token without it', ClaimPredicate.scope('mcp:write'), oauthToken(), 'deny'],
    ['scope(profile, mcp:write): every scope is required', ClaimPredicate.scope('profile', 'mcp:write'), oauthToken(), 'deny'],
    ['scope(prof): no substring match', ClaimPredicate.scope('prof'), oauthToken(), 'deny'],
    ['scope(profile) on scp', ClaimPredicate.scope('profile'), oauthToken({ scope: undefined, scp: ['profile'] }), 'allow'],
    ['scope(profile) on a session token', ClaimPredicate.scope('profile'), validToken({ scope: 'profile' }), 'deny'],
    ['scope(profile) on an M2M token claiming it', ClaimPredicate.scope('profile'), m2mToken({ scope: 'profile', scp: ['profile'] }), 'deny'],
    ['noneOf(scope(admin)) on a session token', ClaimPredicate.noneOf(ClaimPredicate.scope('admin')), validToken(), 'allow'],
    ['tokenType(OAUTH) on an OAuth token', ClaimPredicate.tokenType(ClerkTokenType.OAUTH_TOKEN), oauthToken(), 'allow'],
    ['tokenType(OAUTH) on a session token', ClaimPredicate.tokenType(ClerkTokenType.OAUTH_TOKEN), validToken(), 'deny'],
    ['tokenType(SESSION, M2M) on an M2M token', ClaimPredicate.tokenType(ClerkTokenType.SESSION_TOKEN, ClerkTokenType.M2M_TOKEN), m2mToken(), 'allow'],
    // Machine tokens have no organization role or permissions (Clerk's has() is false for them).
    ['orgRole(admin) on an OAuth token with org_id', ClaimPredicate.orgRole('admin'), oauthToken({ org_id: 'org_1', org_role: 'org:admin' }), 'deny'],
    ['orgRole(admin) on an M2M token claiming it', ClaimPredicate.orgRole('admin'), m2mToken({ org_id: 'org_1', org_role: 'org:admin', v: 2, o: { id: 'org_1', rol: 'admin' } }), 'deny'],
    ['orgPermission on an M2M token claiming it', ClaimPredicate.orgPermission('org:a:read'), m2mToken({ org_id: 'org_1', org_permissions: ['org:a:read'] }), 'deny'],
    // Claim predicates read the payload of any kind: an M2M token's custom claims are the calling machine's.
    ['role(admin) on an M2M token with that custom claim', ClaimPredicate.role('admin'), m2mToken({ metadata: { role: 'admin' } }), 'allow'],
    [
      'allOf(tokenType(SESSION), role(admin)) on that M2M token',
      ClaimPredicate.allOf(ClaimPredicate.tokenType(ClerkTokenType.SESSION_TOKEN), ClaimPredicate.role('admin')),
      m2mToken({ metadata: { role: 'admin' } }),
      'deny',
    ],
  ])('%s → %s', async (_name, predicate, token, decision) => {
    const { log, status } = await decide(withPredicate(predicate), token);
    expect(log.decision).toBe(decision);
    expect(status).toBe(decision === 'allow' ? 200 : 403);
  });

  // The evaluator's own guarantee, whatever verification hands it: scopes count only on an OAuth token. (An M2M
  // token's `scopes` claim lists machine ids; were it ever passed on as facts, scope('mch_...') must still not hold.)
  test.each<[string, TokenFacts, boolean]>([
    ['an OAuth token granting it', { kind: TokenKind.OAUTH, machine: { scopes: ['profile'] } }, true],
    ['an OAuth token whose facts hold no scopes', { kind: TokenKind.OAUTH, machine: {} }, false],
    ['an OAuth token without facts', { kind: TokenKind.OAUTH }, false],
    ['an M2M token whose facts held the scope', { kind: TokenKind.M2M, machine: { scopes: ['profile'] } }, false],
    ['a session token whose facts held the scope', { kind: TokenKind.SESSION, machine: { scopes: ['profile'] } }, false],
  ])('the evaluator: scope(profile) on %s → %s', (_name, token, holds) => {
    const payload = { scope: 'profile', scp: ['profile'], scopes: 'profile' };
    expect(evaluatePredicate({ op: 'scope', scopes: ['profile'] }, payload, { id: '', role: '', permissions: [] }, token)).toBe(holds);
  });
});

describe('configuration', () => {
  test.each([
    [{ CLERK_ACCEPTS_TOKEN: '[]' }, 'CLERK_ACCEPTS_TOKEN must be a JSON array of 1 to 3 distinct token types (session_token, oauth_token, m2m_token), got: "[]"'],
    [{ CLERK_ACCEPTS_TOKEN: '["session_token","session_token"]' }, 'CLERK_ACCEPTS_TOKEN must be a JSON array of 1 to 3 distinct token types (session_token, oauth_token, m2m_token), got: "[\\"session_token\\",\\"session_token\\"]"'],
    [{ CLERK_ACCEPTS_TOKEN: '["api_key"]' }, 'CLERK_ACCEPTS_TOKEN must be a JSON array of 1 to 3 distinct token types (session_token, oauth_token, m2m_token), got: "[\\"api_key\\"]"'],
    [{ CLERK_ACCEPTS_TOKEN: '["session_token","api_key"]' }, 'CLERK_ACCEPTS_TOKEN must be a JSON array of 1 to 3 distinct token types (session_token, oauth_token, m2m_token), got: "[\\"session_token\\",\\"api_key\\"]"'],
    [{ CLERK_ACCEPTS_TOKEN: 'session_token' }, 'CLERK_ACCEPTS_TOKEN must be a JSON array of 1 to 3 distinct token types (session_token, oauth_token, m2m_token), got: "session_token"'],
    [{ CLERK_ACCEPTS_TOKEN: '["m2m_token"]' }, 'CLERK_MACHINE_ID is required when CLERK_ACCEPTS_TOKEN includes m2m_token'],
    [{ CLERK_ACCEPTS_TOKEN: '["m2m_token"]', CLERK_MACHINE_ID: 'api' }, 'CLERK_MACHINE_ID must be a Clerk machine id (mch_ followed by letters, digits or underscores), got: "api"'],
    [{ CLERK_OAUTH_CLIENT_IDS: '[]' }, 'CLERK_OAUTH_CLIENT_IDS must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[]"'],
  ])('%j fails at cold start: %s', (env, message) => {
    expect(() => loadHandler({ ...BASE, ...env })).toThrow(message);
  });
});
