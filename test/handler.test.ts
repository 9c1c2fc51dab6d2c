/**
 * The shipped handler bundle (assets/clerk-authorizer.lambda/index.js) in PEM mode: answers for each event kind,
 * every claim check, token extraction, context, logs and configuration. Real keys, real tokens, time fixed.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  bearer,
  eventFor,
  fixTime,
  httpEvent,
  invoke,
  KINDS,
  loadHandler,
  METHOD_ARN,
  postedError,
  restRequestEvent,
  restTokenEvent,
  STAGE_RESOURCE,
  TestClock,
  unauthorizedStatus,
} from './util/handler';
import { HANDLER_ISSUER_RULE, INVALID_ISSUERS } from './util/issuers';
import {
  clerkV1Payload,
  clerkV2Payload,
  makeKeys,
  NOW,
  sessionHeader,
  signJwt,
  signRawJwt,
  TEMPLATE_CATEGORY,
  TEST_AZP,
  TEST_ISSUER,
  testKeys,
  validToken,
} from './util/tokens';

const keys = testKeys();
// Allows are logged here so that every decision's record can be checked; the default (refusals only) has its own
// test under 'configuration options'.
const BASE = { CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem, CLERK_LOG_ALLOWED: 'true' };
const ADMIN_ONLY = JSON.stringify({ op: 'in', claim: 'metadata.role', values: ['admin'] });

let clock: TestClock;
beforeEach(() => {
  clock = fixTime();
});
afterEach(() => clock.restore());

/** `{ kid }` as the token's header says, or nothing. */
function kidOf(token: string): { kid?: string } {
  const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
  return header.kid === undefined ? {} : { kid: header.kid };
}


describe('answers', () => {
  const handler = loadHandler({ ...BASE, CLERK_PREDICATE: ADMIN_ONLY });
  const adminPayload = clerkV2Payload({ metadata: { role: 'admin' } });
  const admin = signJwt(sessionHeader(), adminPayload, keys.privateKey);
  const member = signJwt(sessionHeader(), clerkV2Payload({ metadata: { role: 'member' } }), keys.privateKey);
  const context = {
    tokenType: 'session_token',
    userId: 'user_123',
    sessionId: 'sess_123',
    orgId: '',
    orgRole: '',
    orgPermissions: '',
    claims: JSON.stringify(adminPayload),
  };

  test('REST TOKEN: Allow for the whole stage, with context', async () => {
    const out = await invoke(handler, restTokenEvent(bearer(admin)));
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_RESOURCE }],
      },
      context,
    });
    expect(out.status).toBe(200);
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' }]);
  });

  test('REST REQUEST: Allow for the whole stage, with context', async () => {
    const out = await invoke(handler, restRequestEvent({ Authorization: bearer(admin) }));
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_RESOURCE }] },
      context,
    });
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'REQUEST' }]);
  });

  test('HTTP API 2.0: isAuthorized true, with context', async () => {
    const out = await invoke(handler, httpEvent({ authorization: bearer(admin) }));
    expect(out.result).toEqual({ isAuthorized: true, context });
    expect(out.status).toBe(200);
    expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'HTTP2' }]);
  });

  test('HTTP API payload 1.0 is answered like REST REQUEST', async () => {
    const event = { ...restRequestEvent({ authorization: bearer(admin) }), version: '1.0' };
    const out = await invoke(handler, event);
    expect(out.status).toBe(200);
    expect(out.logs[0].event).toBe('REQUEST');
  });

  test.each(['TOKEN', 'REQUEST'] as const)('%s: predicate fails → Deny for the whole stage, no context', async (kind) => {
    const out = await invoke(handler, eventFor(kind, bearer(member)));
    expect(out.result).toEqual({
      principalId: 'user_123',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE_RESOURCE }] },
    });
    expect(out.status).toBe(403);
    expect(out.logs).toEqual([{ decision: 'deny', reason: 'predicate_failed', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: kind }]);
  });

  test('HTTP2: predicate fails → isAuthorized false', async () => {
    const out = await invoke(handler, httpEvent({ authorization: bearer(member) }));
    expect(out.result).toEqual({ isAuthorized: false });
    expect(out.logs).toEqual([{ decision: 'deny', reason: 'predicate_failed', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'HTTP2' }]);
  });

  test.each(['TOKEN', 'REQUEST'] as const)('%s: a bad token throws exactly Error("Unauthorized")', async (kind) => {
    const out = await invoke(handler, eventFor(kind, bearer(validToken({ exp: NOW - 60 }))));
    expect(out.error).toBeInstanceOf(Error);
    expect((out.error as Error).message).toBe('Unauthorized');
    expect(out.status).toBe(401);
    // What the runtime posts (all API Gateway reads) is the name and message only: the record does not reach it.
    expect(postedError(out.error as Error)).toEqual({ errorType: 'Error', errorMessage: 'Unauthorized', trace: ['Error: Unauthorized'] });
    // The record is the error's own enumerable properties, which the runtime's `Invoke Error` line carries; the
    // handler writes no line of its own for a 401.
    expect({ ...(out.error as Error) }).toEqual({ decision: 'unauthorized', reason: 'expired', kid: 'ins_test', event: kind });
    expect(out.lines).toEqual([
      `{"errorType":"Error","errorMessage":"Unauthorized","decision":"unauthorized","reason":"expired","kid":"ins_test","event":"${kind}","stack":["Error: Unauthorized"]}`,
    ]);
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'expired', kid: 'ins_test', event: kind }]);
  });

  test('HTTP2: a bad token → isAuthorized false (never a throw)', async () => {
    const out = await invoke(handler, httpEvent({ authorization: bearer(validToken({ exp: NOW - 60 })) }));
    expect(out.result).toEqual({ isAuthorized: false });
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'expired', kid: 'ins_test', event: 'HTTP2' }]);
  });

  test('the policy resource is cut after the stage, whatever the method and path', async () => {
    const arn = 'arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/v1_beta/POST/a/b/{proxy+}';
    const out = await invoke(handler, restTokenEvent(bearer(admin), arn));
    expect((out.result as { policyDocument: { Statement: Array<{ Resource: string }> } }).policyDocument.Statement[0].Resource).toBe(
      'arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/v1_beta/*',
    );
  });

  test('without a predicate, any verified active session is allowed', async () => {
    const open = loadHandler(BASE);
    const out = await invoke(open, restTokenEvent(bearer(member)));
    expect(out.status).toBe(200);
  });

  test.each([
    ['signedIn', { op: 'signedIn' }, 'allow'],
    ['anyOf(signedIn, the admin rule)', { op: 'anyOf', of: [{ op: 'signedIn' }, JSON.parse(ADMIN_ONLY)] }, 'allow'],
    ['allOf(signedIn, the admin rule)', { op: 'allOf', of: [{ op: 'signedIn' }, JSON.parse(ADMIN_ONLY)] }, 'deny'],
    ['noneOf(signedIn)', { op: 'noneOf', of: [{ op: 'signedIn' }] }, 'deny'],
  ])('signedIn holds for any verified token, alone or inside a combinator: %s → %s (a member)', async (_name, predicate, decision) => {
    const out = await invoke(loadHandler({ ...BASE, CLERK_PREDICATE: JSON.stringify(predicate) }), restTokenEvent(bearer(member)));
    expect(out.status).toBe(decision === 'allow' ? 200 : 403);
    expect(out.logs).toEqual([
      { decision, reason: decision === 'allow' ? 'ok' : 'predicate_failed', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' },
    ]);
  });
});

