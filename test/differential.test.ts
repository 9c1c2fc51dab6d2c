/**
 * Differential test: the shipped handler bundle against Clerk's own verifier (@clerk/backend `verifyToken` followed by
 * the auth object's `has()`; see test/util/clerk-reference.ts), over a generated corpus of session tokens.
 *
 * Every (token, configuration, predicate) case is decided by both, with the same key, the same configuration and the
 * same fixed clock (`fixTime`: both read `Date.now()`). They must agree, except where this library is deliberately
 * stricter: each such difference is a named entry of `STRICTER` below, with its reason, and only explains a
 * disagreement where (a) the case carries the entry's tag, (b) the handler refused (401) with one of the entry's reason
 * codes and (c) Clerk allowed or denied. Any other disagreement fails the test, printed by case id (never a token).
 * Every entry must explain at least one case, so the list cannot rot.
 *
 * Wherever the handler differs from `verifyToken` or lets a request through, the test also asks Clerk's full SDK path
 * (`authenticateRequest`, which adds the JWT-category check, machine-token detection and `treatPendingAsSignedOut`)
 * and requires the handler never to be more permissive than that path either, except for the entries of
 * `LAXER_THAN_SDK` (none today).
 *
 * On allow, the context must carry Clerk's own view of the session: `orgId`, `orgRole`, `orgPermissions` as `auth()`
 * reports them (userId, sessionId and claims are checked by test/fuzz.test.ts).
 */
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkCheck, ClerkConfig, ClerkSession, ClerkVerdict, clerkAuthenticateRequest, clerkVerifyToken } from './util/clerk-reference';
import { decodePayload, describeDifferential, Difference, DifferentialPredicate, PERMISSIVENESS, signedToken, SignedTokenSpec, TokenCase } from './util/differential';
import { clerkV1Payload, clerkV2Payload, NOW, SESSION_CATEGORY, sessionHeader, TEMPLATE_CATEGORY, TEST_AZP, TEST_ISSUER, testKeys } from './util/tokens';

// Generous: on a busy 2-core machine with coverage on, the corpus run has taken two minutes (it is ~10 s when idle).
jest.setTimeout(600_000);

const M2M_CATEGORY = 'cl_B7d4PD333AAA';
/** Clerk stamps this on every JWT class of instances with `use_ignore_jwt_cat` (@clerk/backend jwtCategories.ts). */
const IGNORE_CATEGORY = 'cl_I7d4PD111III';
const OTHER_AZP = 'https://other.example.com';

// ---------------------------------------------------------------------------------------------------------------
// Deliberate differences

