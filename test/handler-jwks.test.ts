/**
 * JWKS mode of the shipped bundle against a real HTTP server on 127.0.0.1: caching, key rotation, cooldown, cache
 * expiry, failing closed (401, never a 500 or a hang) when the JWKS is down, slow or garbage, and riding out an
 * outage (the last good keys for `CLERK_JWKS_STALE_IF_ERROR_MS`, a backoff during which no invocation fetches).
 * "No invocation waits on the network" is asserted by counting the server's requests, never by timing.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { bearer, fixTime, Handler, httpEvent, invoke, loadHandler, restTokenEvent, TestClock } from './util/handler';
import { clerkV2Payload, makeKeys, NOW, sessionHeader, signJwt, TEST_ISSUER, testKeys } from './util/tokens';

/** A JWKS server whose answer the test changes; counts requests, and the most it ever had open at once. */
class JwksServer {
  public requests = 0;
  public maxInFlight = 0;
  /** The `Accept` header of the last request. */
  public accept: string | undefined;
  /** Status, body and extra headers of the next answers; `hang` never answers. */
  public answer: { status: number; body: string; headers?: Record<string, string> } | 'hang' = { status: 200, body: '{"keys":[]}' };
  private inFlight = 0;
  private readonly server = http.createServer((req, res) => {
    this.requests++;
    this.accept = req.headers.accept;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    let open = true;
    const done = () => {
      if (open) this.inFlight--;
      open = false;
    };
    res.on('finish', done);
    req.socket.on('close', done);
    if (this.answer === 'hang') return; // keep the socket open, never answer
    res.writeHead(this.answer.status, { 'content-type': 'application/json', ...this.answer.headers });
    res.end(this.answer.body);
  });

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  public serve(...jwks: Array<Record<string, unknown>>): void {
    this.answer = { status: 200, body: JSON.stringify({ keys: jwks }) };
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const keyA = testKeys('ins_a');
const keyB = testKeys('ins_b');
/** A session token signed by `keys`, issued at the test clock's current time (the tests move the clock by hours). */
const tokenFor = (keys: { kid: string; privateKey: Parameters<typeof signJwt>[2] }, overrides: Record<string, unknown> = {}) =>
  signJwt(sessionHeader(keys.kid), clerkV2Payload(overrides, Math.floor(Date.now() / 1000)), keys.privateKey);

let server: JwksServer;
let uri: string;
let clock: TestClock;

beforeEach(async () => {
  server = new JwksServer();
  uri = await server.start();
  clock = fixTime();
});
afterEach(async () => {
  clock.restore();
  await server.stop();
});

function load(env: Record<string, string | undefined> = {}): Handler {
  return loadHandler({
    CLERK_ISSUER: TEST_ISSUER,
    CLERK_JWKS_URI: uri,
    CLERK_JWKS_TIMEOUT_MS: '500',
    CLERK_JWKS_COOLDOWN_MS: '30000',
    CLERK_JWKS_CACHE_MAX_AGE_MS: '600000',
    // Allows logged too: the tests read the reason of every verdict.
    CLERK_LOG_ALLOWED: 'true',
    ...env,
  });
}

const verdict = async (handler: Handler, token: string) => {
  const out = await invoke(handler, restTokenEvent(bearer(token)));
  return { status: out.status, reason: out.logs[0]?.reason };
};

test('nothing is fetched at cold start; the first token fetches once, later ones use the cache', async () => {
  server.serve(keyA.jwk);
  const handler = load();
  expect(server.requests).toBe(0);
  expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
  expect(await verdict(handler, tokenFor(keyA, { sub: 'user_2' }))).toEqual({ status: 200, reason: 'ok' });
  expect(await verdict(handler, tokenFor(keyA, { sub: 'user_3' }))).toEqual({ status: 200, reason: 'ok' });
  expect(server.requests).toBe(1);
});

test('the fetch asks for a JSON Web Key Set', async () => {
  server.serve(keyA.jwk);
  expect((await verdict(load(), tokenFor(keyA))).status).toBe(200);
  expect(server.accept).toBe('application/json, application/jwk-set+json');
});

test('HTTP API 2.0 events verify through the JWKS too', async () => {
  server.serve(keyA.jwk);
  const out = await invoke(load(), httpEvent({ authorization: bearer(tokenFor(keyA)) }));
  expect(out.result).toMatchObject({ isAuthorized: true });
});

test('a token refused on its claims costs no JWKS fetch', async () => {
  server.serve(keyA.jwk);
  const handler = load();
  expect(await verdict(handler, tokenFor(keyA, { exp: NOW - 60 }))).toEqual({ status: 401, reason: 'expired' });
  expect(await verdict(handler, tokenFor(keyA, { iss: 'https://evil.example.com' }))).toEqual({ status: 401, reason: 'iss_mismatch' });
  expect(server.requests).toBe(0);
});

test('key rotation: a new kid is picked up by a refetch once the cooldown has passed', async () => {
  server.serve(keyA.jwk);
  const handler = load();
  expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
  server.serve(keyA.jwk, keyB.jwk);
  // Within the cooldown an unknown kid does not refetch: an attacker cannot make the authorizer hammer the JWKS.
  clock.advance(29_000);
  expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'kid_unknown' });
  expect(server.requests).toBe(1);
  clock.advance(1_001);
  expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 200, reason: 'ok' });
  expect(server.requests).toBe(2);
  expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
  expect(server.requests).toBe(2);
});

