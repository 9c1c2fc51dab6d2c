/**
 * The `detail` of each decision record: which cause, within one reason code, refused the request. One row per site
 * (the claim checks' details are asserted in handler.test.ts, the JWKS ones in handler-jwks.test.ts). Static strings
 * only: never the token or a value taken from it.
 */
import { bearer, eventFor, fixTime, httpEvent, Kind, KINDS, loadHandler, restRequestEvent, restTokenEvent, invoke } from './util/handler';
import { b64url, clerkV2Payload, jwtFromSegments, sessionHeader, signJwt, TEST_ISSUER, testKeys } from './util/tokens';

const keys = testKeys();
const BASE = { CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem };
const handler = loadHandler(BASE);
const cookieHandler = loadHandler({ ...BASE, CLERK_SESSION_COOKIE: 'true' });

const valid = signJwt(sessionHeader(), clerkV2Payload(), keys.privateKey);
const [, PAYLOAD, SIGNATURE] = valid.split('.');
/** A valid token's payload and signature under this header: the header checks refuse it before anything else. */
const withHeader = (header: Record<string, unknown>) => jwtFromSegments(b64url(JSON.stringify(header)), PAYLOAD, SIGNATURE);

beforeEach(() => fixTime());
afterEach(() => jest.restoreAllMocks());

describe('token details, for each event kind', () => {
  const cases: Array<[string, string, string, string]> = [
    ['Bearer and nothing', 'Bearer ', 'token_missing', 'bearer_empty'],
    ['a bare value of more characters than a token', 'x'.repeat(8200), 'token_too_large', 'authorization_too_long'],
    ['a bare token of 8193 characters', `${'a'.repeat(8191)}.b`, 'token_too_large', 'jwt_too_long'],
    ['one segment', bearer('YQ'), 'token_malformed', 'not_three_segments'],
    // Without a dot, no part of the value is read as a header, not even all of it but the last character.
    ['a header without its dots', bearer(`${b64url(JSON.stringify(sessionHeader()))}A`), 'token_malformed', 'not_three_segments'],
    ['two segments', bearer('YQ.YQ'), 'token_malformed', 'not_three_segments'],
    ['four segments', bearer(`${valid}.YQ`), 'token_malformed', 'not_three_segments'],
    ['a header that is not JSON', bearer(jwtFromSegments(b64url('not json'), PAYLOAD, SIGNATURE)), 'token_malformed', 'header_not_json_object'],
    ['a header that is a JSON array', bearer(jwtFromSegments(b64url('[]'), PAYLOAD, SIGNATURE)), 'token_malformed', 'header_not_json_object'],
    ['a kid that is not a string', bearer(withHeader({ alg: 'RS256', kid: 42 })), 'token_malformed', 'kid_invalid'],
    ['a kid of 257 characters', bearer(withHeader({ alg: 'RS256', kid: 'k'.repeat(257) })), 'token_malformed', 'kid_invalid'],
    ['a payload that is not JSON', bearer(jwtFromSegments(valid.split('.')[0], b64url('nope'), SIGNATURE)), 'token_malformed', 'payload_not_json_object'],
    ['an empty signature', bearer(jwtFromSegments(...valid.split('.').slice(0, 2), '')), 'token_malformed', 'signature_not_base64url'],
    ['a signature that is not base64url', bearer(jwtFromSegments(...valid.split('.').slice(0, 2), 'a+b/')), 'token_malformed', 'signature_not_base64url'],
    ['no alg', bearer(withHeader({ kid: 'ins_test' })), 'alg_not_allowed', 'alg_missing'],
    ['alg none', bearer(withHeader({ alg: 'none', kid: 'ins_test' })), 'alg_not_allowed', 'alg_none'],
    ['alg NONE', bearer(withHeader({ alg: 'NONE', kid: 'ins_test' })), 'alg_not_allowed', 'alg_none'],
    ['alg HS256 (the public key as an HMAC secret)', bearer(withHeader({ alg: 'HS256', kid: 'ins_test' })), 'alg_not_allowed', 'alg_hmac'],
    ['alg RS512', bearer(withHeader({ alg: 'RS512', kid: 'ins_test' })), 'alg_not_allowed', 'alg_other'],
    ['alg as a number', bearer(withHeader({ alg: 256, kid: 'ins_test' })), 'alg_not_allowed', 'alg_other'],
    ...['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'].map(
      (name): [string, string, string, string] => [`a ${name} header`, bearer(withHeader({ ...sessionHeader(), [name]: 'x' })), 'header_key_not_trusted', name],
    ),
    ['a crit header', bearer(withHeader({ ...sessionHeader(), crit: ['exp'] })), 'crit_unsupported', 'crit'],
    ['a b64 header', bearer(withHeader({ ...sessionHeader(), b64: false })), 'crit_unsupported', 'b64'],
    ['an unknown category', bearer(withHeader(sessionHeader('ins_test', { cat: 'cl_other' }))), 'category_not_session', 'cat_unknown'],
  ];
  test.each(cases.flatMap(([name, value, reason, detail]) => KINDS.map((kind) => [kind, name, reason, detail, value] as const)))(
    '%s: %s → %s / %s',
    async (kind, _name, reason, detail, value) => {
      const out = await invoke(handler, eventFor(kind, value));
      expect(out.logs).toHaveLength(1);
      expect(out.logs[0]).toMatchObject({ decision: 'unauthorized', reason, detail, event: kind });
    },
  );
});

