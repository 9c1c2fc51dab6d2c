/**
 * The attack table, on the shipped bundle: every row is a token an attacker can make (or a valid token bent the
 * wrong way), and none may be allowed, and none may produce anything but Unauthorized / Deny (never a 500).
 * Then two properties: any single-character change to a valid token is refused, and no event whatsoever makes the
 * handler answer with anything API Gateway would turn into a 500.
 */
import * as fc from 'fast-check';
import {
  bearer,
  eventFor,
  fixTime,
  httpEvent,
  invoke,
  KINDS,
  loadHandler,
  restRequestEvent,
  restTokenEvent,
  TestClock,
} from './util/handler';
import {
  b64url,
  clerkV2Payload,
  jwtFromSegments,
  makeKeys,
  NOW,
  segment,
  sessionHeader,
  signatureFor,
  signJwt,
  signRawJwt,
  TEMPLATE_CATEGORY,
  TEST_AZP,
  TEST_ISSUER,
  testKeys,
} from './util/tokens';

const keys = testKeys();
const attacker = makeKeys('ins_test');
const ecKeys = makeKeys('ins_test', 'ec');
const ENV = {
  CLERK_ISSUER: TEST_ISSUER,
  CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem,
  CLERK_AUTHORIZED_PARTIES: JSON.stringify([TEST_AZP]),
  CLERK_PREDICATE: JSON.stringify({ op: 'in', claim: 'metadata.role', values: ['admin'] }),
};
const handler = loadHandler(ENV);

let clock: TestClock;
beforeEach(() => {
  clock = fixTime();
});
afterEach(() => clock.restore());

/** A payload that would be allowed if it were honestly signed. */
const admin = (overrides: Record<string, unknown> = {}) => clerkV2Payload({ metadata: { role: 'admin' }, ...overrides });
const header = (extra: Record<string, unknown> = {}) => sessionHeader('ins_test', extra);
const good = (overrides: Record<string, unknown> = {}) => signJwt(header(), admin(overrides), keys.privateKey);
const VALID = good();
const [VALID_H, VALID_P, VALID_S] = VALID.split('.');
/** Signing input of `h.p` with the real key, for tokens whose bytes only the issuer could sign. */
const withRealSignature = (h: string, p: string) => jwtFromSegments(h, p, signatureFor('RS256', `${h}.${p}`, keys.privateKey));

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