test('an unknown kid refetches at most once per cooldown and fails closed', async () => {
  server.serve(keyA.jwk);
  const handler = load({ CLERK_JWKS_COOLDOWN_MS: '1000' });
  const stranger = makeKeys('ins_stranger');
  expect(await verdict(handler, tokenFor(stranger))).toEqual({ status: 401, reason: 'kid_unknown' });
  expect(server.requests).toBe(1);
  for (let i = 0; i < 5; i++) expect((await verdict(handler, tokenFor(stranger))).reason).toBe('kid_unknown');
  expect(server.requests).toBe(1);
  clock.advance(1_001);
  expect((await verdict(handler, tokenFor(stranger))).reason).toBe('kid_unknown');
  expect(server.requests).toBe(2);
});

test('a key removed from the JWKS stops verifying once the cache expires (no stale KeyObject)', async () => {
  server.serve(keyA.jwk);
  const handler = load({ CLERK_JWKS_CACHE_MAX_AGE_MS: '60000' });
  expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
  server.serve(keyB.jwk);
  clock.advance(60_001);
  expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'kid_unknown' });
  expect((await verdict(handler, tokenFor(keyB))).status).toBe(200);
});

test('the same kid with a new key: the new key is used after the refetch', async () => {
  const replacement = makeKeys('ins_a');
  server.serve(keyA.jwk);
  const handler = load({ CLERK_JWKS_CACHE_MAX_AGE_MS: '60000' });
  expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
  server.serve(replacement.jwk);
  clock.advance(60_001);
  expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'signature_invalid' });
  expect((await verdict(handler, tokenFor(replacement))).status).toBe(200);
});

test('concurrent tokens share one fetch', async () => {
  server.serve(keyA.jwk);
  const handler = load();
  const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => verdict(handler, tokenFor(keyA, { sub: `user_${i}` }))));
  expect(outs.every((o) => o.status === 200)).toBe(true);
  expect(server.requests).toBe(1);
});

test('a token signed by another key under a known kid is refused', async () => {
  server.serve(keyA.jwk);
  const impostor = makeKeys('ins_a');
  expect(await verdict(load(), tokenFor(impostor))).toEqual({ status: 401, reason: 'signature_invalid' });
});