describe('claim checks, for each event kind', () => {
  const handler = loadHandler({ ...BASE, CLERK_AUTHORIZED_PARTIES: JSON.stringify([TEST_AZP]), CLERK_AUDIENCE: '["api"]' });
  const ok = (overrides: Record<string, unknown>) => clerkV2Payload({ aud: 'api', ...overrides });
  const sign = (payload: Record<string, unknown>, header = sessionHeader()) => signJwt(header, payload, keys.privateKey);

  // [name, token, expected reason ('ok' = allowed), expected detail]
  const cases: Array<[string, string, string, string?]> = [
    ['valid v2 session token', sign(ok({})), 'ok'],
    ['valid v1 session token (no sts, no v)', sign(clerkV1Payload({ aud: 'api' })), 'ok'],
    ['token without cat header (pre-category Clerk)', sign(ok({}), { alg: 'RS256', kid: 'ins_test', typ: 'JWT' }), 'ok'],
    ['token with Clerk\'s "ignore" category (instances with use_ignore_jwt_cat)', sign(ok({}), sessionHeader('ins_test', { cat: 'cl_I7d4PD111III' })), 'ok'],
    ['token without typ header', sign(ok({}), { alg: 'RS256', kid: 'ins_test', cat: 'cl_B7d4PD111AAA' }), 'ok'],
    ['token without kid (PEM mode has one key)', sign(ok({}), { alg: 'RS256' }), 'ok'],
    ['wrong iss', sign(ok({ iss: 'https://evil.example.com' })), 'iss_mismatch', 'iss_other'],
    ['iss with a trailing slash', sign(ok({ iss: `${TEST_ISSUER}/` })), 'iss_mismatch', 'iss_trailing_slash'],
    ['iss in another case', sign(ok({ iss: 'https://CLERK.example.com' })), 'iss_mismatch', 'iss_other'],
    ['iss as an array', sign(ok({ iss: [TEST_ISSUER] })), 'iss_mismatch', 'iss_missing'],
    ['missing iss', sign(ok({ iss: undefined })), 'iss_mismatch', 'iss_missing'],
    ['missing exp', sign(ok({ exp: undefined })), 'exp_missing', 'exp_absent'],
    ['exp as a string', sign(ok({ exp: String(NOW + 60) })), 'exp_missing', 'exp_not_number'],
    ['exp null', sign(ok({ exp: null })), 'exp_missing', 'exp_not_number'],
    ['expired beyond skew (exp = now - 5)', sign(ok({ exp: NOW - 5 })), 'expired'],
    ['expired long ago', sign(ok({ exp: NOW - 3600 })), 'expired'],
    ['expired within skew (exp = now - 4)', sign(ok({ exp: NOW - 4 })), 'ok'],
    ['nbf in the future beyond skew', sign(ok({ nbf: NOW + 6 })), 'not_yet_valid'],
    ['nbf in the future within skew', sign(ok({ nbf: NOW + 5 })), 'ok'],
    ['nbf as a string', sign(ok({ nbf: String(NOW) })), 'token_malformed', 'nbf_not_number'],
    ['missing nbf', sign(ok({ nbf: undefined })), 'ok'],
    ['iat in the future beyond skew', sign(ok({ iat: NOW + 6 })), 'iat_in_future'],
    ['iat in the future within skew', sign(ok({ iat: NOW + 5 })), 'ok'],
    ['iat as a boolean', sign(ok({ iat: true })), 'token_malformed', 'iat_not_number'],
    ['missing sub', sign(ok({ sub: undefined })), 'sub_missing'],
    ['empty sub', sign(ok({ sub: '' })), 'sub_missing'],
    ['numeric sub', sign(ok({ sub: 123 })), 'sub_missing'],
    // A `mch_` subject makes a token an M2M token, a `typ` of at+jwt an OAuth access token (Clerk's SDK decides so):
    // refused here because this authorizer accepts session tokens only.
    ['machine subject', sign(ok({ sub: 'mch_123' })), 'm2m_token_not_accepted'],
    ['fractional exp, expired in whole seconds', sign(ok({ exp: NOW - 5 + 0.5 })), 'expired'],
    ['fractional exp, valid', sign(ok({ exp: NOW - 4 + 0.5 })), 'ok'],
    ['fractional nbf is compared exactly', sign(ok({ nbf: NOW + 5.5 })), 'not_yet_valid'],
    ['JWT-template token (no sid)', sign(ok({ sid: undefined })), 'sid_missing'],
    ['empty sid', sign(ok({ sid: '' })), 'sid_missing'],
    ['JWT-template category header', sign(ok({}), sessionHeader('ins_test', { cat: TEMPLATE_CATEGORY })), 'category_not_session', 'cat_jwt_template'],
    ['M2M category header', sign(ok({}), sessionHeader('ins_test', { cat: 'cl_B7d4PD333AAA' })), 'category_not_session', 'cat_m2m'],
    ['OAuth access token typ', sign(ok({}), sessionHeader('ins_test', { typ: 'at+jwt' })), 'oauth_token_not_accepted'],
    ['another typ', sign(ok({}), sessionHeader('ins_test', { typ: 'jwt' })), 'category_not_session', 'typ_not_jwt'],
    ['pending session', sign(ok({ sts: 'pending' })), 'session_pending', 'sts_pending'],
    ['unknown session status', sign(ok({ sts: 'revoked' })), 'session_pending', 'sts_unknown'],
    ['session status not a string', sign(ok({ sts: 1 })), 'session_pending', 'sts_unknown'],
    ['wrong azp', sign(ok({ azp: 'https://evil.example.com' })), 'azp_mismatch', 'azp_not_listed'],
    ['missing azp', sign(ok({ azp: undefined })), 'azp_mismatch', 'azp_absent'],
    ['azp as an array', sign(ok({ azp: [TEST_AZP] })), 'azp_mismatch', 'azp_not_listed'],
    ['aud in an array', sign(ok({ aud: ['other', 'api'] })), 'ok'],
    ['wrong aud', sign(ok({ aud: 'other' })), 'aud_mismatch', 'aud_not_listed'],
    ['missing aud', sign(ok({ aud: undefined })), 'aud_mismatch', 'aud_absent'],
    ['aud array without a match', sign(ok({ aud: ['other', 1] })), 'aud_mismatch', 'aud_not_listed'],
    ['empty aud array', sign(ok({ aud: [] })), 'aud_mismatch', 'aud_not_listed'],
  ];

  const table = cases.flatMap(([name, token, reason, detail]) => KINDS.map((kind) => [kind, name, reason, token, detail] as const));
  test.each(table)('%s: %s → %s', async (kind, _name, reason, token, detail) => {
    const out = await invoke(handler, eventFor(kind, bearer(token)));
    if (reason === 'ok') {
      expect(out.status).toBe(200);
      expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', ...kidOf(token), event: kind }]);
      return;
    }
    expect(out.status).toBe(unauthorizedStatus(kind));
    // sub/sid are only logged from a verified token: these were refused before the signature was checked.
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason, ...(detail === undefined ? {} : { detail }), ...kidOf(token), event: kind }]);
  });

  test('a claim refused before the signature check still needs a valid signature to be allowed otherwise', async () => {
    const forged = sign(ok({})).replace(/\.[^.]+$/, `.${sign(ok({ sub: 'user_999' })).split('.')[2]}`);
    const out = await invoke(handler, restTokenEvent(bearer(forged)));
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('signature_invalid');
  });
});