/** The ways this library is deliberately stricter than Clerk's `verifyToken` + `has()`. */
const STRICTER: readonly Difference[] = [
  {
    tag: 'iss',
    reasons: ['iss_mismatch'],
    why: '`iss` is always required and compared exactly with the configured issuer; `verifyToken` checks it only when given `issuer` (its documented examples do not pass one), and then exactly too.',
  },
  {
    tag: 'sid_missing',
    reasons: ['sid_missing'],
    why: 'A token without `sid` is not a session token: JWT-template tokens carry none, can live up to ten years and outlive sign-out (Clerk SEC-340). `verifyToken` does not look at `sid`.',
  },
  {
    tag: 'sub_empty',
    reasons: ['sub_missing'],
    why: '`sub` must be a non-empty string: the policy principal and `userId` are made of it. `verifyToken` accepts `""` (its `has()` then fails every check).',
  },
  {
    tag: 'sts_pending',
    reasons: ['session_pending'],
    why: 'A pending session (`sts: "pending"`, an organization still to choose) is refused unless `allowPendingSessions`; `verifyToken` ignores `sts` (Clerk\'s full SDK signs it out too: `treatPendingAsSignedOut` defaults to true).',
  },
  {
    tag: 'sts_unknown',
    reasons: ['session_pending'],
    why: 'An `sts` other than `active` (or allowed `pending`), or one that is not a string, is a session state the handler does not know: refused rather than read as active. `verifyToken` ignores `sts`.',
  },
  {
    tag: 'cat_template',
    reasons: ['category_not_session'],
    why: 'A `cat` header naming the JWT-template category is refused: `verifyToken` only refuses the M2M category (Clerk\'s `authenticateRequest` refuses templates too, SEC-340).',
  },
  {
    tag: 'cat_unknown',
    reasons: ['category_not_session'],
    why: 'A `cat` header naming any category other than the session one is refused (Clerk\'s `authenticateRequest` refuses it too; `verifyToken` does not).',
  },
  {
    tag: 'machine_sub',
    reasons: ['m2m_token_not_accepted'],
    why: 'A token whose `sub` starts with `mch_` is an M2M token (Clerk\'s SDK decides so), refused by an authorizer that accepts session tokens only; `verifyToken` accepts it (Clerk\'s `authenticateRequest` refuses it too: token-type-mismatch).',
  },
  {
    tag: 'header_key',
    reasons: ['header_key_not_trusted'],
    why: 'A header that carries or points to a key (`jwk`, `jku`, `x5u`, `x5c`, `x5t`, `x5t#S256`) is refused outright, even with a valid signature by the configured key: a token never chooses its key. `verifyToken` ignores these members.',
  },
  {
    tag: 'crit',
    reasons: ['crit_unsupported'],
    why: '`crit` (and `b64`) name extensions this verifier does not implement, so RFC 7515 4.1.11 requires refusing the token; `verifyToken` ignores them.',
  },
  {
    tag: 'kid_malformed',
    reasons: ['token_malformed'],
    why: 'A `kid` that is not a string of at most 256 characters is refused (it is logged and selects the JWKS key); `verifyToken` with a PEM ignores `kid`.',
  },
  {
    tag: 'time_not_finite',
    reasons: ['exp_missing', 'token_malformed'],
    why: '`exp`, `nbf`, `iat` must be finite numbers: JSON `1e999` parses to Infinity, which `verifyToken` turns into an invalid Date whose comparisons are all false, so the check passes (an `exp` of -Infinity never expires).',
  },
  {
    tag: 'time_out_of_date_range',
    reasons: ['expired', 'not_yet_valid', 'iat_in_future'],
    why: 'Times are compared as numbers; `verifyToken` builds Dates, and beyond ±8.64e12 s a Date is invalid and every comparison false: an `exp` before year -271821 never expires, an `nbf`/`iat` after year 275760 is never in the future.',
  },
  {
    tag: 'time_fractional',
    reasons: ['not_yet_valid', 'iat_in_future'],
    why: 'Fractional `nbf`/`iat` (NumericDate allows them) are compared exactly; `verifyToken` truncates them to whole seconds (`Date#setUTCSeconds`), which moves them earlier, i.e. up to a second more lenient.',
  },
  {
    tag: 'aud_unusable',
    reasons: ['aud_mismatch'],
    why: 'With `audience` configured, a token without `aud`, or whose `aud` is not a string or an array holding a matching string, is refused; `verifyToken` skips its audience check when `aud` is absent or is not all strings.',
  },
  {
    tag: 'org_malformed',
    reasons: ['token_malformed'],
    why: 'Organization claims of the wrong type (`org_id` a number, `org_permissions` not an array of strings, `o` not an object, `fea` element without a scope) are refused instead of being read: Clerk coerces some (a numeric `org_id` counts as an active organization for `has({ role })`) and throws on others, so `noneOf(orgRole(...))` could pass on claims nobody can read.',
  },
  {
    tag: 'encoding_noncanonical',
    reasons: ['token_malformed'],
    why: 'Segments must be canonical unpadded base64url of valid UTF-8 JSON without a BOM, so the bytes verified are the bytes parsed; `verifyToken` accepts `=` padding, strips a BOM and replaces invalid UTF-8 with U+FFFD.',
  },
  {
    tag: 'too_large',
    reasons: ['token_too_large'],
    why: 'Tokens above 8192 characters are refused before any work (Clerk\'s session cookie is at most 4 KB); `verifyToken` has no limit.',
  },
];

/**
 * Cases where the handler may allow what Clerk's full SDK path (`authenticateRequest`) refuses, though `verifyToken`
 * allows it too. Empty unless a run shows otherwise; any such case not listed here fails the test.
 */
const LAXER_THAN_SDK: readonly Difference[] = [];

/**
 * Handler bugs this test found, fixed since; their cases stay in the corpus as regressions (named here for the record):
 * - `time_fractional_exp`: a fractional `exp` was compared exactly while Clerk truncates it to whole seconds, so for
 *   `exp = now - skew + 0.5` the handler allowed a token Clerk calls expired (fixed in 96267f5: whole seconds).
 * - `machine_sub`: a session-shaped token whose `sub` starts with `mch_` was allowed where authenticateRequest signs
 *   it out as a machine token (fixed in 96267f5: refused as category_not_session; now a STRICTER entry, whose reason is
 *   m2m_token_not_accepted since machine tokens have kinds of their own).
 */

// ---------------------------------------------------------------------------------------------------------------
// Corpus

const KEYS = testKeys();
const WRONG_KEYS = testKeys('ins_wrong');