test('server down (connection refused) → 401 jwks_unavailable, for every event kind', async () => {
  await server.stop();
  const handler = load();
  expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
  const out = await invoke(handler, httpEvent({ authorization: bearer(tokenFor(keyA)) }));
  expect(out.result).toEqual({ isAuthorized: false });
  expect(out.logs[0]).toEqual({ decision: 'unauthorized', reason: 'jwks_unavailable', detail: 'jwks_fetch_failed', kid: 'ins_a', event: 'HTTP2' });
  server = new JwksServer(); // afterEach stops it
  await server.start();
});

test('a server that never answers → 401 jwks_unavailable after CLERK_JWKS_TIMEOUT_MS, not API Gateway timeout', async () => {
  server.answer = 'hang';
  const handler = load({ CLERK_JWKS_TIMEOUT_MS: '200' });
  // The jest timeout (5 s) is the guard: the answer comes from the 200 ms fetch timeout.
  expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
  // The record says how the fetch failed (the next request, within the backoff, is refused at once for the same cause).
  const out = await invoke(handler, restTokenEvent(bearer(tokenFor(keyA))));
  expect(out.logs).toEqual([{ decision: 'unauthorized', reason: 'jwks_unavailable', detail: 'jwks_timeout', kid: 'ins_a', event: 'TOKEN' }]);
}, 5000);

test('the JWKS recovers: a failed fetch is retried once its backoff (1 s) has passed', async () => {
  server.answer = { status: 503, body: 'unavailable' };
  const handler = load();
  expect((await verdict(handler, tokenFor(keyA))).reason).toBe('jwks_unavailable');
  server.serve(keyA.jwk);
  clock.advance(1000);
  expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
  expect(server.requests).toBe(2);
});

describe('a garbage JWKS fails closed', () => {
  const rsa1024 = makeKeys('ins_a', 'rsa', 1024);
  const ec = makeKeys('ins_a', 'ec');
  const privateJwk = { ...keyA.privateKey.export({ format: 'jwk' }), kid: 'ins_a', use: 'sig', alg: 'RS256' };
  test.each<[string, { status: number; body: string; headers?: Record<string, string> }, string, string]>([
    ['not JSON', { status: 200, body: '<html>oops</html>' }, 'jwks_unavailable', 'jwks_not_json'],
    ['empty body', { status: 200, body: '' }, 'jwks_unavailable', 'jwks_not_json'],
    ['JSON array', { status: 200, body: '[]' }, 'jwks_unavailable', 'jwks_invalid'],
    ['keys not an array', { status: 200, body: '{"keys":"x"}' }, 'jwks_unavailable', 'jwks_invalid'],
    ['keys with a non-object', { status: 200, body: '{"keys":[1]}' }, 'jwks_unavailable', 'jwks_invalid'],
    ['HTTP 500', { status: 500, body: JSON.stringify({ keys: [keyA.jwk] }) }, 'jwks_unavailable', 'jwks_http_status'],
    ['HTTP 404', { status: 404, body: 'not found' }, 'jwks_unavailable', 'jwks_http_status'],
    ['HTTP 204 (an answer without a body)', { status: 204, body: '' }, 'jwks_unavailable', 'jwks_http_status'],
    ['a redirect (not followed)', { status: 302, body: '', headers: { location: 'http://127.0.0.1:1/jwks.json' } }, 'jwks_unavailable', 'jwks_http_status'],
    ['empty key set', { status: 200, body: '{"keys":[]}' }, 'kid_unknown', 'kid_not_in_jwks'],
    ['two keys under the kid', { status: 200, body: JSON.stringify({ keys: [keyA.jwk, keyA.jwk] }) }, 'kid_unknown', 'kid_not_in_jwks'],
    ['broken modulus', { status: 200, body: JSON.stringify({ keys: [{ ...keyA.jwk, n: 'AAAA' }] }) }, 'kid_unknown', 'key_unusable'],
    ['a 1024-bit key under the kid', { status: 200, body: JSON.stringify({ keys: [rsa1024.jwk] }) }, 'kid_unknown', 'key_unusable'],
    ['an EC key under the kid', { status: 200, body: JSON.stringify({ keys: [ec.jwk] }) }, 'kid_unknown', 'kid_not_in_jwks'],
    ['a key for another alg', { status: 200, body: JSON.stringify({ keys: [{ ...keyA.jwk, alg: 'RS512' }] }) }, 'kid_unknown', 'kid_not_in_jwks'],
    ['a key for encryption', { status: 200, body: JSON.stringify({ keys: [{ ...keyA.jwk, use: 'enc' }] }) }, 'kid_unknown', 'kid_not_in_jwks'],
    ['a private key', { status: 200, body: JSON.stringify({ keys: [privateJwk] }) }, 'jwks_unavailable', 'jwks_invalid'],
  ])('%s', async (_name, answer, reason, detail) => {
    server.answer = answer;
    const out = await invoke(load(), restTokenEvent(bearer(tokenFor(keyA))));
    expect(out.status).toBe(401);
    expect(out.logs).toEqual([{ decision: 'unauthorized', reason, detail, kid: 'ins_a', event: 'TOKEN' }]);
  });
});