describe('configuration options', () => {
  const token = (overrides: Record<string, unknown>) => validToken(overrides);
  const run = async (env: Record<string, string>, jwt: string) => invoke(loadHandler({ ...BASE, ...env }), restTokenEvent(bearer(jwt)));

  test('CLERK_CLOCK_SKEW_SECONDS defaults to 5', async () => {
    expect((await run({}, token({ exp: NOW - 4 }))).status).toBe(200);
    expect((await run({}, token({ exp: NOW - 5 }))).status).toBe(401);
    expect((await run({}, token({ nbf: NOW + 5 }))).status).toBe(200);
    expect((await run({}, token({ nbf: NOW + 6 }))).status).toBe(401);
  });

  test('CLERK_CLOCK_SKEW_SECONDS=0 allows no skew, to the millisecond', async () => {
    const handler = loadHandler({ ...BASE, CLERK_CLOCK_SKEW_SECONDS: '0' });
    clock.set(NOW + 59.999);
    expect((await invoke(handler, restTokenEvent(bearer(token({}))))).status).toBe(200);
    clock.set(NOW + 60);
    expect((await invoke(handler, restTokenEvent(bearer(token({}))))).logs[0].reason).toBe('expired');
    clock.set(NOW - 5.001);
    expect((await invoke(handler, restTokenEvent(bearer(token({}))))).logs[0].reason).toBe('not_yet_valid');
  });

  test('CLERK_CLOCK_SKEW_SECONDS=300', async () => {
    expect((await run({ CLERK_CLOCK_SKEW_SECONDS: '300' }, token({ exp: NOW - 299 }))).status).toBe(200);
    expect((await run({ CLERK_CLOCK_SKEW_SECONDS: '300' }, token({ exp: NOW - 300 }))).status).toBe(401);
  });

  test('CLERK_ALLOW_PENDING_SESSIONS defaults to false; true accepts sts pending but nothing else', async () => {
    expect((await run({}, token({ sts: 'pending' }))).logs[0].reason).toBe('session_pending');
    expect((await run({ CLERK_ALLOW_PENDING_SESSIONS: 'false' }, token({ sts: 'pending' }))).status).toBe(401);
    expect((await run({ CLERK_ALLOW_PENDING_SESSIONS: 'true' }, token({ sts: 'pending' }))).status).toBe(200);
    expect((await run({ CLERK_ALLOW_PENDING_SESSIONS: 'true' }, token({ sts: 'Pending' }))).logs[0].reason).toBe('session_pending');
  });

  test('CLERK_LOG_ALLOWED defaults to false (refusals only); true logs allows too', async () => {
    const predicate = { CLERK_PREDICATE: '{"op":"eq","claim":"metadata.role","value":"admin"}' };
    for (const quiet of [{ ...predicate, CLERK_LOG_ALLOWED: undefined }, { ...predicate, CLERK_LOG_ALLOWED: 'false' }]) {
      const handler = loadHandler({ ...BASE, ...quiet });
      const allowed = await invoke(handler, restTokenEvent(bearer(token({ metadata: { role: 'admin' } }))));
      expect(allowed.status).toBe(200);
      expect(allowed.lines).toEqual([]);
      const allowedHttp = await invoke(handler, httpEvent({ authorization: bearer(token({ metadata: { role: 'admin' } })) }));
      expect(allowedHttp.status).toBe(200);
      expect(allowedHttp.lines).toEqual([]);
      const denied = await invoke(handler, restTokenEvent(bearer(token({ metadata: { role: 'member' } }))));
      expect(denied.status).toBe(403);
      expect(denied.logs).toEqual([expect.objectContaining({ decision: 'deny', reason: 'predicate_failed' })]);
      const refused = await invoke(handler, restTokenEvent(bearer(token({ exp: NOW - 60 }))));
      expect(refused.status).toBe(401);
      expect(refused.logs).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'expired' })]);
      const refusedHttp = await invoke(handler, httpEvent({ authorization: bearer(token({ exp: NOW - 60 })) }));
      expect(refusedHttp.status).toBe(403);
      expect(refusedHttp.logs).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'expired', event: 'HTTP2' })]);
    }
    const loud = await run({ CLERK_LOG_ALLOWED: 'true' }, token({}));
    expect(loud.status).toBe(200);
    expect(loud.logs).toEqual([expect.objectContaining({ decision: 'allow', reason: 'ok' })]);
  });

  test('without CLERK_AUTHORIZED_PARTIES and CLERK_AUDIENCE, azp and aud are not checked', async () => {
    expect((await run({}, token({ azp: 'https://anything.example.com', aud: 'whatever' }))).status).toBe(200);
    expect((await run({}, token({ azp: undefined }))).status).toBe(200);
  });

  test('CLERK_AUTHORIZED_PARTIES lists several parties', async () => {
    const env = { CLERK_AUTHORIZED_PARTIES: '["https://a.example.com","https://b.example.com"]' };
    expect((await run(env, token({ azp: 'https://b.example.com' }))).status).toBe(200);
    expect((await run(env, token({ azp: 'https://b.example.com/' }))).logs[0].reason).toBe('azp_mismatch');
  });
});