// [name, Authorization header value, expected reason]
const ATTACKS: Array<[string, string, string]> = [
  // Algorithm confusion.
  ['alg none, no signature', bearer(jwtFromSegments(segment({ alg: 'none', typ: 'JWT' }), VALID_P, '')), 'alg_not_allowed'],
  ['alg none, with the real signature', bearer(jwtFromSegments(segment({ alg: 'none' }), VALID_P, VALID_S)), 'alg_not_allowed'],
  ['alg None', bearer(signJwt({ alg: 'None' }, admin(), keys.privateKey, 'RS256')), 'alg_not_allowed'],
  ['alg missing', bearer(jwtFromSegments(segment({ typ: 'JWT', kid: 'ins_test' }), VALID_P, VALID_S)), 'alg_not_allowed'],
  ['alg rs256 (case)', bearer(signJwt(header({ alg: 'rs256' }), admin(), keys.privateKey, 'RS256')), 'alg_not_allowed'],
  ['HS256 with the PEM text as secret', bearer(signJwt(header({ alg: 'HS256' }), admin(), keys.publicKeyPem)), 'alg_not_allowed'],
  ['HS256 with the PEM text, header says RS256', bearer(jwtFromSegments(VALID_H, VALID_P, signatureFor('HS256', `${VALID_H}.${VALID_P}`, keys.publicKeyPem))), 'signature_invalid'],
  ['HS512 with the DER key as secret', bearer(signJwt(header({ alg: 'HS512' }), admin(), keys.publicKey.export({ type: 'spki', format: 'der' }))), 'alg_not_allowed'],
  ['ES256 signed with an EC key', bearer(signJwt(header({ alg: 'ES256' }), admin(), ecKeys.privateKey)), 'alg_not_allowed'],
  ['ES256 signature under an RS256 header', bearer(jwtFromSegments(VALID_H, VALID_P, signatureFor('ES256', `${VALID_H}.${VALID_P}`, ecKeys.privateKey))), 'signature_invalid'],
  ['PS256 signed with the real key', bearer(signJwt(header({ alg: 'PS256' }), admin(), keys.privateKey)), 'alg_not_allowed'],
  ['PS256 signature under an RS256 header', bearer(jwtFromSegments(VALID_H, VALID_P, signatureFor('PS256', `${VALID_H}.${VALID_P}`, keys.privateKey))), 'signature_invalid'],
  ['RS512 signed with the real key', bearer(signJwt(header({ alg: 'RS512' }), admin(), keys.privateKey)), 'alg_not_allowed'],
  ['RS256 signed with another RSA key, same kid', bearer(signJwt(header(), admin(), attacker.privateKey)), 'signature_invalid'],
  ['the signature of another valid token', bearer(jwtFromSegments(VALID_H, segment(admin({ sub: 'user_evil' })), VALID_S)), 'signature_invalid'],
  ['signature stripped', bearer(jwtFromSegments(VALID_H, VALID_P, '')), 'token_malformed'],
  ['signature truncated', bearer(jwtFromSegments(VALID_H, VALID_P, VALID_S.slice(0, 300))), 'signature_invalid'],
  ['signature with padding', bearer(`${VALID}==`), 'token_malformed'],
  // Keys carried by the token.
  ['jwk header with the attacker key', bearer(signJwt(header({ jwk: attacker.jwk }), admin(), attacker.privateKey)), 'header_key_not_trusted'],
  ['jku header', bearer(signJwt(header({ jku: 'https://evil.example.com/jwks.json' }), admin(), attacker.privateKey)), 'header_key_not_trusted'],
  ['x5u header', bearer(signJwt(header({ x5u: 'https://evil.example.com/cert.pem' }), admin(), attacker.privateKey)), 'header_key_not_trusted'],
  ['x5c header', bearer(signJwt(header({ x5c: ['MIIB'] }), admin(), attacker.privateKey)), 'header_key_not_trusted'],
  ['x5t header', bearer(signJwt(header({ x5t: 'abc' }), admin(), attacker.privateKey)), 'header_key_not_trusted'],
  ['jwk header even when signed by the real key', bearer(signJwt(header({ jwk: keys.jwk }), admin(), keys.privateKey)), 'header_key_not_trusted'],
  // Critical extensions.
  ['crit ["exp"]', bearer(signJwt(header({ crit: ['exp'], exp: 1 }), admin(), keys.privateKey)), 'crit_unsupported'],
  ['crit []', bearer(signJwt(header({ crit: [] }), admin(), keys.privateKey)), 'crit_unsupported'],
  ['b64 false', bearer(signJwt(header({ b64: false }), admin(), keys.privateKey)), 'crit_unsupported'],
  // Token kinds and claims.
  ['JWT-template token (no sid)', bearer(good({ sid: undefined })), 'sid_missing'],
  ['JWT-template category', bearer(signJwt(header({ cat: TEMPLATE_CATEGORY }), admin(), keys.privateKey)), 'category_not_session'],
  ['category not a string', bearer(signJwt(header({ cat: ['cl_B7d4PD111AAA'] }), admin(), keys.privateKey)), 'category_not_session'],
  ['expired beyond skew', bearer(good({ exp: NOW - 6 })), 'expired'],
  ['expired a year ago', bearer(good({ exp: NOW - 31_536_000, iat: NOW - 31_536_060, nbf: NOW - 31_536_065 })), 'expired'],
  ['exp far beyond the token lifetime still needs a valid exp', bearer(good({ exp: 'never' })), 'exp_missing'],
  ['missing exp', bearer(good({ exp: undefined })), 'exp_missing'],
  ['nbf in the future', bearer(good({ nbf: NOW + 60 })), 'not_yet_valid'],
  ['iat in the future', bearer(good({ iat: NOW + 60 })), 'iat_in_future'],
  ['wrong iss', bearer(good({ iss: 'https://clerk.evil.com' })), 'iss_mismatch'],
  ['missing iss', bearer(good({ iss: undefined })), 'iss_mismatch'],
  ['trailing-slash iss', bearer(good({ iss: `${TEST_ISSUER}/` })), 'iss_mismatch'],
  ['iss with a prefix match', bearer(good({ iss: `${TEST_ISSUER}.evil.com` })), 'iss_mismatch'],
  ['wrong azp', bearer(good({ azp: 'https://evil.example.com' })), 'azp_mismatch'],
  ['missing azp', bearer(good({ azp: undefined })), 'azp_mismatch'],
  ['pending session', bearer(good({ sts: 'pending' })), 'session_pending'],
  // Encoding.
  ['standard base64 characters (+/)', bearer(VALID.replace(/-/g, '+').replace(/_/g, '/')), VALID.match(/[-_]/) ? 'token_malformed' : 'ok'],
  ['padding in the header', bearer(jwtFromSegments(`${VALID_H}=`, VALID_P, VALID_S)), 'token_malformed'],
  ['a space inside the payload', bearer(jwtFromSegments(VALID_H, `${VALID_P.slice(0, 10)} ${VALID_P.slice(10)}`, VALID_S)), 'token_malformed'],
  ['a newline inside the payload', bearer(jwtFromSegments(VALID_H, `${VALID_P.slice(0, 10)}\n${VALID_P.slice(10)}`, VALID_S)), 'token_malformed'],
  ['non-ASCII character', bearer(jwtFromSegments(VALID_H, `${VALID_P}\u00e9`, VALID_S)), 'token_malformed'],
  ['non-canonical base64 in the signature', bearer(jwtFromSegments(VALID_H, VALID_P, `${VALID_S.slice(0, -1)}${String.fromCharCode(VALID_S.charCodeAt(VALID_S.length - 1) + 1)}`)), 'token_malformed'],
  ['header not JSON', bearer(jwtFromSegments(b64url('{alg:RS256}'), VALID_P, VALID_S)), 'token_malformed'],
  ['header a JSON array', bearer(jwtFromSegments(segment(['RS256']), VALID_P, VALID_S)), 'token_malformed'],
  ['header null', bearer(jwtFromSegments(b64url('null'), VALID_P, VALID_S)), 'token_malformed'],
  ['header empty', bearer(jwtFromSegments('', VALID_P, VALID_S)), 'token_malformed'],
  ['payload a JSON string', bearer(withRealSignature(VALID_H, b64url('"admin"'))), 'token_malformed'],
  ['payload a number', bearer(withRealSignature(VALID_H, b64url('1'))), 'token_malformed'],
  ['payload not JSON', bearer(withRealSignature(VALID_H, b64url('sub=user_123'))), 'token_malformed'],
  ['payload invalid UTF-8', bearer(withRealSignature(VALID_H, b64url(Buffer.concat([Buffer.from(JSON.stringify(admin()).slice(0, -1)), Buffer.from([0xff, 0x7d])])))), 'token_malformed'],
  ['payload with a BOM', bearer(withRealSignature(VALID_H, b64url(`\ufeff${JSON.stringify(admin())}`))), 'token_malformed'],
  // Structure.
  ['two segments', bearer(jwtFromSegments(VALID_H, VALID_P)), 'token_malformed'],
  ['one segment', bearer(VALID_H), 'token_malformed'],
  ['four segments', bearer(jwtFromSegments(VALID_H, VALID_P, VALID_S, VALID_S)), 'token_malformed'],
  ['five segments (JWE shape)', bearer(jwtFromSegments(VALID_H, VALID_P, VALID_S, VALID_S, VALID_S)), 'token_malformed'],
  ['trailing dot', bearer(`${VALID}.`), 'token_malformed'],
  ['leading dot', bearer(`.${VALID}`), 'token_malformed'],
  ['only dots', bearer('..'), 'token_malformed'],
  // The Authorization header.
  ['lowercase bearer with a forged token', `bearer ${signJwt(header(), admin(), attacker.privateKey)}`, 'signature_invalid'],
  ['two tokens', `Bearer ${VALID} ${VALID}`, 'token_malformed'],
  ['two Bearer values', `Bearer ${VALID}, Bearer ${VALID}`, 'token_malformed'],
  ['whitespace before the token', `Bearer  ${VALID}`, 'token_malformed'],
  ['whitespace after the token', `Bearer ${VALID}\t`, 'token_malformed'],
  ['empty header', '', 'token_missing'],
  ['Basic scheme', `Basic ${VALID}`, 'token_malformed'],
  // Size and shape.
  ['a 100 KB token', bearer(`${VALID_H}.${'A'.repeat(100 * 1024)}.${VALID_S}`), 'token_too_large'],
  ['a 100 KB header value of spaces', ' '.repeat(100 * 1024), 'token_too_large'],
  ['a bare token just over 8192 characters', `${VALID_H}.${'A'.repeat(8192 - VALID_H.length - VALID_S.length)}.${VALID_S}`, 'token_too_large'],
  ['a deeply nested payload (forged)', bearer(jwtFromSegments(VALID_H, b64url(JSON.stringify(admin()).replace('{', `{"a":${deepArray(2500)},`)), VALID_S)), 'signature_invalid'],
  ['a deeply nested header', bearer(jwtFromSegments(b64url(`{"alg":"RS256","x":${deepArray(2000)}}`), VALID_P, VALID_S)), 'signature_invalid'],
  ['kid not a string', bearer(signJwt(header({ kid: { $ne: null } }), admin(), keys.privateKey)), 'token_malformed'],
  ['kid of 1000 characters', bearer(signJwt(header({ kid: 'k'.repeat(1000) }), admin(), keys.privateKey)), 'token_malformed'],
  // JSON tricks, forged (only the issuer could sign them).
  ['duplicate alg: RS256 then none', bearer(jwtFromSegments(b64url('{"alg":"RS256","alg":"none"}'), VALID_P, '')), 'alg_not_allowed'],
  ['duplicate role keys, forged', bearer(jwtFromSegments(VALID_H, b64url(JSON.stringify(admin()).replace('"metadata":{"role":"admin"}', '"metadata":{"role":"user","role":"admin"}')), VALID_S)), 'signature_invalid'],
  ['__proto__ carrying the header alg', bearer(jwtFromSegments(b64url('{"__proto__":{"alg":"RS256"},"kid":"ins_test"}'), VALID_P, VALID_S)), 'alg_not_allowed'],
  ['__proto__ carrying the claims, forged', bearer(jwtFromSegments(VALID_H, b64url(JSON.stringify({ __proto__: null, ...admin() }).replace('{', '{"__proto__":{"sub":"user_evil"},')), VALID_S)), 'signature_invalid'],
];