test('a JWKS key 1024 bits under the kid does not verify even a token it signed', async () => {
  const weak = makeKeys('ins_weak', 'rsa', 1024);
  server.serve(weak.jwk);
  expect(await verdict(load(), tokenFor(weak))).toEqual({ status: 401, reason: 'kid_unknown' });
});

test('a token without kid verifies when the JWKS holds exactly one usable key', async () => {
  server.serve(keyA.jwk);
  const token = signJwt({ alg: 'RS256', typ: 'JWT' }, clerkV2Payload(), keyA.privateKey);
  expect(await verdict(load(), token)).toEqual({ status: 200, reason: 'ok' });
});

test('a token without kid is refused when the JWKS holds several keys', async () => {
  server.serve(keyA.jwk, keyB.jwk);
  const token = signJwt({ alg: 'RS256', typ: 'JWT' }, clerkV2Payload(), keyA.privateKey);
  expect(await verdict(load(), token)).toEqual({ status: 401, reason: 'kid_unknown' });
});

test('without CLERK_JWKS_URI or a PEM, the keys come from the issuer\'s /.well-known/jwks.json (nothing is fetched at load)', async () => {
  server.serve(keyA.jwk);
  // The issuer is https on a host no test can serve: its fetch is recorded and answered by the local server.
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    fetched.push(String(input));
    return realFetch(uri, init);
  });
  try {
    const handler = loadHandler({ CLERK_ISSUER: TEST_ISSUER, CLERK_LOG_ALLOWED: 'true' });
    expect(fetched).toEqual([]);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
    expect(fetched).toEqual([`${TEST_ISSUER}/.well-known/jwks.json`]);
  } finally {
    spy.mockRestore();
  }
});