describe('token extraction', () => {
  const handler = loadHandler(BASE);
  const jwt = validToken();

  test.each<[string, string, number, string]>([
    ['Bearer <jwt>', `Bearer ${jwt}`, 200, 'ok'],
    ['lowercase bearer', `bearer ${jwt}`, 200, 'ok'],
    ['uppercase BEARER', `BEARER ${jwt}`, 200, 'ok'],
    ['bare token (as Clerk accepts)', jwt, 200, 'ok'],
    ['empty header', '', 401, 'token_missing'],
    ['scheme only', 'Bearer', 401, 'token_malformed'],
    ['scheme and space only', 'Bearer ', 401, 'token_missing'],
    ['two spaces', `Bearer  ${jwt}`, 401, 'token_malformed'],
    ['tab', `Bearer\t${jwt}`, 401, 'token_malformed'],
    ['leading space', ` Bearer ${jwt}`, 401, 'token_malformed'],
    ['trailing space', `Bearer ${jwt} `, 401, 'token_malformed'],
    ['trailing newline', `Bearer ${jwt}\n`, 401, 'token_malformed'],
    ['another scheme', `Basic ${jwt}`, 401, 'token_malformed'],
    ['two tokens, space', `Bearer ${jwt} ${jwt}`, 401, 'token_malformed'],
    ['two tokens, comma', `Bearer ${jwt}, Bearer ${jwt}`, 401, 'token_malformed'],
    ['scheme without space', `Bearer${jwt}`, 401, 'token_malformed'],
    ['quoted token', `Bearer "${jwt}"`, 401, 'token_malformed'],
  ])('%s → %s', async (_name, header, status, reason) => {
    for (const kind of KINDS) {
      const out = await invoke(handler, eventFor(kind, header));
      expect(out.status).toBe(status === 401 ? unauthorizedStatus(kind) : status);
      expect(out.logs[0].reason).toBe(reason);
    }
  });

  test('TOKEN event without authorizationToken, or not a string', async () => {
    for (const value of [undefined, null, 42, {}, ['Bearer x']]) {
      const out = await invoke(handler, restTokenEvent(value));
      expect(out.status).toBe(401);
      expect(out.logs[0].reason).toBe(value === undefined || value === null ? 'token_missing' : 'token_malformed');
    }
  });

  test('REQUEST: the header name is matched in any case', async () => {
    for (const name of ['authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn']) {
      expect((await invoke(handler, restRequestEvent({ [name]: bearer(jwt) }))).status).toBe(200);
    }
  });

  test('REQUEST: no headers at all', async () => {
    const out = await invoke(handler, restRequestEvent(null));
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('token_missing');
  });

  test('REQUEST: two Authorization headers (multiValueHeaders) are ambiguous', async () => {
    const event = restRequestEvent({ Authorization: bearer(jwt) }, { multiValueHeaders: { Authorization: [bearer(validToken({ sub: 'user_2' })), bearer(jwt)] } });
    const out = await invoke(handler, event);
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('token_malformed');
  });

  test('REQUEST: the same header under two spellings is ambiguous', async () => {
    const out = await invoke(handler, restRequestEvent({ Authorization: bearer(jwt), authorization: bearer(jwt) }, { multiValueHeaders: null }));
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('token_malformed');
  });

  test('HTTP2: repeated headers joined with a comma are refused', async () => {
    const out = await invoke(handler, httpEvent({ authorization: `${bearer(jwt)},${bearer(jwt)}` }));
    expect(out.result).toEqual({ isAuthorized: false });
    expect(out.logs[0].reason).toBe('token_malformed');
  });

  test('a header value that is not a string is refused', async () => {
    const out = await invoke(handler, { ...restRequestEvent({}), headers: { Authorization: 42 }, multiValueHeaders: null });
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('token_malformed');
  });
});