describe('header and cookie details', () => {
  const kinds: Kind[] = ['REQUEST', 'HTTP2'];
  const without = (kind: Kind, cookies?: string[]) =>
    kind === 'HTTP2' ? httpEvent({}, cookies) : restRequestEvent(cookies === undefined ? {} : { Cookie: cookies.join('; ') });

  test('TOKEN: an empty authorizationToken → token_missing / authorization_absent', async () => {
    const out = await invoke(handler, restTokenEvent(''));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_missing', detail: 'authorization_absent', event: 'TOKEN' }]);
  });

  test('TOKEN: an authorizationToken that is not a string → token_malformed / authorization_not_string', async () => {
    const out = await invoke(handler, restTokenEvent(42));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_malformed', detail: 'authorization_not_string', event: 'TOKEN' }]);
  });

  test.each(kinds)('%s: no Authorization header → token_missing / authorization_absent', async (kind) => {
    const out = await invoke(handler, without(kind));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_missing', detail: 'authorization_absent', event: kind }]);
  });

  test('REQUEST: two Authorization values → token_malformed / authorization_repeated', async () => {
    const event = restRequestEvent({ Authorization: bearer(valid) }, { multiValueHeaders: { Authorization: [bearer(valid), bearer(valid)] } });
    const out = await invoke(handler, event);
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_malformed', detail: 'authorization_repeated', event: 'REQUEST' }]);
  });

  test.each(kinds)('%s with sessionCookie: no cookie → token_missing / session_cookie_absent', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, ['other=1']));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_missing', detail: 'session_cookie_absent', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: two __session cookies → token_malformed / session_cookie_repeated', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, [`__session=${valid}`, `__session=${valid}`]));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_malformed', detail: 'session_cookie_repeated', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: a __session cookie longer than a token → token_too_large / session_cookie_too_long', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, [`__session=${'x'.repeat(8193)}`]));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_too_large', detail: 'session_cookie_too_long', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: a __session cookie as long as a token is read → token_malformed / not_three_segments', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, [`__session=${'x'.repeat(8192)}`]));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_malformed', detail: 'not_three_segments', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: a __session of spaces only → token_missing / session_cookie_absent', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, ['__session= ']));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_missing', detail: 'session_cookie_absent', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: a cookie without `=` is no __session → token_missing / session_cookie_absent', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, ['__session ', '__session1']));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'token_missing', detail: 'session_cookie_absent', event: kind }]);
  });

  test.each(kinds)('%s with sessionCookie: spaces around the __session value are not part of it', async (kind) => {
    const out = await invoke(cookieHandler, without(kind, [`__session= ${valid} `, 'theme=dark']));
    expect(out.status).toBe(200);
    expect(out.logs).toEqual([]);
  });
});

describe('event details', () => {
  test('an event of no known shape → event_unsupported / event_shape', async () => {
    const out = await invoke(handler, { hello: 'world' });
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'event_unsupported', detail: 'event_shape' }]);
  });

  test.each(['TOKEN', 'REQUEST'] as const)('%s: a method ARN that is not one → event_unsupported / method_arn', async (kind) => {
    const event = kind === 'TOKEN' ? restTokenEvent(bearer(valid), 'arn:nope') : restRequestEvent({ Authorization: bearer(valid) }, { methodArn: 'arn:nope' });
    const out = await invoke(handler, event);
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'event_unsupported', detail: 'method_arn', event: kind }]);
  });
});

describe('reasons with a single cause carry no detail', () => {
  test.each([
    ['expired', clerkV2Payload({ exp: 1 })],
    ['not_yet_valid', clerkV2Payload({ nbf: 4_000_000_000 })],
    ['sid_missing', clerkV2Payload({ sid: undefined })],
  ])('%s', async (reason, payload) => {
    const out = await invoke(handler, restTokenEvent(bearer(signJwt(sessionHeader(), payload, keys.privateKey))));
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason, kid: 'ins_test', event: 'TOKEN' }]);
  });
});