/** How a token is made: a session header for its `alg` unless given (see `SignedTokenSpec`). */
interface TokenSpec extends Omit<SignedTokenSpec, 'header' | 'alg'> {
  readonly header?: SignedTokenSpec['header'];
  readonly alg?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'HS256' | 'none';
}

function makeToken(spec: TokenSpec): string {
  const alg = spec.alg ?? 'RS256';
  return signedToken({ ...spec, header: spec.header ?? sessionHeader('ins_test', alg === 'RS256' ? {} : { alg }) }, KEYS);
}

/** A v2 payload with an active organization: role admin, permissions decoded from `fea`/`o.per`/`o.fpm`. */
const ORG_V2 = {
  fea: 'o:dashboard,o:impersonation',
  o: { id: 'org_123', slg: 'acme', rol: 'admin', per: 'read,manage', fpm: '3,2' },
  metadata: { role: 'admin' },
};
/** The same organization in v1 claims. */
const ORG_V1 = {
  org_id: 'org_123',
  org_role: 'org:admin',
  org_slug: 'acme',
  org_permissions: ['org:dashboard:read', 'org:dashboard:manage', 'org:impersonation:manage'],
  metadata: { role: 'admin' },
};

/** Payload variants around the organization and custom claims: what the predicates read. */
function orgVariants(): Array<[string, Record<string, unknown>, string[]]> {
  type Claims = Record<string, unknown>;
  const v2 = (o: Claims, extra: Claims = {}): Claims => clerkV2Payload({ ...ORG_V2, ...extra, o: { ...ORG_V2.o, ...o } });
  const v1 = (extra: Claims): Claims => clerkV1Payload({ ...ORG_V1, ...extra });
  const perms70 = Array.from({ length: 70 }, (_, i) => `p${i}`).join(',');
  return [
    ['v2.org.admin', v2({}), []],
    ['v2.org.member', v2({ rol: 'member' }), []],
    ['v2.org.rol-prefixed', v2({ rol: 'org:admin' }), []],
    ['v2.org.rol-empty', v2({ rol: '' }), []],
    ['v2.org.rol-missing', v2({ rol: undefined }), []],
    ['v2.org.id-empty', v2({ id: '' }), []],
    ['v2.org.id-missing', v2({ id: undefined }), []],
    ['v2.org.fpm-0', v2({ fpm: '0,0' }), []],
    ['v2.org.fpm-1', v2({ fpm: '1,1' }), []],
    ['v2.org.fpm-one-mask', v2({ fpm: '3' }), []],
    ['v2.org.fpm-extra-masks', v2({ fpm: '3,2,7' }), []],
    ['v2.org.fpm-not-decimal', v2({ fpm: 'x,2' }), []],
    ['v2.org.fpm-negative', v2({ fpm: '-1,2' }), []],
    ['v2.org.fpm-spaces', v2({ fpm: ' 3 , 2 ' }), []],
    ['v2.org.fpm-leading-zeros', v2({ fpm: '003,002' }), []],
    ['v2.org.fpm-wide', clerkV2Payload({ fea: 'o:big', o: { id: 'org_1', rol: 'admin', per: perms70, fpm: (2n ** 69n + 2n ** 53n + 1n).toString() } }), []],
    ['v2.org.per-spaces', v2({ per: ' read , manage ' }), []],
    ['v2.org.per-missing', v2({ per: undefined }), []],
    ['v2.org.fpm-missing', v2({ fpm: undefined }), []],
    ['v2.fea-missing', clerkV2Payload({ o: ORG_V2.o }), []],
    ['v2.fea-user-scope', v2({}, { fea: 'u:dashboard,o:impersonation' }), []],
    ['v2.fea-ou-uo', v2({}, { fea: 'ou:dashboard,uo:impersonation' }), []],
    ['v2.fea-spaces', v2({}, { fea: ' o:dashboard , o:impersonation ' }), []],
    ['v2.fea-unknown-scope', v2({}, { fea: 'x:dashboard,o:impersonation' }), []],
    ['v2.fea-no-scope', v2({}, { fea: 'dashboard,o:impersonation' }), ['org_malformed']],
    ['v2.fea-no-scope-no-org', clerkV2Payload({ fea: 'dashboard' }), []],
    ['v2.o-null', clerkV2Payload({ ...ORG_V2, o: null }), []],
    ['v2.o-empty', clerkV2Payload({ ...ORG_V2, o: {} }), []],
    ['v2.o-array', clerkV2Payload({ ...ORG_V2, o: [] }), ['org_malformed']],
    ['v2.o-string', clerkV2Payload({ ...ORG_V2, o: 'org_123' }), ['org_malformed']],
    ['v2.o-rol-number', v2({ rol: 5 }), ['org_malformed']],
    ['v2.o-id-number', v2({ id: 123 }), ['org_malformed']],
    ['v2.fea-array', v2({}, { fea: ['o:dashboard'] }), ['org_malformed']],
    ['v2.v-string', clerkV2Payload({ ...ORG_V2, v: '2' }), []],
    ['v2.v-string-v1-claims', clerkV2Payload({ ...ORG_V1, v: '2' }), []],
    ['v2.no-org', clerkV2Payload({ metadata: { role: 'admin' } }), []],
    ['v1.org.admin', v1({}), []],
    ['v1.org.role-unprefixed', v1({ org_role: 'admin' }), []],
    ['v1.org.role-double-prefix', v1({ org_role: 'org:org:admin' }), []],
    ['v1.org.member', v1({ org_role: 'org:member', org_permissions: ['org:dashboard:read'] }), []],
    ['v1.org.perms-unprefixed', v1({ org_permissions: ['dashboard:read', 'impersonation:manage'] }), []],
    ['v1.org.perms-null', v1({ org_permissions: null }), []],
    ['v1.org.perms-missing', v1({ org_permissions: undefined }), []],
    ['v1.org.perms-string', v1({ org_permissions: 'org:dashboard:read' }), ['org_malformed']],
    ['v1.org.perms-numbers', v1({ org_permissions: [1, 2] }), ['org_malformed']],
    ['v1.org.id-number', v1({ org_id: 123 }), ['org_malformed']],
    ['v1.org.role-number', v1({ org_role: 7 }), ['org_malformed']],
    ['v1.org.role-array', v1({ org_role: ['org:admin'] }), ['org_malformed']],
    ['v1.org.role-without-id', v1({ org_id: undefined }), []],
    ['v1.org.id-empty', v1({ org_id: '' }), []],
    ['v1.no-org', clerkV1Payload({ metadata: { role: 'admin' } }), []],
    ['v1.metadata.Admin', clerkV1Payload({ metadata: { role: 'Admin' } }), []],
    ['v1.metadata.homoglyph', clerkV1Payload({ metadata: { role: 'аdmin' } }), []],
    ['v1.metadata.trailing-space', clerkV1Payload({ metadata: { role: 'admin ' } }), []],
    ['v1.metadata.array', clerkV1Payload({ metadata: { role: ['admin'] } }), []],
    ['v1.metadata.string', clerkV1Payload({ metadata: 'admin' }), []],
    ['v1.metadata.missing', clerkV1Payload(), []],
  ];
}

