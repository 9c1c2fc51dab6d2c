/**
 * Differential test for machine tokens: the shipped handler bundle against Clerk's own SDK path
 * (`authenticateRequest({ acceptsToken })`, see test/util/clerk-machine-reference.ts) over a generated corpus of OAuth
 * access token JWTs, M2M token JWTs, session tokens and opaque tokens, under configurations that accept different
 * kinds.
 *
 * Both decide every (token, configuration, predicate) case with the same key, the same configuration and the same
 * fixed clock. They must agree, except where this library is deliberately stricter (`STRICTER`: the case carries the
 * entry's tag, the handler refused with one of the entry's reason codes, Clerk let it in) or, in a listed way, laxer
 * (`LAXER`). Every entry must explain at least one case. On allow, the context must carry Clerk's own view of the
 * caller (`tokenType`, and `userId`, `clientId`, `scopes` for OAuth, `machineId` for M2M).
 */
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkTokenType } from '../src/clerk-token-type';
import { ClerkMachineCheck, ClerkMachineConfig, ClerkMachineSession, ClerkMachineVerdict, ClerkTokenKind, clerkAuthenticateAny } from './util/clerk-machine-reference';
import { decodePayload, describeDifferential, Difference, DifferentialPredicate, signedToken, SignedTokenSpec, TokenCase } from './util/differential';
import {
  IGNORE_CATEGORY,
  M2M_CATEGORY,
  m2mHeader,
  m2mPayload,
  oauthHeader,
  oauthPayload,
  OPAQUE_TOKENS,
  OTHER_MACHINE_ID,
  TEST_CALLER_MACHINE,
  TEST_CLIENT_ID,
  TEST_MACHINE_ID,
  TEST_RESOURCE,
} from './util/machine-tokens';
import { clerkV2Payload, NOW, SESSION_CATEGORY, sessionHeader, TEMPLATE_CATEGORY, TEST_ISSUER, testKeys } from './util/tokens';

jest.setTimeout(600_000);

const KEYS = testKeys();
const WRONG_KEYS = testKeys('ins_wrong');

// ---------------------------------------------------------------------------------------------------------------
// Deliberate differences

const STRICTER: readonly Difference[] = [
  {
    tag: 'iss',
    reasons: ['iss_mismatch'],
    why: '`iss` must equal the issuer on OAuth and M2M tokens too; Clerk\'s SDK never checks `iss` on machine tokens.',
  },
  {
    tag: 'machine_id',
    reasons: ['machine_id_mismatch'],
    why: 'An M2M token is accepted only if every list it carries (`aud`, `scopes`) names `machineId`; Clerk\'s SDK does not check that the token was minted for the receiving machine.',
  },
  {
    tag: 'oauth_client',
    reasons: ['client_id_mismatch'],
    why: '`oauthClientIds` limits OAuth tokens to the listed clients; Clerk\'s SDK has no client allow-list.',
  },
  {
    tag: 'client_id_missing',
    reasons: ['token_malformed'],
    why: 'An OAuth token must carry a non-empty string `client_id` (RFC 9068 requires it); Clerk\'s SDK reads a missing one as `""`.',
  },
  {
    tag: 'scopes_type',
    reasons: ['token_malformed'],
    why: 'OAuth `scp` must be an array of strings and `scope` a string, M2M `aud` a string or array of strings and `scopes` a string; Clerk\'s SDK takes other types as they are (a string `scp` then answers `includes` by substring).',
  },
  {
    tag: 'oauth_cat',
    reasons: ['token_type_ambiguous'],
    why: 'An OAuth `typ` together with the `cat` of another token class (session, JWT template, M2M) is refused; Clerk\'s SDK does not read `cat` on OAuth tokens.',
  },
  {
    tag: 'sub_empty',
    reasons: ['sub_missing'],
    why: '`sub` must be a non-empty string (`mch_` and at least one character for a machine): the principal and `userId`/`machineId` are made of it.',
  },
  {
    tag: 'sid_missing',
    reasons: ['sid_missing'],
    why: 'A JWT that is neither OAuth (`typ`) nor M2M (`mch_` subject) is held to the session rules, which require `sid`; Clerk\'s session path accepts a token without one.',
  },
  {
    tag: 'header_key',
    reasons: ['header_key_not_trusted'],
    why: 'A header that carries or points to a key is refused outright; Clerk ignores these members.',
  },
  {
    tag: 'crit',
    reasons: ['crit_unsupported'],
    why: '`crit` names extensions this verifier does not implement (RFC 7515 4.1.11); Clerk ignores it.',
  },
  {
    tag: 'aud_unusable',
    reasons: ['aud_mismatch'],
    why: 'With `audience` configured, a session token without a usable `aud` is refused; Clerk\'s session path skips the check then (its OAuth path refuses, as here).',
  },
];