describe('__session cookie', () => {
  const jwt = validToken();
  const off = loadHandler(BASE);
  const on = loadHandler({ ...BASE, CLERK_SESSION_COOKIE: 'true' });

  test('CLERK_SESSION_COOKIE defaults to false: the cookie is ignored', async () => {
    expect((await invoke(off, restRequestEvent({ Cookie: `__session=${jwt}` }))).logs[0].reason).toBe('token_missing');
    expect((await invoke(off, httpEvent({}, [`__session=${jwt}`]))).logs[0].reason).toBe('token_missing');
  });

  test('REST REQUEST reads __session from the Cookie header', async () => {
    const out = await invoke(on, restRequestEvent({ Cookie: `theme=dark; __session=${jwt}; __client_uat=1` }));
    expect(out.status).toBe(200);
  });

  test('HTTP2 reads __session from cookies', async () => {
    expect((await invoke(on, httpEvent({}, ['theme=dark', `__session=${jwt}`]))).status).toBe(200);
  });

  test('the Authorization header wins over the cookie', async () => {
    const expired = validToken({ exp: NOW - 60 });
    const out = await invoke(on, httpEvent({ authorization: bearer(expired) }, [`__session=${jwt}`]));
    expect(out.logs[0].reason).toBe('expired');
  });

  test('two __session cookies are ambiguous', async () => {
    const out = await invoke(on, httpEvent({}, [`__session=${jwt}`, `__session=${jwt}`]));
    expect(out.logs[0].reason).toBe('token_malformed');
    const rest = await invoke(on, restRequestEvent({ Cookie: `__session=${jwt}; __session=${jwt}` }));
    expect(rest.logs[0].reason).toBe('token_malformed');
  });

  test('similar cookie names are not the session', async () => {
    const out = await invoke(on, httpEvent({}, [`__session_abc=${jwt}`, `x__session=${jwt}`]));
    expect(out.logs[0].reason).toBe('token_missing');
  });

  test('TOKEN events never read cookies (they have none)', async () => {
    expect((await invoke(on, restTokenEvent(''))).logs[0].reason).toBe('token_missing');
  });
});