/** Verification variants (header, claims, time, encoding), each on a v2 payload with an organization. */
function verificationVariants(): Array<[string, TokenSpec, string[]]> {
  const base = (overrides: Record<string, unknown> = {}): Record<string, unknown> => clerkV2Payload({ ...ORG_V2, ...overrides });
  const raw = (json: string): TokenSpec => ({ payload: json });
  const baseJson = (replace: Record<string, string>): string => {
    // Exact JSON text with some members' values replaced by raw JSON (numbers JSON.stringify cannot write).
    let text = JSON.stringify(base());
    for (const [k, v] of Object.entries(replace)) text = text.replace(new RegExp(`"${k}":[^,}]*`), `"${k}":${v}`);
    return text;
  };
  const out: Array<[string, TokenSpec, string[]]> = [
    ['valid', { payload: base() }, []],
    ['valid.no-typ', { header: { alg: 'RS256', cat: SESSION_CATEGORY, kid: 'ins_test' }, payload: base() }, []],
    ['valid.no-cat', { header: { alg: 'RS256', kid: 'ins_test', typ: 'JWT' }, payload: base() }, []],
    ['valid.no-kid', { header: { alg: 'RS256', typ: 'JWT', cat: SESSION_CATEGORY }, payload: base() }, []],
    ['valid.other-kid', { header: sessionHeader('ins_other'), payload: base() }, []],
    ['valid.no-nbf-iat', { payload: base({ nbf: undefined, iat: undefined }) }, []],
    ['valid.extra-claims', { payload: base({ jti: 'x', act: { sub: 'user_admin', iss: 'x', sid: 'sess_x' }, pla: 'u:free,o:pro' }) }, []],
    ['valid.duplicate-keys', raw(JSON.stringify(base()).replace('{', '{"sub":"user_evil",')), []],
    ['valid.proto-keys', raw(JSON.stringify(base()).replace('{', '{"__proto__":{"sid":"x"},"constructor":{"prototype":1},')), []],
    ['valid.machine-sub', { payload: base({ sub: 'mch_123' }) }, ['machine_sub']],
    // Header
    ['header.typ-lowercase', { header: sessionHeader('ins_test', { typ: 'jwt' }), payload: base() }, []],
    ['header.typ-at+jwt', { header: sessionHeader('ins_test', { typ: 'at+jwt' }), payload: base() }, []],
    ['header.cat-template', { header: sessionHeader('ins_test', { cat: TEMPLATE_CATEGORY }), payload: base() }, ['cat_template']],
    ['header.cat-template-no-sid', { header: sessionHeader('ins_test', { cat: TEMPLATE_CATEGORY }), payload: base({ sid: undefined, exp: NOW + 315_360_000, aud: 'convex' }) }, ['cat_template', 'sid_missing']],
    ['header.cat-m2m', { header: sessionHeader('ins_test', { cat: M2M_CATEGORY }), payload: base() }, []],
    ['header.cat-m2m-machine', { header: sessionHeader('ins_test', { cat: M2M_CATEGORY }), payload: base({ sub: 'mch_123', sid: undefined }) }, ['sid_missing']],
    // Clerk's "ignore" category is read as no category by both sides: agreement, no deliberate difference.
    ['header.cat-ignore', { header: sessionHeader('ins_test', { cat: IGNORE_CATEGORY }), payload: base() }, []],
    ['header.cat-unknown', { header: sessionHeader('ins_test', { cat: 'cl_B7d4PD999AAA' }), payload: base() }, ['cat_unknown']],
    ['header.cat-number', { header: sessionHeader('ins_test', { cat: 1 }), payload: base() }, ['cat_unknown']],
    ['header.alg-RS384', { alg: 'RS384', payload: base() }, []],
    ['header.alg-RS512', { alg: 'RS512', payload: base() }, []],
    ['header.alg-PS256', { alg: 'PS256', payload: base() }, []],
    ['header.alg-HS256-pem', { alg: 'HS256', payload: base() }, []],
    ['header.alg-none', { alg: 'none', payload: base() }, []],
    ['header.alg-missing', { header: { typ: 'JWT', kid: 'ins_test' }, payload: base() }, []],
    ['header.alg-lowercase', { header: sessionHeader('ins_test', { alg: 'rs256' }), payload: base() }, []],
    ['header.jwk', { header: sessionHeader('ins_test', { jwk: KEYS.jwk }), payload: base() }, ['header_key']],
    ['header.jku', { header: sessionHeader('ins_test', { jku: 'https://evil.example.com/jwks.json' }), payload: base() }, ['header_key']],
    ['header.x5u', { header: sessionHeader('ins_test', { x5u: 'https://evil.example.com/cert.pem' }), payload: base() }, ['header_key']],
    ['header.x5c', { header: sessionHeader('ins_test', { x5c: ['MIIB'] }), payload: base() }, ['header_key']],
    ['header.x5t', { header: sessionHeader('ins_test', { x5t: 'abc' }), payload: base() }, ['header_key']],
    ['header.crit', { header: sessionHeader('ins_test', { crit: ['exp'] }), payload: base() }, ['crit']],
    ['header.b64', { header: sessionHeader('ins_test', { b64: false, crit: ['b64'] }), payload: base() }, ['crit']],
    ['header.kid-number', { header: sessionHeader('ins_test', { kid: 42 }), payload: base() }, ['kid_malformed']],
    ['header.kid-long', { header: sessionHeader('x'.repeat(300)), payload: base() }, ['kid_malformed']],
    ['header.array', { header: '[]', payload: base() }, []],
    ['header.null', { header: 'null', payload: base() }, []],
    ['header.duplicate-alg', { header: '{"alg":"none","alg":"RS256","typ":"JWT"}', payload: base() }, []],
    ['header.duplicate-alg-none-last', { header: '{"alg":"RS256","alg":"none","typ":"JWT"}', payload: base() }, []],
    // Signature
    ['sig.wrong-key', { payload: base(), key: WRONG_KEYS.privateKey }, []],
    // Claims
    ['iss.trailing-slash', { payload: base({ iss: `${TEST_ISSUER}/` }) }, ['iss']],
    ['iss.other', { payload: base({ iss: 'https://clerk.evil.com' }) }, ['iss']],
    ['iss.missing', { payload: base({ iss: undefined }) }, ['iss']],
    ['iss.array', { payload: base({ iss: [TEST_ISSUER] }) }, ['iss']],
    ['iss.case', { payload: base({ iss: TEST_ISSUER.toUpperCase() }) }, ['iss']],
    ['sub.missing', { payload: base({ sub: undefined }) }, []],
    ['sub.empty', { payload: base({ sub: '' }) }, ['sub_empty']],
    ['sub.number', { payload: base({ sub: 1 }) }, []],
    ['sid.missing', { payload: base({ sid: undefined }) }, ['sid_missing']],
    ['sid.empty', { payload: base({ sid: '' }) }, ['sid_missing']],
    ['sid.number', { payload: base({ sid: 1 }) }, ['sid_missing']],
    ['template.no-cat-no-sid', { header: { alg: 'RS256', kid: 'ins_test', typ: 'JWT' }, payload: base({ sid: undefined, exp: NOW + 3600, aud: 'supabase' }) }, ['sid_missing']],
    ['sts.pending', { payload: base({ sts: 'pending' }) }, ['sts_pending']],
    ['sts.pending-v1', { payload: clerkV1Payload({ ...ORG_V1, sts: 'pending' }) }, ['sts_pending']],
    ['sts.missing', { payload: base({ sts: undefined }) }, []],
    ['sts.expired', { payload: base({ sts: 'expired' }) }, ['sts_unknown']],
    ['sts.Active', { payload: base({ sts: 'Active' }) }, ['sts_unknown']],
    ['sts.number', { payload: base({ sts: 1 }) }, ['sts_unknown']],
    ['sts.null', { payload: base({ sts: null }) }, ['sts_unknown']],
    ['azp.other', { payload: base({ azp: OTHER_AZP }) }, []],
    ['azp.missing', { payload: base({ azp: undefined }) }, []],
    ['azp.empty', { payload: base({ azp: '' }) }, []],
    ['azp.array', { payload: base({ azp: [TEST_AZP] }) }, []],
    ['azp.trailing-slash', { payload: base({ azp: `${TEST_AZP}/` }) }, []],
    ['aud.string', { payload: base({ aud: 'my-api' }) }, []],
    ['aud.array', { payload: base({ aud: ['other', 'my-api'] }) }, []],
    ['aud.other', { payload: base({ aud: 'other-api' }) }, []],
    ['aud.array-other', { payload: base({ aud: ['other-api'] }) }, []],
    ['aud.empty-array', { payload: base({ aud: [] }) }, ['aud_unusable']],
    ['aud.mixed-array', { payload: base({ aud: ['my-api', 1] }) }, []],
    ['aud.number', { payload: base({ aud: 1 }) }, ['aud_unusable']],
    ['aud.numbers', { payload: base({ aud: [1] }) }, ['aud_unusable']],
    ['exp.missing', { payload: base({ exp: undefined }) }, []],
    ['exp.string', { payload: base({ exp: String(NOW + 60) }) }, []],
    ['exp.null', { payload: base({ exp: null }) }, []],
    ['exp.infinite', raw(baseJson({ exp: '1e999' })), ['time_not_finite']],
    ['exp.minus-infinite', raw(baseJson({ exp: '-1e999' })), ['time_not_finite']],
    ['exp.far-past', { payload: base({ exp: -9e12 }) }, ['time_out_of_date_range']],
    ['exp.far-future', { payload: base({ exp: 9e12 }) }, []],
    ['nbf.infinite', raw(baseJson({ nbf: '1e999' })), ['time_not_finite']],
    ['nbf.minus-infinite', raw(baseJson({ nbf: '-1e999' })), ['time_not_finite']],
    ['nbf.far-future', { payload: base({ nbf: 9e12 }) }, ['time_out_of_date_range']],
    ['nbf.string', { payload: base({ nbf: String(NOW) }) }, []],
    ['iat.infinite', raw(baseJson({ iat: '1e999' })), ['time_not_finite']],
    ['iat.far-future', { payload: base({ iat: 9e12 }) }, ['time_out_of_date_range']],
    ['iat.string', { payload: base({ iat: String(NOW) }) }, []],
    ['iat.null', { payload: base({ iat: null }) }, []],
    // Encoding
    ['enc.padded', { payload: base(), padded: true }, ['encoding_noncanonical']],
    ['enc.bom', { payload: base(), payloadBytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(base()))]) }, ['encoding_noncanonical']],
    ['enc.invalid-utf8', { payload: base(), payloadBytes: Buffer.from(JSON.stringify(base({ metadata: { role: 'admin', x: '\u0001' } })).replace('\u0001', '\u00ff'), 'latin1') }, ['encoding_noncanonical']],
    ['enc.payload-array', raw('[1,2]'), []],
    ['enc.payload-string', raw('"user_123"'), []],
    ['size.too-large', { payload: base({ pad: 'x'.repeat(7000) }) }, ['too_large']],
    ['size.near-limit', { payload: base({ pad: 'x'.repeat(5000) }) }, []],
  ];
  // Time edges, for each configured skew: exactly at and one second past each bound, and half a second past it.
  for (const skew of SKEWS) {
    out.push(
      [`time.s${skew}.exp-at-bound`, { payload: base({ exp: NOW - skew }) }, []],
      [`time.s${skew}.exp-inside`, { payload: base({ exp: NOW - skew + 1 }) }, []],
      [`time.s${skew}.exp-half-inside`, { payload: base({ exp: NOW - skew + 0.5 }) }, ['time_fractional_exp']],
      [`time.s${skew}.nbf-at-bound`, { payload: base({ nbf: NOW + skew, iat: NOW + skew }) }, []],
      [`time.s${skew}.nbf-outside`, { payload: base({ nbf: NOW + skew + 1 }) }, []],
      [`time.s${skew}.nbf-half-outside`, { payload: base({ nbf: NOW + skew + 0.5 }) }, ['time_fractional']],
      [`time.s${skew}.iat-outside`, { payload: base({ iat: NOW + skew + 1, nbf: NOW - 5 }) }, []],
      [`time.s${skew}.iat-half-outside`, { payload: base({ iat: NOW + skew + 0.5 }) }, ['time_fractional']],
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Configurations and predicates

const SKEWS = [0, 5, 60];

interface Config {
  readonly id: string;
  readonly env: Record<string, string>;
  readonly clerk: ClerkConfig;
}

function config(id: string, o: { azp?: string[]; aud?: string[]; skew?: number; pending?: boolean; clerkWithoutIssuer?: boolean }): Config {
  const skew = o.skew ?? 5;
  // Allows logged too: every case's decision record is compared.
  const env: Record<string, string> = { CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: KEYS.publicKeyPem, CLERK_LOG_ALLOWED: 'true' };
  if (o.azp) env.CLERK_AUTHORIZED_PARTIES = JSON.stringify(o.azp);
  if (o.aud) env.CLERK_AUDIENCE = JSON.stringify(o.aud);
  if (o.skew !== undefined) env.CLERK_CLOCK_SKEW_SECONDS = String(o.skew);
  if (o.pending !== undefined) env.CLERK_ALLOW_PENDING_SESSIONS = String(o.pending);
  return {
    id,
    env,
    clerk: {
      jwtKey: KEYS.publicKeyPem,
      issuer: o.clerkWithoutIssuer ? undefined : TEST_ISSUER,
      authorizedParties: o.azp,
      audience: o.aud,
      clockSkewInMs: skew * 1000,
      treatPendingAsSignedOut: !(o.pending ?? false),
    },
  };
}

const CONFIGS: readonly Config[] = [
  config('default', {}),
  config('azp', { azp: [TEST_AZP] }),
  config('azp2-skew0', { azp: [OTHER_AZP, TEST_AZP], skew: 0 }),
  config('skew60-pending', { skew: 60, pending: true }),
  config('aud-azp', { aud: ['my-api'], azp: [TEST_AZP] }),
  // The same handler as `default`; Clerk called without `issuer`, as in its documentation.
  config('clerk-without-issuer', { clerkWithoutIssuer: true }),
];

const PREDICATES: ReadonlyArray<DifferentialPredicate<ClerkCheck>> = [
  { id: 'none', check: { kind: 'none' } },
  { id: 'orgRole(admin)', predicate: ClaimPredicate.orgRole('admin'), check: { kind: 'orgRole', roles: ['admin'] } },
  { id: 'orgRole(org:member,org:admin)', predicate: ClaimPredicate.orgRole('org:member', 'org:admin'), check: { kind: 'orgRole', roles: ['org:member', 'org:admin'] } },
  { id: 'orgRole(org:org:admin)', predicate: ClaimPredicate.orgRole('org:org:admin'), check: { kind: 'orgRole', roles: ['org:org:admin'] } },
  { id: 'orgRole(member)', predicate: ClaimPredicate.orgRole('member'), check: { kind: 'orgRole', roles: ['member'] } },
  { id: 'orgPermission(org:dashboard:read)', predicate: ClaimPredicate.orgPermission('org:dashboard:read'), check: { kind: 'orgPermission', permissions: ['org:dashboard:read'] } },
  {
    id: 'orgPermission(dashboard:manage,org:impersonation:manage)',
    predicate: ClaimPredicate.orgPermission('dashboard:manage', 'org:impersonation:manage'),
    check: { kind: 'orgPermission', permissions: ['dashboard:manage', 'org:impersonation:manage'] },
  },
  { id: 'orgPermission(org:impersonation:read)', predicate: ClaimPredicate.orgPermission('org:impersonation:read'), check: { kind: 'orgPermission', permissions: ['org:impersonation:read'] } },
  { id: 'orgPermission(org:big:p69,org:big:p53)', predicate: ClaimPredicate.orgPermission('org:big:p69', 'org:big:p53'), check: { kind: 'orgPermission', permissions: ['org:big:p69', 'org:big:p53'] } },
  { id: 'orgPermission(org:big:p52)', predicate: ClaimPredicate.orgPermission('org:big:p52'), check: { kind: 'orgPermission', permissions: ['org:big:p52'] } },
  { id: 'role(admin)', predicate: ClaimPredicate.role('admin'), check: { kind: 'role', roles: ['admin'] } },
];

// ---------------------------------------------------------------------------------------------------------------
// The run

function corpus(): TokenCase[] {
  const cases: TokenCase[] = [];
  for (const [id, payload, tags] of orgVariants()) cases.push({ id: `org:${id}`, token: makeToken({ payload }), tags: new Set(tags) });
  for (const [id, spec, tags] of verificationVariants()) cases.push({ id: `verify:${id}`, token: makeToken(spec), tags: new Set(tags) });
  // The verification variants once more on v1 claims (the org decoding path differs), for the ones that touch claims.
  for (const [id, spec, tags] of verificationVariants()) {
    if (typeof spec.payload !== 'object' || spec.payloadBytes || spec.header !== undefined) continue;
    const payload = { ...spec.payload, ...ORG_V1 } as Record<string, unknown>;
    delete payload.o;
    delete payload.fea;
    delete payload.v;
    cases.push({ id: `verify-v1:${id}`, token: makeToken({ ...spec, payload }), tags: new Set(tags) });
  }
  return cases;
}

/** Whether the token's payload has an `aud` that is a string or an array of strings (what verifyToken checks). */
function hasUsableAud(token: string): boolean {
  const payload = decodePayload(token);
  if (payload === undefined) return true;
  const aud = (payload as { aud?: unknown } | null)?.aud;
  return typeof aud === 'string' || (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string'));
}

describe('differential: handler bundle vs @clerk/backend verifyToken + has()', () => {
  const laxerThanSdk: string[] = [];
  const sdkNotes: string[] = [];
  // Clerk's full SDK path for the token and configuration at hand, asked only when a case needs it.
  let sdk: { token: TokenCase; config: Config; session: Promise<ClerkSession> } | undefined;

  const run = describeDifferential({
    referenceName: 'verifyToken + has()',
    contextSubject: 'session (orgId, orgRole, orgPermissions)',
    minCases: 10_000,
    corpus,
    configs: CONFIGS,
    predicates: PREDICATES,
    reference: (tc, cfg) => clerkVerifyToken(tc.token, cfg.clerk),
    tags: (tc, cfg) => (cfg.clerk.audience && !hasUsableAud(tc.token) ? new Set([...tc.tags, 'aud_unusable']) : tc.tags),
    expectedContext: (verdict: ClerkVerdict) => {
      const org = verdict.org;
      if (!org) return undefined;
      return org.orgId ? { orgId: org.orgId, orgRole: org.orgRole, orgPermissions: org.orgPermissions.join(',') } : { orgId: '', orgRole: '', orgPermissions: '' };
    },
    stricter: STRICTER,
    onCase: async (c) => {
      if (c.ours === c.clerk && c.ours === 'unauthorized') return;
      // Where the handler differs from verifyToken, or lets the request through, ask the full SDK path too.
      if (sdk?.token !== c.token || sdk.config !== c.config) {
        sdk = { token: c.token, config: c.config, session: clerkAuthenticateRequest(c.token.token, c.config.clerk) };
      }
      const full = (await sdk.session).decide(c.predicate.check);
      if (PERMISSIVENESS[c.ours] > PERMISSIVENESS[full.decision]) {
        const line = `${c.caseId}: handler ${c.ours} (${c.ourReason}), authenticateRequest ${full.decision} (${full.reason})`;
        const known = LAXER_THAN_SDK.find((d) => c.tags.has(d.tag) && d.reasons.includes(c.ourReason));
        if (known) sdkNotes.push(`${line} [${known.tag}]`);
        else laxerThanSdk.push(line);
      }
    },
  });

  test('the handler is never more permissive than Clerk\'s full SDK path (authenticateRequest), except as listed', () => {
    if (sdkNotes.length > 0) console.info(`listed cases where the handler is laxer than authenticateRequest: ${sdkNotes.length}`);
    expect(laxerThanSdk).toEqual([]);
  });

  test('the handler is never more permissive than verifyToken + has() (fractional exp included)', () => {
    const laxer = run.outcomes.filter((o) => PERMISSIVENESS[o.ours] > PERMISSIVENESS[o.clerk]).map((o) => `${o.caseId}: handler ${o.ours}, Clerk ${o.clerk} (${o.clerkReason})`);
    expect(laxer).toEqual([]);
  });
});