const LAXER: readonly Difference[] = [
  {
    tag: 'm2m_audience',
    reasons: ['ok'],
    why: '`audience` applies to session and OAuth tokens; an M2M token\'s `aud` lists machine ids and is checked against `machineId`. Clerk\'s SDK compares `audience` with the M2M `aud` too, so with `audience` set to a URL it refuses every M2M token.',
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Corpus

/** How a token is made: the header's `alg` follows `alg` (see `SignedTokenSpec`). */
interface Spec extends Omit<SignedTokenSpec, 'header' | 'payloadBytes'> {
  readonly header: Record<string, unknown>;
}

function make(spec: Spec): string {
  const alg = spec.alg ?? 'RS256';
  return signedToken({ ...spec, header: alg === 'RS256' ? spec.header : { ...spec.header, alg } }, KEYS);
}

function oauthCases(): Array<[string, Spec, string[]]> {
  const o = (payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}, extra: Partial<Spec> = {}): Spec => ({
    header: oauthHeader(header),
    payload: oauthPayload(payload),
    ...extra,
  });
  return [
    ['valid', o(), []],
    ['typ-application', o({}, { typ: 'application/at+jwt' }), []],
    ['typ-upper', o({}, { typ: 'AT+JWT' }), []],
    ['typ-mixed', o({}, { typ: 'at+JWT' }), []],
    ['typ-JWT', o({}, { typ: 'JWT' }), ['sid_missing']],
    ['typ-missing', o({}, { typ: undefined }), ['sid_missing']],
    ['typ-number', o({}, { typ: 1 }), []],
    ['resource-bound', o({ aud: TEST_RESOURCE }), []],
    ['resource-bound-array', o({ aud: ['https://other.example.com', TEST_RESOURCE] }), []],
    ['aud-other', o({ aud: 'https://other.example.com' }), []],
    ['aud-empty-array', o({ aud: [] }), []],
    ['aud-number', o({ aud: 1 }), []],
    ['org', o({ org_id: 'org_123', scope: 'profile email user:org:read' }), []],
    ['scp-array', o({ scope: undefined, scp: ['profile', 'email'] }), []],
    ['scp-and-scope', o({ scp: ['profile'], scope: 'email mcp:write' }), []],
    ['scope-empty', o({ scope: '' }), []],
    ['scope-double-space', o({ scope: 'profile  email' }), []],
    ['scope-missing', o({ scope: undefined }), []],
    ['scope-number', o({ scope: 5 }), ['scopes_type']],
    ['scope-array', o({ scope: ['profile', 'email'] }), ['scopes_type']],
    ['scp-string', o({ scope: undefined, scp: 'profile email' }), ['scopes_type']],
    ['scp-numbers', o({ scope: undefined, scp: [1, 2] }), ['scopes_type']],
    ['scopes-mcp', o({ scope: 'mcp:read mcp:write' }), []],
    ['client-missing', o({ client_id: undefined }), ['client_id_missing']],
    ['client-empty', o({ client_id: '' }), ['client_id_missing']],
    ['client-number', o({ client_id: 7 }), ['client_id_missing']],
    ['client-other', o({ client_id: 'client_other' }), []],
    ['iss-other', o({ iss: 'https://clerk.evil.com' }), ['iss']],
    ['iss-missing', o({ iss: undefined }), ['iss']],
    ['iss-trailing-slash', o({ iss: `${TEST_ISSUER}/` }), ['iss']],
    ['sub-empty', o({ sub: '' }), ['sub_empty']],
    ['sub-missing', o({ sub: undefined }), []],
    ['sub-number', o({ sub: 1 }), []],
    ['sub-machine', o({ sub: TEST_CALLER_MACHINE }), []],
    ['exp-missing', o({ exp: undefined }), []],
    ['exp-expired', o({ exp: NOW - 10 }), []],
    ['exp-at-bound', o({ exp: NOW - 5 }), []],
    ['exp-inside', o({ exp: NOW - 4 }), []],
    ['nbf-future', o({ nbf: NOW + 10 }), []],
    ['iat-future', o({ iat: NOW + 10 }), []],
    ['cat-session', o({}, { cat: SESSION_CATEGORY }), ['oauth_cat']],
    ['cat-template', o({}, { cat: TEMPLATE_CATEGORY }), ['oauth_cat']],
    ['cat-m2m', o({}, { cat: M2M_CATEGORY }), ['oauth_cat']],
    ['cat-ignore', o({}, { cat: IGNORE_CATEGORY }), []],
    ['alg-RS384', o({}, {}, { alg: 'RS384' }), []],
    ['alg-PS256', o({}, {}, { alg: 'PS256' }), []],
    ['alg-HS256-pem', o({}, {}, { alg: 'HS256' }), []],
    ['wrong-key', o({}, {}, { key: WRONG_KEYS.privateKey }), []],
    ['header-jwk', o({}, { jwk: KEYS.jwk }), ['header_key']],
    ['header-crit', o({}, { crit: ['exp'] }), ['crit']],
    ['padded', o({}, {}, { padded: true }), []],
    ['session-claims', o({ sid: 'sess_123', azp: 'https://app.example.com', v: 2, sts: 'active' }), []],
  ];
}

function m2mCases(): Array<[string, Spec, string[]]> {
  const m = (payload: Record<string, unknown> = {}, header: Record<string, unknown> = {}, extra: Partial<Spec> = {}): Spec => ({
    header: m2mHeader(header),
    payload: m2mPayload(payload),
    ...extra,
  });
  return [
    ['valid', m(), []],
    ['cat-missing', m({}, { cat: undefined }), []],
    ['typ-missing', m({}, { typ: undefined }), []],
    ['cat-ignore', m({}, { cat: IGNORE_CATEGORY }), []],
    ['cat-session', m({}, { cat: SESSION_CATEGORY }), []],
    ['cat-template', m({}, { cat: TEMPLATE_CATEGORY }), []],
    ['typ-at+jwt', m({}, { typ: 'at+jwt' }), []],
    ['only-aud', m({ scopes: undefined }), []],
    ['only-scopes', m({ aud: undefined }), []],
    ['aud-string', m({ aud: TEST_MACHINE_ID, scopes: undefined }), []],
    ['other-machine', m({ aud: [OTHER_MACHINE_ID], scopes: OTHER_MACHINE_ID }), ['machine_id']],
    ['other-machine-aud-only', m({ aud: [OTHER_MACHINE_ID], scopes: undefined }), ['machine_id']],
    ['lists-disagree', m({ aud: [TEST_MACHINE_ID], scopes: OTHER_MACHINE_ID }), ['machine_id']],
    ['no-lists', m({ aud: undefined, scopes: undefined }), ['machine_id']],
    ['machine-prefix-only', m({ aud: ['mch_2xApi'], scopes: 'mch_2xApi' }), ['machine_id']],
    ['scopes-number', m({ scopes: 5 }), []],
    ['aud-number', m({ aud: 5, scopes: undefined }), ['scopes_type']],
    ['aud-numbers', m({ aud: [5], scopes: undefined }), ['scopes_type']],
    ['custom-claims', m({ metadata: { role: 'admin' }, scope: 'profile' }), []],
    ['iss-other', m({ iss: 'https://clerk.evil.com' }), ['iss']],
    ['iss-missing', m({ iss: undefined }), ['iss']],
    ['sub-prefix-only', m({ sub: 'mch_' }), ['sub_empty']],
    ['exp-missing', m({ exp: undefined }), []],
    ['exp-expired', m({ exp: NOW - 10 }), []],
    ['nbf-future', m({ nbf: NOW + 10 }), []],
    ['alg-RS512', m({}, {}, { alg: 'RS512' }), []],
    ['wrong-key', m({}, {}, { key: WRONG_KEYS.privateKey }), []],
    ['header-x5u', m({}, { x5u: 'https://evil.example.com/cert.pem' }), ['header_key']],
    ['padded', m({}, {}, { padded: true }), []],
  ];
}

function sessionCases(): Array<[string, Spec, string[]]> {
  return [
    ['valid', { header: sessionHeader(), payload: clerkV2Payload() }, []],
    ['resource-aud', { header: sessionHeader(), payload: clerkV2Payload({ aud: TEST_RESOURCE }) }, []],
    ['template', { header: sessionHeader('ins_test', { cat: TEMPLATE_CATEGORY }), payload: clerkV2Payload({ sid: undefined }) }, ['sid_missing']],
    ['machine-sub', { header: sessionHeader(), payload: clerkV2Payload({ sub: TEST_CALLER_MACHINE }) }, []],
    ['at+jwt', { header: sessionHeader('ins_test', { typ: 'at+jwt' }), payload: clerkV2Payload() }, ['client_id_missing', 'oauth_cat']],
  ];
}

function corpus(): TokenCase[] {
  const cases: TokenCase[] = [];
  for (const [id, spec, tags] of oauthCases()) cases.push({ id: `oauth:${id}`, token: make(spec), tags: new Set(tags) });
  for (const [id, spec, tags] of m2mCases()) cases.push({ id: `m2m:${id}`, token: make(spec), tags: new Set(tags) });
  for (const [id, spec, tags] of sessionCases()) cases.push({ id: `session:${id}`, token: make(spec), tags: new Set(tags) });
  for (const [id, token] of Object.entries(OPAQUE_TOKENS)) cases.push({ id: `opaque:${id}`, token, tags: new Set() });
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Configurations and predicates

interface Config {
  readonly id: string;
  readonly env: Record<string, string>;
  readonly clerk: ClerkMachineConfig;
  readonly clientIds?: readonly string[];
}

function config(id: string, o: { accepts: ClerkTokenKind[]; aud?: string[]; clientIds?: string[]; skew?: number }): Config {
  const skew = o.skew ?? 5;
  const env: Record<string, string> = {
    CLERK_ISSUER: TEST_ISSUER,
    CLERK_PUBLIC_KEY_PEM: KEYS.publicKeyPem,
    CLERK_LOG_ALLOWED: 'true',
    CLERK_ACCEPTS_TOKEN: JSON.stringify(o.accepts),
  };
  if (o.accepts.includes('m2m_token')) env.CLERK_MACHINE_ID = TEST_MACHINE_ID;
  if (o.clientIds) env.CLERK_OAUTH_CLIENT_IDS = JSON.stringify(o.clientIds);
  if (o.aud) env.CLERK_AUDIENCE = JSON.stringify(o.aud);
  if (o.skew !== undefined) env.CLERK_CLOCK_SKEW_SECONDS = String(o.skew);
  return {
    id,
    env,
    clientIds: o.clientIds,
    clerk: { jwtKey: KEYS.publicKeyPem, issuer: TEST_ISSUER, acceptsToken: o.accepts, audience: o.aud, clockSkewInMs: skew * 1000 },
  };
}

const CONFIGS: readonly Config[] = [
  config('all', { accepts: ['session_token', 'oauth_token', 'm2m_token'] }),
  config('session-only', { accepts: ['session_token'] }),
  config('oauth-only', { accepts: ['oauth_token'] }),
  config('oauth-clients', { accepts: ['oauth_token'], clientIds: [TEST_CLIENT_ID] }),
  config('m2m-only-skew0', { accepts: ['m2m_token'], skew: 0 }),
  config('mcp', { accepts: ['oauth_token'], aud: [TEST_RESOURCE] }),
  config('session-oauth-mcp', { accepts: ['session_token', 'oauth_token'], aud: [TEST_RESOURCE], clientIds: [TEST_CLIENT_ID] }),
  config('all-aud-url', { accepts: ['session_token', 'oauth_token', 'm2m_token'], aud: ['https://api.example.com'] }),
];

const PREDICATES: ReadonlyArray<DifferentialPredicate<ClerkMachineCheck>> = [
  { id: 'none', check: { kind: 'none' } },
  { id: 'scope(profile)', predicate: ClaimPredicate.scope('profile'), check: { kind: 'scope', scopes: ['profile'] } },
  { id: 'scope(profile,email)', predicate: ClaimPredicate.scope('profile', 'email'), check: { kind: 'scope', scopes: ['profile', 'email'] } },
  { id: 'scope(mcp:write)', predicate: ClaimPredicate.scope('mcp:write'), check: { kind: 'scope', scopes: ['mcp:write'] } },
  { id: 'tokenType(oauth)', predicate: ClaimPredicate.tokenType(ClerkTokenType.OAUTH_TOKEN), check: { kind: 'tokenType', types: ['oauth_token'] } },
  {
    id: 'tokenType(session,m2m)',
    predicate: ClaimPredicate.tokenType(ClerkTokenType.SESSION_TOKEN, ClerkTokenType.M2M_TOKEN),
    check: { kind: 'tokenType', types: ['session_token', 'm2m_token'] },
  },
  { id: 'orgRole(admin)', predicate: ClaimPredicate.orgRole('admin'), check: { kind: 'orgRole', roles: ['admin'] } },
];

// ---------------------------------------------------------------------------------------------------------------
// The run

/**
 * The configuration-dependent tags of a case: client allow-list, audience rules. `m2m_audience` marks an M2M token
 * that Clerk refuses only because of `audience` (asked again without it).
 */
async function tagsFor(tc: TokenCase, cfg: Config, clerk: ClerkMachineSession): Promise<ReadonlySet<string>> {
  const tags = new Set(tc.tags);
  const payload = decodePayload(tc.token) as Record<string, unknown> | null | undefined;
  const isOAuth = tc.id.startsWith('oauth:') && !tc.tags.has('sid_missing');
  if (cfg.clientIds && isOAuth && typeof payload?.client_id === 'string' && payload.client_id !== '' && !cfg.clientIds.includes(payload.client_id)) {
    tags.add('oauth_client');
  }
  if (cfg.clerk.audience && tc.id.startsWith('session:')) tags.add('aud_unusable');
  if (cfg.clerk.audience && clerk.refused !== undefined && tc.id.startsWith('m2m:')) {
    const withoutAudience = await clerkAuthenticateAny(tc.token, { ...cfg.clerk, audience: undefined });
    if (withoutAudience.refused === undefined) tags.add('m2m_audience');
  }
  return tags;
}

describe('differential: handler bundle vs @clerk/backend authenticateRequest({ acceptsToken }) for machine tokens', () => {
  describeDifferential({
    referenceName: 'Clerk',
    contextSubject: 'caller',
    minCases: 3_000,
    corpus,
    configs: CONFIGS,
    predicates: PREDICATES,
    reference: (tc, cfg) => clerkAuthenticateAny(tc.token, cfg.clerk),
    tags: tagsFor,
    expectedContext: (verdict: ClerkMachineVerdict) => {
      const c = verdict.caller;
      if (!c) return undefined;
      if (c.tokenType === 'oauth_token') {
        return { tokenType: c.tokenType, userId: c.userId, clientId: c.clientId, scopes: (c.scopes ?? []).filter((s) => s !== '').join(' ') };
      }
      if (c.tokenType === 'm2m_token') return { tokenType: c.tokenType, machineId: c.machineId, userId: '' };
      return { tokenType: c.tokenType, userId: c.userId };
    },
    stricter: STRICTER,
    laxer: LAXER,
  });
});