describe('context', () => {
  const handler = loadHandler(BASE);

  test('v2 organization: orgRole prefixed, permissions decoded from fea/per/fpm', async () => {
    const payload = clerkV2Payload({
      fea: 'o:dashboard,o:impersonation',
      o: { id: 'org_123', slg: 'acme', rol: 'admin', per: 'read,manage', fpm: '3,2' },
      metadata: { role: 'admin', nested: { list: [1, 2] } },
    });
    const out = await invoke(handler, httpEvent({ authorization: bearer(signJwt(sessionHeader(), payload, keys.privateKey)) }));
    expect(out.result).toEqual({
      isAuthorized: true,
      context: {
        tokenType: 'session_token',
        userId: 'user_123',
        sessionId: 'sess_123',
        orgId: 'org_123',
        orgRole: 'org:admin',
        orgPermissions: 'org:dashboard:read,org:dashboard:manage,org:impersonation:manage',
        claims: JSON.stringify(payload),
      },
    });
  });

  test('v1 organization: claims as they are', async () => {
    const payload = clerkV1Payload({ org_id: 'org_1', org_role: 'org:member', org_permissions: ['org:a:read', 'org:b:write'] });
    const out = await invoke(handler, restTokenEvent(bearer(signJwt(sessionHeader(), payload, keys.privateKey))));
    expect((out.result as { context: unknown }).context).toEqual({
      tokenType: 'session_token',
      userId: 'user_123',
      sessionId: 'sess_123',
      orgId: 'org_1',
      orgRole: 'org:member',
      orgPermissions: 'org:a:read,org:b:write',
      claims: JSON.stringify(payload),
    });
    expect(out.status).toBe(200);
  });

  test('REST context values are strings only, even with nested custom claims', async () => {
    const payload = clerkV2Payload({ metadata: { roles: ['a', 'b'], flags: { x: true } } });
    const out = await invoke(handler, restTokenEvent(bearer(signJwt(sessionHeader(), payload, keys.privateKey))));
    const context = (out.result as { context: Record<string, unknown> }).context;
    expect(Object.values(context).every((v) => typeof v === 'string')).toBe(true);
    expect(JSON.parse(context.claims as string)).toEqual(payload);
    expect(out.status).toBe(200);
  });

  test('organization claims that cannot be decoded are refused, not read as "no organization"', async () => {
    const payload = clerkV2Payload({ fea: 'dashboard', o: { id: 'org_1', rol: 'admin', per: 'read', fpm: '1' } });
    const guarded = loadHandler({ ...BASE, CLERK_PREDICATE: JSON.stringify({ op: 'noneOf', of: [{ op: 'orgRole', roles: ['guest'] }] }) });
    const out = await invoke(guarded, restTokenEvent(bearer(signJwt(sessionHeader(), payload, keys.privateKey))));
    expect(out.status).toBe(401);
    expect(out.logs).toEqual([
      { decision: 'unauthorized', reason: 'token_malformed', detail: 'organization_claims', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' },
    ]);
  });
});

describe('the claims context is exactly what the predicate evaluated', () => {
  /** A token whose payload JSON is the v2 payload with `extra` (raw JSON text) appended as members. */
  const rawToken = (extra: string) =>
    signRawJwt(JSON.stringify(sessionHeader()), JSON.stringify(clerkV2Payload()).replace(/}$/, `,${extra}}`), keys.privateKey);
  const existsN = loadHandler({ ...BASE, CLERK_PREDICATE: JSON.stringify({ op: 'noneOf', of: [{ op: 'eq', claim: 'n', value: 1 }] }) });

  test.each([
    ['1e400', '"n":1e400'],
    ['-1e400', '"n":-1e400'],
    ['a 400-digit integer', `"n":${'9'.repeat(400)}`],
    ['nested in an array', '"metadata":{"scores":[1,2,1e999]}'],
  ])('a number too large for a double (%s) is refused: the predicate would see Infinity, the context null', async (_name, extra) => {
    const out = await invoke(existsN, restTokenEvent(bearer(rawToken(extra))));
    expect(out.status).toBe(401);
    expect(out.logs).toEqual([
      { decision: 'unauthorized', reason: 'token_malformed', detail: 'claims_not_serializable', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' },
    ]);
  });

  test('null claims and large finite numbers are kept, and the context holds them as evaluated', async () => {
    const out = await invoke(existsN, restTokenEvent(bearer(rawToken('"n":1e308,"m":null,"big":9007199254740993'))));
    expect(out.status).toBe(200);
    const claims = JSON.parse((out.result as { context: { claims: string } }).context.claims);
    expect(claims).toMatchObject({ n: 1e308, m: null, big: 9007199254740992 });
  });

  test('an integer claim beyond 2^53 never equals a predicate value: those are limited to 2^53 - 1', async () => {
    const handler = loadHandler({ ...BASE, CLERK_PREDICATE: JSON.stringify({ op: 'in', claim: 'n', values: [9007199254740991] }) });
    const out = await invoke(handler, restTokenEvent(bearer(rawToken('"n":9007199254740993'))));
    expect(out.status).toBe(403);
    expect(out.logs[0]).toMatchObject({ decision: 'deny', reason: 'predicate_failed' });
    expect(() => loadHandler({ ...BASE, CLERK_PREDICATE: '{"op":"eq","claim":"n","value":9007199254740992}' })).toThrow(
      new Error('CLERK_PREDICATE $.value must be a number from -9007199254740991 to 9007199254740991 (larger integers cannot be compared exactly), got: 9007199254740992'),
    );
  });
});

describe('logs', () => {
  test('never contain the token, its signature, or the event', async () => {
    const handler = loadHandler({ ...BASE, CLERK_PREDICATE: ADMIN_ONLY });
    const allowed = validToken({ metadata: { role: 'admin' } });
    const denied = validToken({ metadata: { role: 'x' } });
    const forged = `${allowed.slice(0, allowed.lastIndexOf('.'))}.${denied.split('.')[2]}`;
    for (const jwt of [allowed, denied, forged]) {
      for (const kind of KINDS) {
        const out = await invoke(handler, eventFor(kind, bearer(jwt)));
        expect(out.logs).toHaveLength(1);
        // Every line written, the runtime's error line for a 401 included.
        expect(out.lines).toHaveLength(1);
        const line = out.lines[0];
        for (const part of jwt.split('.')) expect(line).not.toContain(part.slice(0, 16));
        expect(line).not.toContain('abcdef1234');
        expect(Object.keys(out.logs[0]).every((k) => ['decision', 'reason', 'sub', 'sid', 'kid', 'event'].includes(k))).toBe(true);
      }
    }
  });
});

describe('events that are not authorizer events', () => {
  const handler = loadHandler(BASE);
  const jwt = validToken();

  test.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'Bearer x'],
    ['an array', [restTokenEvent(bearer(jwt))]],
    ['an empty object', {}],
    ['an unknown type', { type: 'WEBSOCKET', authorizationToken: bearer(jwt), methodArn: METHOD_ARN }],
    ['a REST event without methodArn', { type: 'TOKEN', authorizationToken: bearer(jwt) }],
    ['a malformed methodArn', restTokenEvent(bearer(jwt), 'arn:aws:execute-api:us-east-1:123456789012:abc')],
    ['a methodArn of another service', restTokenEvent(bearer(jwt), 'arn:aws:lambda:us-east-1:123456789012:function/x/y')],
    ['a methodArn that is not a string', restTokenEvent(bearer(jwt), { arn: METHOD_ARN })],
    ['a methodArn with a wildcard stage', restTokenEvent(bearer(jwt), 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*/GET/x')],
    ['a 2 KB methodArn', restTokenEvent(bearer(jwt), `${METHOD_ARN}/${'a'.repeat(2000)}`)],
  ])('%s → Unauthorized, never another error', async (_name, event) => {
    const out = await invoke(handler, event);
    expect(out.status).toBe(401);
    expect((out.error as Error).message).toBe('Unauthorized');
    expect(out.logs).toHaveLength(1);
    expect(out.logs[0]).toMatchObject({ decision: 'unauthorized', reason: 'event_unsupported' });
  });
});

