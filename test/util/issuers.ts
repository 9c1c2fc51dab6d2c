/**
 * Issuers (Clerk Frontend API URLs) the construct and the handler refuse, shared by the construct, validation and
 * handler suites so the cases are written once: the construct's synth message for each, and whether the handler's own
 * cold-start check (`ISSUER_PATTERN`, a pattern without URL parsing) refuses it too. The handler accepts a few
 * non-canonical spellings the construct refuses (an upper-case host, an explicit :443): the construct never writes
 * them.
 */

/** The construct's general rule (most synth messages for a bad issuer). */
export const SYNTH_ISSUER_RULE = 'must be an absolute https URL such as https://clerk.example.com (the Clerk Frontend API URL)';

/** The handler's rule for `CLERK_ISSUER`. */
export const HANDLER_ISSUER_RULE = 'must be the Clerk Frontend API URL (https, no trailing slash, query or fragment)';

const CANONICAL = '`issuer` must be written exactly as Clerk writes `iss` (lowercase host, no default port), such as';

/** Issuers the construct accepts (and the handler too). */
export const VALID_ISSUERS: readonly string[] = [
  'https://clerk.example.com',
  'https://happy-otter-12.clerk.accounts.dev',
  'https://clerk.example.com:8443',
  'https://example.com/__clerk',
];

/** One refused issuer. */
export interface InvalidIssuer {
  /** What is wrong, for the test name (`fails if <name>`). */
  readonly name: string;
  readonly issuer: string;
  /** The construct's synth message for the prop `issuer`. */
  readonly message: string;
  /** Whether the handler refuses it too at cold start. */
  readonly handlerRefuses: boolean;
}

export const INVALID_ISSUERS: readonly InvalidIssuer[] = [
  { name: 'it is http', issuer: 'http://clerk.example.com', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: http://clerk.example.com`, handlerRefuses: true },
  { name: 'it is relative', issuer: 'clerk.example.com', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: clerk.example.com`, handlerRefuses: true },
  { name: 'it is a path', issuer: '/clerk', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: /clerk`, handlerRefuses: true },
  { name: 'it is another scheme', issuer: 'ftp://clerk.example.com', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: ftp://clerk.example.com`, handlerRefuses: true },
  { name: 'it is empty', issuer: '', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: ""`, handlerRefuses: true },
  { name: 'it has leading whitespace', issuer: ' https://clerk.example.com', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: " https://clerk.example.com"`, handlerRefuses: true },
  { name: 'it has surrounding whitespace', issuer: ' https://clerk.example.com ', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: " https://clerk.example.com "`, handlerRefuses: true },
  { name: 'it has trailing whitespace', issuer: 'https://clerk.example.com ', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: "https://clerk.example.com "`, handlerRefuses: true },
  { name: 'it has a trailing newline', issuer: 'https://clerk.example.com\n', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: "https://clerk.example.com\\n"`, handlerRefuses: true },
  { name: 'it has a space inside', issuer: 'https://clerk example.com', message: `\`issuer\` ${SYNTH_ISSUER_RULE}, got: https://clerk example.com`, handlerRefuses: true },
  { name: 'it has a query', issuer: 'https://clerk.example.com?x=1', message: '`issuer` must not have a query or fragment, got: https://clerk.example.com?x=1', handlerRefuses: true },
  { name: 'it has an empty query', issuer: 'https://clerk.example.com?', message: '`issuer` must not have a query or fragment, got: https://clerk.example.com?', handlerRefuses: true },
  { name: 'it has a fragment', issuer: 'https://clerk.example.com#x', message: '`issuer` must not have a query or fragment, got: https://clerk.example.com#x', handlerRefuses: true },
  {
    name: 'it has a trailing slash',
    issuer: 'https://clerk.example.com/',
    message: "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://clerk.example.com/",
    handlerRefuses: true,
  },
  {
    name: 'it has a path with a trailing slash',
    issuer: 'https://example.com/__clerk/',
    message: "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://example.com/__clerk/",
    handlerRefuses: true,
  },
  {
    name: 'it has credentials',
    issuer: 'https://user:secret@clerk.example.com',
    message: '`issuer` must not contain credentials, got: https://***@clerk.example.com',
    handlerRefuses: true,
  },
  {
    name: 'it has an upper-case host',
    issuer: 'https://Clerk.Example.com',
    message: `${CANONICAL} https://clerk.example.com, got: https://Clerk.Example.com`,
    handlerRefuses: false,
  },
  {
    name: 'it has the default port',
    issuer: 'https://clerk.example.com:443',
    message: `${CANONICAL} https://clerk.example.com, got: https://clerk.example.com:443`,
    handlerRefuses: false,
  },
  {
    name: 'it has no slashes after the scheme',
    issuer: 'https:clerk.example.com',
    message: `${CANONICAL} https://clerk.example.com, got: https:clerk.example.com`,
    handlerRefuses: true,
  },
  { name: 'it has no host', issuer: 'https:///path', message: `${CANONICAL} https://path, got: https:///path`, handlerRefuses: true },
];

/** `[name, issuer, message]` rows for `test.each`. */
export const INVALID_ISSUER_ROWS: ReadonlyArray<readonly [string, string, string]> = INVALID_ISSUERS.map((c) => [c.name, c.issuer, c.message]);