describe('JWKS outage: stale keys, backoff, recovery', () => {
  const FRESH = 600_000; // CLERK_JWKS_CACHE_MAX_AGE_MS in load()
  const STALE = 3_600_000;
  /** Serves keyA, lets the cache expire, then breaks the server as `answer`. */
  async function outage(answer: JwksServer['answer'], env: Record<string, string | undefined> = {}) {
    server.serve(keyA.jwk);
    const handler = load({ CLERK_JWKS_STALE_IF_ERROR_MS: String(STALE), CLERK_JWKS_TIMEOUT_MS: '200', ...env });
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    expect(server.requests).toBe(1);
    clock.advance(FRESH);
    server.answer = answer;
    return handler;
  }

  test.each<[string, JwksServer['answer'] | 'down']>([
    ['503', { status: 503, body: 'unavailable' }],
    ['hang', 'hang'],
    ['garbage', { status: 200, body: '<html>' }],
  ])('server %s: valid tokens keep getting 200 from the stale keys; after the first failure no invocation fetches', async (_name, answer) => {
    const handler = await outage(answer as JwksServer['answer']);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
    expect(server.requests).toBe(2);
    for (let i = 0; i < 20; i++) {
      expect(await verdict(handler, tokenFor(keyA, { sub: `user_${i}` }))).toEqual({ status: 200, reason: 'ok' });
    }
    // An unknown kid is refused at once: the JWKS may hold it, nobody can tell.
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
  });

  test('the backoff doubles per failure (1 s, 2 s, 4 s ...) up to 30 s; one fetch per backoff', async () => {
    const handler = await outage({ status: 503, body: '' });
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    let requests = 2;
    for (const backoff of [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]) {
      clock.advance(backoff - 1);
      expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
      expect(server.requests).toBe(requests);
      clock.advance(1);
      expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
      expect(server.requests).toBe(++requests);
    }
  });

  test('recovery is picked up after the backoff: a new key verifies', async () => {
    const handler = await outage({ status: 503, body: '' });
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    server.serve(keyA.jwk, keyB.jwk);
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
    clock.advance(1000);
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 200, reason: 'ok' });
    expect(server.requests).toBe(3);
    // Fresh again: no fetch for the next 10 minutes.
    clock.advance(FRESH - 1);
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    expect(server.requests).toBe(3);
  });

  test('beyond the stale bound the last keys are no longer trusted', async () => {
    const handler = await outage({ status: 503, body: '' });
    clock.advance(STALE - 1);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
    clock.advance(1);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
  });

  test('without CLERK_JWKS_STALE_IF_ERROR_MS the last keys answer for an hour (the default) beyond their freshness', async () => {
    const handler = await outage({ status: 503, body: '' }, { CLERK_JWKS_STALE_IF_ERROR_MS: undefined });
    clock.advance(3_600_000 - 1);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
    clock.advance(1);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
  });

  test('CLERK_JWKS_STALE_IF_ERROR_MS 0: keys stop at their freshness, still with backoff', async () => {
    const handler = await outage({ status: 503, body: '' }, { CLERK_JWKS_STALE_IF_ERROR_MS: '0' });
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
  });

  test('concurrent invocations share one fetch (at most one in flight), then answer from the stale keys', async () => {
    const handler = await outage('hang');
    const outs = await Promise.all(Array.from({ length: 10 }, (_, i) => verdict(handler, tokenFor(keyA, { sub: `user_${i}` }))));
    expect(outs.every((o) => o.status === 200)).toBe(true);
    expect(server.requests).toBe(2);
    expect(server.maxInFlight).toBe(1);
  });

  test('cold start during an outage: refused, and no fetch again before the backoff ends', async () => {
    server.answer = { status: 503, body: '' };
    const handler = load();
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(1);
    clock.advance(999);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(1);
    server.serve(keyA.jwk);
    clock.advance(1);
    expect(await verdict(handler, tokenFor(keyA))).toEqual({ status: 200, reason: 'ok' });
    expect(server.requests).toBe(2);
  });

  test('an unknown kid during a fresh cache: a failed refetch backs off too', async () => {
    server.serve(keyA.jwk);
    const handler = load({ CLERK_JWKS_COOLDOWN_MS: '1000' });
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    clock.advance(1000);
    server.answer = { status: 503, body: '' };
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect((await verdict(handler, tokenFor(keyA))).status).toBe(200);
    expect(server.requests).toBe(2);
    // The backoff (1 s) over, the unknown kid refetches, and the JWKS now holds it.
    server.serve(keyA.jwk, keyB.jwk);
    clock.advance(999);
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 401, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
    clock.advance(1);
    expect(await verdict(handler, tokenFor(keyB))).toEqual({ status: 200, reason: 'ok' });
    expect(server.requests).toBe(3);
  });
});
