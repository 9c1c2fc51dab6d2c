// The benchmark's candidates (issue 6). `expect` declares each candidate's outcome semantics, checked on every call
// (see child/outcome.cjs); `src` is bundled by lib/build.mjs, candidate 1 is the shipped bundle itself.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = dirname(BENCH);

export const UNAUTHORIZED = { message: 'Unauthorized' };
export const CANDIDATES = [
  {
    id: 'ours',
    name: 'cdk-clerk-authorizers',
    bundle: join(ROOT, 'assets', 'clerk-authorizer.lambda', 'index.js'),
    expect: { resource: 'stage', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics:
      "shipped bundle, env from the construct (defaults); invalid → throw Error('Unauthorized') (401) carrying its " +
      'decision record (the Lambda runtime logs thrown errors), role fails → Deny (403) + one JSON log line, Allow on ' +
      'the whole stage, not logged (logAllowedRequests defaults to false)',
  },
  {
    // Not a candidate: the same shipped bundle from a stack with `logAllowedRequests: true`, to show what the opt-in
    // allow log line costs. Never part of a target.
    id: 'ours-logallowed',
    name: 'cdk-clerk-authorizers, logAllowedRequests: true (diagnostic)',
    diagnostic: true,
    wraps: 'ours',
    props: { logAllowedRequests: true },
    expect: { resource: 'stage', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: 'diagnostic: the shipped bundle configured from a stack with logAllowedRequests: true (one JSON line per allow too)',
  },
  {
    // The shipped bundle from a stack with 20 routes on one REST API, each with its own rule (per-route rules, issue
    // 12): the answer is an IAM policy for all 20 routes, built from the route table in the function's layer. The
    // admin token passes some rules and fails others, so every valid call builds (or reuses) a mixed answer.
    id: 'ours-routes20',
    name: 'cdk-clerk-authorizers, 20 routes with per-route rules',
    diagnostic: true,
    wraps: 'ours',
    props: {},
    routes: 20,
    expect: { resource: 'policy', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics:
      'the shipped bundle configured from a stack with 20 REST routes and 6 distinct rules (GET /admin: the default ' +
      'role admin; GET /me: signedIn; GET/PUT/DELETE on 6 resources: organization permissions and roles): one IAM ' +
      'answer per token for every route, checked by evaluating it for the requested method ARN',
  },
  {
    // Not a candidate: the same shipped bundle accepting OAuth access tokens (an MCP server's authorizer), measured on
    // OAuth access token JWTs with the rule scope('mcp:read'). Issue 13: a machine token costs no more than a session
    // token. Never part of the peer targets; its own ratio to the floor is printed.
    id: 'ours-oauth',
    name: 'cdk-clerk-authorizers, OAuth access tokens (acceptsToken OAUTH_TOKEN, scope rule)',
    diagnostic: true,
    wraps: 'ours',
    flavor: 'oauth',
    props: { acceptsToken: ['oauth_token'], predicate: { scope: ['mcp:read'] } },
    expect: { resource: 'stage', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: 'diagnostic: the shipped bundle accepting OAuth access tokens (JWT, typ at+jwt), rule scope(mcp:read); forbidden = scope not granted',
  },
  {
    // Not a candidate: the same shipped bundle accepting M2M tokens, measured on M2M token JWTs (role rule on a custom
    // claim). The context's userId is '' for a machine (machineId names it), so it is not checked against sub.
    id: 'ours-m2m',
    name: 'cdk-clerk-authorizers, M2M tokens (acceptsToken M2M_TOKEN, machineId)',
    diagnostic: true,
    wraps: 'ours',
    flavor: 'm2m',
    props: { acceptsToken: ['m2m_token'], machineId: 'mch_2xBenchApiTESTtestTESTtestTEST' },
    expect: { resource: 'stage', contextUserId: false, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: 'diagnostic: the shipped bundle accepting M2M tokens (JWT, mch_ subject listing machineId), rule role(admin) on a custom claim',
  },
  {
    id: 'guide',
    name: "Clerk guide (jsonwebtoken)",
    src: 'guide-jsonwebtoken.mjs',
    expect: {
      resource: 'method',
      contextUserId: false,
      reject: { expired: { name: 'TokenExpiredError' }, badsig: { name: 'JsonWebTokenError', message: 'invalid signature' } },
    },
    semantics:
      'invalid/expired → jsonwebtoken error escapes the handler (API Gateway 500, not 401); no iss check, no skew; ' +
      'result via callback (Node 20 runtime semantics: the guide targets nodejs20.x; nodejs24.x drops callback ' +
      'handlers); context = whole metadata',
  },
  {
    id: 'jose',
    name: 'jose jwtVerify',
    src: 'jose.mjs',
    expect: { resource: 'method', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: "WebCrypto verify; iss, alg RS256, exp required, 5 s skew; invalid → Error('Unauthorized')",
  },
  {
    id: 'awsjwt',
    name: 'aws-jwt-verify',
    src: 'aws-jwt-verify.mjs',
    expect: { resource: 'method', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: "verifySync on a cached JWKS (JWK from the PEM + CLERK_KID); iss, exp, nbf, 5 s grace; invalid → Error('Unauthorized')",
  },
  {
    id: 'clerk',
    name: '@clerk/backend verifyToken',
    src: 'clerk-backend.mjs',
    expect: { resource: 'method', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: "verifyToken({ jwtKey, issuer }); exp/nbf/iat with 5 s skew; invalid → Error('Unauthorized')",
  },
  {
    id: 'floor',
    name: 'floor (node:crypto)',
    src: 'floor.mjs',
    expect: { resource: 'method', contextUserId: true, reject: { expired: UNAUTHORIZED, badsig: UNAUTHORIZED } },
    semantics: "pre-imported KeyObject + crypto.verify; alg, iss, exp, nbf (5 s skew), sub; invalid → Error('Unauthorized')",
  },
];

/**
 * The environment the shipped handler gets: from a synthesized stack when the construct exists (lib/synth-env.cjs),
 * else the contract's variables. `props` are extra `ClerkLambdaAuthorizer` props (JSON values); `routes` > 0 builds that
 * many REST routes with per-route rules, synthesized into `outdir` (the route table file the env names lives there).
 * Returns `{ source: 'synth'|'contract'|'none', env, fn?, notes? }`.
 */
export function configureOurs(issuer, publicKeyPem, props = {}, routes = 0, outdir = '') {
  const r = spawnSync(process.execPath, [join(BENCH, 'lib', 'synth-env.cjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BENCH_ISSUER: issuer,
      BENCH_PEM: publicKeyPem,
      BENCH_PROPS: JSON.stringify(props),
      BENCH_ROUTES: String(routes),
      BENCH_OUTDIR: outdir,
    },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = (r.stdout || '').trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`could not configure the shipped handler: ${(r.stderr || '').slice(0, 2000)}`);
  }
}