describe('configuration errors at cold start name the variable', () => {
  const rsa1024 = makeKeys('short', 'rsa', 1024).publicKeyPem;
  const ec = makeKeys('ec', 'ec').publicKeyPem;
  const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  /** How a rejected PEM is shown: its length and label, never a character of the key. */
  const pemShown = (v: string, label?: string) => `a value of ${v.length} characters${label === undefined ? '' : ` with the label ${label}`} (not shown)`;
  const PEM_RULE = 'must be an RSA public key of at least 2048 bits in SPKI PEM form (-----BEGIN PUBLIC KEY-----)';

  test.each<[string, Record<string, string | undefined>, string]>([
    ['issuer missing', { CLERK_ISSUER: undefined }, 'CLERK_ISSUER is required'],
    ...INVALID_ISSUERS.filter((c) => c.handlerRefuses).map((c): [string, Record<string, string>, string] => [
      // Credentials are shown as *** (see the redaction test below).
      `issuer: ${c.name}`, { CLERK_ISSUER: c.issuer }, `CLERK_ISSUER ${HANDLER_ISSUER_RULE}, got: ${JSON.stringify(c.issuer.replace('//user:secret@', '//***@'))}`,
    ]),
    ['PEM and JWKS both', { CLERK_JWKS_URI: 'https://clerk.example.com/.well-known/jwks.json' }, 'CLERK_PUBLIC_KEY_PEM and CLERK_JWKS_URI are both set: set one'],
    ['PEM garbage', { CLERK_PUBLIC_KEY_PEM: 'not a key' }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: a value of 9 characters (not shown)`],
    ['PEM with literal \\n', { CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem.replace(/\n/g, '\\n') }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(keys.publicKeyPem.replace(/\n/g, '\\n'), '-----BEGIN PUBLIC KEY-----')}`],
    ['private key', { CLERK_PUBLIC_KEY_PEM: privatePem }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(privatePem, '-----BEGIN PRIVATE KEY-----')}`],
    // node would read the public key of the first block and ignore the rest: a private key anywhere is refused.
    ['public key followed by a private key', { CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem + privatePem }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(keys.publicKeyPem + privatePem, '-----BEGIN PUBLIC KEY-----')}`],
    ['EC key', { CLERK_PUBLIC_KEY_PEM: ec }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(ec, '-----BEGIN PUBLIC KEY-----')}`],
    ['1024-bit RSA key', { CLERK_PUBLIC_KEY_PEM: rsa1024 }, `CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(rsa1024, '-----BEGIN PUBLIC KEY-----')}`],
    ['JWKS URI http', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'http://clerk.example.com/jwks' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "http://clerk.example.com/jwks"'],
    ['JWKS URI garbage', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'jwks' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "jwks"'],
    ['JWKS URI with a user name only', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'https://user@keys.example.com/jwks.json' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "https://***@keys.example.com/jwks.json"'],
    ['JWKS URI with a password only', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'https://:s3cret@keys.example.com/jwks.json' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "https://***@keys.example.com/jwks.json"'],
    // The URL parser drops surrounding spaces itself: the value as written is checked.
    ['JWKS URI with a leading space', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: ' https://keys.example.com/jwks.json' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: " https://keys.example.com/jwks.json"'],
    ['JWKS URI with a trailing newline', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'https://keys.example.com/jwks.json\n' }, 'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "https://keys.example.com/jwks.json\\n"'],
    ['audience not JSON', { CLERK_AUDIENCE: 'api' }, 'CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "api"'],
    ['audience empty', { CLERK_AUDIENCE: '[]' }, 'CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[]"'],
    ['audience numbers', { CLERK_AUDIENCE: '[1]' }, 'CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[1]"'],
    ['audience with an empty string', { CLERK_AUDIENCE: '[""]' }, 'CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\"\\"]"'],
    ['audience with a number beside a string', { CLERK_AUDIENCE: '["api",1]' }, 'CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\"api\\",1]"'],
    ['audience of 51 entries', { CLERK_AUDIENCE: JSON.stringify(Array.from({ length: 51 }, (_, i) => `a${i}`)) }, `CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: ${JSON.stringify(`${JSON.stringify(Array.from({ length: 51 }, (_, i) => `a${i}`)).slice(0, 60)}...`)}`],
    ['audience too long to show', { CLERK_AUDIENCE: `["${'a'.repeat(70)}"` }, `CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\"${'a'.repeat(58)}..."`],
    // 60 characters are shown whole; 61 are cut to 60 and `...`.
    ['audience of 60 characters', { CLERK_AUDIENCE: `["${'a'.repeat(57)}"` }, `CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\"${'a'.repeat(57)}\\""`],
    ['audience of 61 characters', { CLERK_AUDIENCE: `["${'a'.repeat(58)}"` }, `CLERK_AUDIENCE must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\"${'a'.repeat(58)}..."`],
    ['parties with spaces', { CLERK_AUTHORIZED_PARTIES: '[" https://a.example.com"]' }, 'CLERK_AUTHORIZED_PARTIES must be a JSON array of 1 to 50 non-empty strings without surrounding spaces, got: "[\\" https://a.example.com\\"]"'],
    ['predicate invalid', { CLERK_PREDICATE: '{"op":"eq","claim":"a"}' }, 'CLERK_PREDICATE $.value is missing'],
    ['predicate empty', { CLERK_PREDICATE: '' }, 'CLERK_PREDICATE must be a JSON predicate, got an empty value'],
    ['skew negative', { CLERK_CLOCK_SKEW_SECONDS: '-1' }, 'CLERK_CLOCK_SKEW_SECONDS must be an integer from 0 to 300, got: "-1"'],
    ['skew too large', { CLERK_CLOCK_SKEW_SECONDS: '301' }, 'CLERK_CLOCK_SKEW_SECONDS must be an integer from 0 to 300, got: "301"'],
    ['skew fractional', { CLERK_CLOCK_SKEW_SECONDS: '1.5' }, 'CLERK_CLOCK_SKEW_SECONDS must be an integer from 0 to 300, got: "1.5"'],
    ['skew leading zero', { CLERK_CLOCK_SKEW_SECONDS: '05' }, 'CLERK_CLOCK_SKEW_SECONDS must be an integer from 0 to 300, got: "05"'],
    ['pending not boolean', { CLERK_ALLOW_PENDING_SESSIONS: 'yes' }, 'CLERK_ALLOW_PENDING_SESSIONS must be true or false, got: "yes"'],
    ['cookie not boolean', { CLERK_SESSION_COOKIE: 'TRUE' }, 'CLERK_SESSION_COOKIE must be true or false, got: "TRUE"'],
    ['log allowed not boolean', { CLERK_LOG_ALLOWED: 'no' }, 'CLERK_LOG_ALLOWED must be true or false, got: "no"'],
    ['timeout 0', { CLERK_JWKS_TIMEOUT_MS: '0' }, 'CLERK_JWKS_TIMEOUT_MS must be an integer from 1 to 5000, got: "0"'],
    ['timeout 5001', { CLERK_JWKS_TIMEOUT_MS: '5001' }, 'CLERK_JWKS_TIMEOUT_MS must be an integer from 1 to 5000, got: "5001"'],
    ['cooldown too large', { CLERK_JWKS_COOLDOWN_MS: '600001' }, 'CLERK_JWKS_COOLDOWN_MS must be an integer from 0 to 600000, got: "600001"'],
    ['cache max age too small', { CLERK_JWKS_CACHE_MAX_AGE_MS: '999' }, 'CLERK_JWKS_CACHE_MAX_AGE_MS must be an integer from 1000 to 86400000, got: "999"'],
    ['stale-if-error too large', { CLERK_JWKS_STALE_IF_ERROR_MS: '86400001' }, 'CLERK_JWKS_STALE_IF_ERROR_MS must be an integer from 0 to 86400000, got: "86400001"'],
    ['stale-if-error negative', { CLERK_JWKS_STALE_IF_ERROR_MS: '-1' }, 'CLERK_JWKS_STALE_IF_ERROR_MS must be an integer from 0 to 86400000, got: "-1"'],
  ])('fails if %s', (_name, env, message) => {
    expect(() => loadHandler({ ...BASE, ...env })).toThrow(new Error(message));
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ['an EC private key', { CLERK_PUBLIC_KEY_PEM: makeKeys('ec', 'ec').privateKey.export({ type: 'sec1', format: 'pem' }).toString() }, '-----BEGIN EC PRIVATE KEY-----'],
    ['an Ed25519 private key', { CLERK_PUBLIC_KEY_PEM: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, '-----BEGIN PRIVATE KEY-----'],
    ['a private key without its PEM lines', { CLERK_PUBLIC_KEY_PEM: privatePem.split('\n').slice(1, -2).join('') }, ''],
  ])('a rejected key variable never shows key material: %s', (_name, env, label) => {
    const value = env.CLERK_PUBLIC_KEY_PEM!;
    const body = value.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s/g, '');
    expect(() => loadHandler({ ...BASE, ...env })).toThrow(
      new Error(`CLERK_PUBLIC_KEY_PEM ${PEM_RULE}, got: ${pemShown(value, label === '' ? undefined : label)}`),
    );
    try {
      loadHandler({ ...BASE, ...env });
    } catch (e) {
      // Not even 8 characters of the key's base64 appear.
      for (let i = 0; i + 8 <= body.length; i += 4) expect((e as Error).message).not.toContain(body.slice(i, i + 8));
    }
  });

  test.each<[string, Record<string, string | undefined>, string]>([
    ['JWKS URI credentials', { CLERK_PUBLIC_KEY_PEM: undefined, CLERK_JWKS_URI: 'https://user:s3cret@keys.example.com/jwks.json' },
      'CLERK_JWKS_URI must be an https URL (http only for a loopback host) without credentials or fragment, got: "https://***@keys.example.com/jwks.json"'],
    ['issuer credentials', { CLERK_ISSUER: 'https://user:s3cret@clerk.example.com' },
      `CLERK_ISSUER ${HANDLER_ISSUER_RULE}, got: "https://***@clerk.example.com"`],
  ])('a rejected URL never shows its credentials: %s', (_name, env, message) => {
    expect(() => loadHandler({ ...BASE, ...env })).toThrow(new Error(message));
  });


  test('an issuer with a path (Clerk satellite or proxy setups) is accepted', () => {
    expect(() => loadHandler({ ...BASE, CLERK_ISSUER: 'https://example.com/__clerk' })).not.toThrow();
  });

  test('every variable at its boundary is accepted', () => {
    expect(() =>
      loadHandler({
        ...BASE,
        CLERK_CLOCK_SKEW_SECONDS: '300',
        CLERK_ALLOW_PENDING_SESSIONS: 'true',
        CLERK_SESSION_COOKIE: 'false',
        CLERK_AUDIENCE: JSON.stringify(Array.from({ length: 50 }, (_, i) => `a${i}`)),
        CLERK_AUTHORIZED_PARTIES: '["https://app.example.com"]',
        CLERK_PREDICATE: ADMIN_ONLY,
        CLERK_JWKS_TIMEOUT_MS: '5000',
        CLERK_JWKS_COOLDOWN_MS: '0',
        CLERK_JWKS_CACHE_MAX_AGE_MS: '86400000',
        CLERK_JWKS_STALE_IF_ERROR_MS: '86400000',
      }),
    ).not.toThrow();
  });

  test('a PEM with blank lines around it is accepted (as pasted)', () => {
    expect(() => loadHandler({ ...BASE, CLERK_PUBLIC_KEY_PEM: `\n\n${keys.publicKeyPem}\n\n` })).not.toThrow();
  });
});