describe('attack table: never allowed, never anything but Unauthorized', () => {
  const table = ATTACKS.flatMap(([name, value, reason]) =>
    KINDS.map((kind) => [kind, name, reason, value] as const),
  );
  test.each(table)('%s: %s → %s', async (kind, _name, reason, value) => {
    const out = await invoke(handler, eventFor(kind, value));
    if (reason === 'ok') {
      // Only possible if the token happens to contain neither '-' nor '_': the replacement was then a no-op.
      expect(out.status).toBe(200);
      return;
    }
    expect(out.status).toBe(kind === 'HTTP2' ? 403 : 401);
    if (kind !== 'HTTP2') expect((out.error as Error).message).toBe('Unauthorized');
    else expect(out.result).toEqual({ isAuthorized: false });
    expect(out.logs).toHaveLength(1);
    expect(out.logs[0]).toMatchObject({ decision: 'unauthorized', reason, event: kind });
    // Nothing from an unverified token is reported as the user.
    expect(out.logs[0].sub).toBeUndefined();
  });
});

describe('base64url: one accepted spelling per byte string', () => {
  // The last character of a segment whose length is 2 or 3 modulo 4 carries 4 or 2 unused bits, which must be zero.
  // The signature of a 2048-bit key has 342 characters (2 left over), a 4096-bit key's 683 (3 left over): every
  // possible last character either spells the same signature differently (token_malformed) or another signature
  // (signature_invalid), whose bits are all used.
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const big = makeKeys('ins_test', 'rsa', 4096);
  const bigHandler = loadHandler({ ...ENV, CLERK_PUBLIC_KEY_PEM: big.publicKeyPem });
  test.each([
    ['2048-bit', 2, () => handler, () => VALID],
    ['4096-bit', 3, () => bigHandler, () => signJwt(header(), admin(), big.privateKey)],
  ] as const)('%s signature: every last character (%d left over)', async (_, rest, h, token) => {
    const [head, payload, signature] = token().split('.');
    expect(signature.length % 4).toBe(rest);
    const unused = rest === 2 ? 16 : 4;
    for (const [value, c] of [...ALPHABET].entries()) {
      const changed = `${signature.slice(0, -1)}${c}`;
      const out = await invoke(h(), restTokenEvent(bearer(jwtFromSegments(head, payload, changed))));
      if (changed === signature) {
        expect(out.status).toBe(200);
        continue;
      }
      expect([c, out.status, out.logs[0]?.reason]).toEqual([c, 401, value % unused !== 0 ? 'token_malformed' : 'signature_invalid']);
    }
  });
});

describe('tokens only the issuer could sign, bent the wrong way', () => {
  const signedRaw = (payloadJson: string) => bearer(signRawJwt(JSON.stringify(header()), payloadJson, keys.privateKey));

  test.each<[string, Record<string, unknown>]>([
    ['role in another case', { role: 'Admin' }],
    ['role in capitals', { role: 'ADMIN' }],
    ['role with a Cyrillic a', { role: '\u0430dmin' }],
    ['role with a zero-width space', { role: 'admin\u200b' }],
    ['role with a trailing space', { role: 'admin ' }],
    ['role as an array', { role: ['admin'] }],
    ['role as an object', { role: { toString: 'admin' } }],
    ['role as a number', { role: 1 }],
    ['role as true', { role: true }],
    ['role null', { role: null }],
    ['metadata as a string', 'admin' as unknown as Record<string, unknown>],
  ])('%s → Deny (403), the predicate is exact', async (_name, metadata) => {
    const token = signJwt(header(), clerkV2Payload({ metadata }), keys.privateKey);
    const out = await invoke(handler, restTokenEvent(bearer(token)));
    expect(out.status).toBe(403);
    expect(out.logs[0]).toMatchObject({ decision: 'deny', reason: 'predicate_failed' });
  });

  test('__proto__ in the claims neither pollutes nor supplies a claim', async () => {
    const json = JSON.stringify(clerkV2Payload()).replace('{', '{"__proto__":{"metadata":{"role":"admin"},"polluted":true},');
    const out = await invoke(handler, restTokenEvent(signedRaw(json)));
    expect(out.status).toBe(403);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('metadata');
  });

  test('a polluted Object.prototype (by other code in the process) supplies no header member or claim', async () => {
    const pollute = { alg: 'RS256', sid: 'sess_evil', sub: 'user_evil', exp: NOW + 3600, metadata: { role: 'admin' } };
    for (const [k, v] of Object.entries(pollute)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
    try {
      const noSid = await invoke(handler, restTokenEvent(bearer(good({ sid: undefined }))));
      expect(noSid.logs[0].reason).toBe('sid_missing');
      const noExp = await invoke(handler, restTokenEvent(bearer(good({ exp: undefined }))));
      expect(noExp.logs[0].reason).toBe('exp_missing');
      const noAlg = await invoke(handler, restTokenEvent(bearer(jwtFromSegments(segment({ kid: 'ins_test' }), VALID_P, VALID_S))));
      expect(noAlg.logs[0].reason).toBe('alg_not_allowed');
      const noRole = await invoke(handler, restTokenEvent(bearer(signJwt(header(), clerkV2Payload(), keys.privateKey))));
      expect(noRole.logs[0].reason).toBe('predicate_failed');
    } finally {
      for (const k of Object.keys(pollute)) delete (Object.prototype as Record<string, unknown>)[k];
    }
  });

  test('__proto__ cannot supply sub', async () => {
    const json = JSON.stringify(clerkV2Payload({ sub: undefined, metadata: { role: 'admin' } })).replace('{', '{"__proto__":{"sub":"user_evil"},');
    const out = await invoke(handler, restTokenEvent(signedRaw(json)));
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('sub_missing');
  });

  test('duplicate keys: the last one wins, as in Clerk\'s own JSON.parse, and the context shows only that one', async () => {
    const json = JSON.stringify(clerkV2Payload({ metadata: { role: 'admin' } })).replace('"metadata":{"role":"admin"}', '"metadata":{"role":"admin","role":"user"}');
    const out = await invoke(handler, restTokenEvent(signedRaw(json)));
    expect(out.status).toBe(403);
    const json2 = JSON.stringify(clerkV2Payload({ metadata: { role: 'user' } })).replace('"metadata":{"role":"user"}', '"metadata":{"role":"user","role":"admin"}');
    const allowed = await invoke(handler, httpEvent({ authorization: signedRaw(json2) }));
    expect(allowed.status).toBe(200);
    const claims = (allowed.result as { context: { claims: string } }).context.claims;
    expect(claims).toContain('"metadata":{"role":"admin"}');
    expect(claims).not.toContain('"user"');
  });

  test('a deeply nested custom claim in a signed token never crashes the handler', async () => {
    // As deep as fits in 8 KB: JSON.parse is iterative; the context's JSON.stringify is guarded.
    for (const depth of [1000, 2500]) {
      const json = JSON.stringify(clerkV2Payload({ metadata: { role: 'admin' } })).replace('{', `{"deep":${deepArray(depth)},`);
      const token = signRawJwt(JSON.stringify(header()), json, keys.privateKey);
      expect(token.length).toBeLessThanOrEqual(8192);
      for (const event of [restTokenEvent(bearer(token)), httpEvent({ authorization: bearer(token) })]) {
        const out = await invoke(handler, event);
        expect([200, 401, 403]).toContain(out.status);
        // One record per refusal; allows are not logged by default.
        expect(out.logs).toHaveLength(out.status === 200 ? 0 : 1);
      }
    }
  });

  test('the size cap is exact: 8192 characters pass, more do not', async () => {
    // Padded tokens of exactly 8192 and of more characters (a segment's length is never ≡ 1 mod 4, so the header
    // is padded too until the total can be hit exactly).
    const sized = (min: number) => {
      for (let h = 0; h < 4; h++) {
        for (let pad = 5000; pad < 6200; pad++) {
          const token = signJwt(header({ typ: 'JWT', x: 'y'.repeat(h) }), admin({ pad: 'x'.repeat(pad) }), keys.privateKey);
          if (token.length === min) return token;
        }
      }
      throw new Error(`no token of ${min} characters`);
    };
    const exact = sized(8192);
    expect(exact.length).toBe(8192);
    expect((await invoke(handler, restTokenEvent(bearer(exact)))).status).toBe(200);
    const over = sized(8196);
    expect(over.length).toBeGreaterThan(8192);
    const out = await invoke(handler, restTokenEvent(bearer(over)));
    expect(out.logs[0].reason).toBe('token_too_large');
  });
});

describe('hostile objects (never sent by API Gateway, handled anyway)', () => {
  test('an event whose getters throw → Unauthorized, logged as internal_error', async () => {
    const event = Object.defineProperty({}, 'version', { get: () => { throw new Error('boom'); }, enumerable: true });
    const out = await invoke(handler, event);
    expect(out.status).toBe(401);
    expect((out.error as Error).message).toBe('Unauthorized');
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'internal_error' }]);
  });

  test('headers whose getters throw → Unauthorized', async () => {
    const headers = Object.defineProperty({}, 'authorization', { get: () => { throw new Error('boom'); }, enumerable: true });
    const out = await invoke(handler, { ...restRequestEvent({}), headers, multiValueHeaders: null });
    expect(out.status).toBe(401);
    expect(out.logs[0].reason).toBe('internal_error');
  });

  test('a log write that throws does not change the answer', async () => {
    const spy = jest.spyOn(console, 'log').mockImplementation(() => {
      throw new Error('EPIPE');
    });
    try {
      await expect(handler(restTokenEvent(bearer(VALID)))).resolves.toMatchObject({ principalId: 'user_123' });
      await expect(handler(restTokenEvent(bearer(good({ exp: NOW - 60 }))))).rejects.toThrow(new Error('Unauthorized'));
      await expect(handler(httpEvent({ authorization: 'x' }))).resolves.toEqual({ isAuthorized: false });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('properties', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= +/\u00e9';

  test('any single-character change to a valid token is refused (401), never allowed, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(VALID.length - 1), fc.constantFrom(...ALPHABET), async (index, char) => {
        fc.pre(VALID[index] !== char);
        const mutated = `${VALID.slice(0, index)}${char}${VALID.slice(index + 1)}`;
        const out = await invoke(handler, restTokenEvent(bearer(mutated)));
        return out.status === 401 && (out.error as Error).message === 'Unauthorized';
      }),
      { numRuns: 1500 },
    );
  });

  test('any JSON-ish event gets a well-formed answer: never a 500, never an allow without a valid token', async () => {
    const value = fc.oneof(
      fc.constantFrom(VALID, bearer(VALID), `bearer ${VALID}`, '', 'Bearer', '__session=x'),
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const event = fc.oneof(
      fc.record({ type: fc.constantFrom('TOKEN', 'REQUEST', 'X'), authorizationToken: value, methodArn: fc.oneof(fc.constant('arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/x'), fc.string()) }, { requiredKeys: [] }),
      fc.record({ version: fc.constantFrom('2.0', '1.0'), type: fc.constant('REQUEST'), headers: fc.dictionary(fc.constantFrom('authorization', 'Authorization', 'cookie', 'x'), value), cookies: fc.array(value, { maxLength: 3 }), methodArn: fc.string() }, { requiredKeys: [] }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        const out = await invoke(handler, e);
        if (out.status === 500) return false;
        // One record per refusal; allows are not logged by default.
        expect(out.logs).toHaveLength(out.status === 200 ? 0 : 1);
        // Only the one real token can be allowed.
        if (out.status === 200) return JSON.stringify(e).includes(VALID);
        return true;
      }),
      { numRuns: 1500 },
    );
  });
});
