import { createPublicKey, KeyObject } from 'node:crypto';
import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ISSUER_PATTERN, isSecureJwksUrl, Limit, Pem } from './contract';
import { validationError } from './errors';

/**
 * Synth-time validation shared by the constructs.
 *
 * Messages follow the house form: `` `<prop>` <rule>, got: <value> `` with no trailing period, thrown through
 * `validationError` with the construct whose props are checked (`scope`). Unresolved tokens are skipped: their value
 * is only known at deploy time.
 */

/**
 * Validates a Clerk issuer (the Frontend API URL): an absolute https URL with a host, no credentials, no query or
 * fragment, no trailing slash, and in canonical form (lowercase host, no default port), because Clerk's `iss` claim
 * is written that way and API Gateway (like the handler) compares it exactly.
 */
export function validateIssuer(scope: IConstruct | undefined, issuer: string, prop = 'issuer'): void {
  if (Token.isUnresolved(issuer)) return;
  const rule = 'must be an absolute https URL such as https://clerk.example.com (the Clerk Frontend API URL)';
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.trim() !== issuer) {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${JSON.stringify(issuer)}`);
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${issuer}`);
  }
  if (url.protocol !== 'https:' || url.hostname === '') {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${issuer}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Show where the credentials were, never what they were.
    throw validationError(scope, `\`${prop}\` must not contain credentials, got: ${issuer.replace(/\/\/[^/]*@/, '//***@')}`);
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw validationError(scope, `\`${prop}\` must not have a query or fragment, got: ${issuer}`);
  }
  if (issuer.endsWith('/')) {
    throw validationError(scope,
      `\`${prop}\` must be an https URL without a trailing slash (Clerk's \`iss\` has none), got: ${issuer}`,
    );
  }
  // `iss` is compared character for character: an upper-case host, an explicit :443 or a path that URL parsing
  // rewrites would never match the value Clerk writes.
  const canonical = `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  if (canonical !== issuer) {
    throw validationError(scope,
      `\`${prop}\` must be written exactly as Clerk writes \`iss\` (lowercase host, no default port), ` +
        `such as ${canonical}, got: ${issuer}`,
    );
  }
  // The handler's own check of the same variable (the contract's rule): whatever passes here must pass there.
  if (!ISSUER_PATTERN.test(issuer)) throw validationError(scope, `\`${prop}\` ${rule}, got: ${issuer}`);
}

/**
 * Validates a list of accepted audiences: 1 to 50 non-empty strings without surrounding whitespace.
 */
export function validateStringList(
  scope: IConstruct | undefined, values: string[] | undefined, prop: string, max: number = Limit.MAX_LIST_ENTRIES,
): void {
  if (values === undefined || Token.isUnresolved(values)) return;
  if (!Array.isArray(values) || values.length === 0 || values.length > max) {
    const got = !Array.isArray(values) ? JSON.stringify(values) : values.length === 0 ? '[]' : `${values.length} values`;
    throw validationError(scope, `\`${prop}\` must list 1 to ${max} values, got: ${got}`);
  }
  for (const value of values) {
    if (Token.isUnresolved(value)) continue;
    if (typeof value !== 'string' || value.length === 0 || value.trim() !== value) {
      throw validationError(scope, `\`${prop}\` entries must be non-empty strings without surrounding spaces, got: ${JSON.stringify(value)}`);
    }
  }
}

/** What a PEM looks like in an error message: its first characters only, never the whole key. */
function pemPrefix(pem: string): string {
  const max = 40;
  return JSON.stringify(pem.length > max ? `${pem.slice(0, max)}...` : pem);
}

/**
 * Validates Clerk's PEM public key and returns it in canonical SPKI PEM form (the form the handler is given).
 *
 * Accepted: an RSA public key of at least 2048 bits, as SPKI (`-----BEGIN PUBLIC KEY-----`, what the Clerk dashboard
 * shows) or PKCS#1 (`-----BEGIN RSA PUBLIC KEY-----`, converted losslessly); indentation and CRLF line ends are
 * tolerated. Refused, each with a hint: a mangled PEM (literal `\n`, newlines turned into spaces, header or footer
 * missing), a private key (`createPublicKey` would silently derive the public half: the private key must never be in
 * a template), a certificate, more than one PEM block, a non-RSA key and a short key. Error messages show a short
 * prefix of the value, never the whole PEM.
 *
 * Unresolved tokens are returned unchanged (their value is only known at deploy time).
 */
export function validatePublicKeyPem(scope: IConstruct | undefined, pem: string, prop = 'publicKeyPem'): string {
  if (Token.isUnresolved(pem)) return pem;
  const rule = 'must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----), as shown under "PEM Public Key" on the Clerk dashboard\'s API keys page';
  if (typeof pem !== 'string' || pem.trim().length === 0) {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${JSON.stringify(pem)}`);
  }
  // Checked before parsing: node derives a public key from a private one without complaint.
  const privateHeader = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----/.exec(pem);
  if (privateHeader || pem.includes(Pem.PRIVATE_KEY)) {
    const label = privateHeader ? `-----BEGIN ${privateHeader[1]}-----` : 'a value containing "PRIVATE KEY"';
    throw validationError(scope,
      `\`${prop}\` must be a public key, never a private key (use the PUBLIC key from the Clerk dashboard, API keys page, "PEM Public Key"; treat this private key as leaked if it was committed), got: ${label}`,
    );
  }
  if (/-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/.test(pem)) {
    throw validationError(scope,
      `\`${prop}\` must be a public key, not a certificate (extract the key with \`openssl x509 -pubkey -noout\`, or copy "PEM Public Key" from the Clerk dashboard), got: ${pemPrefix(pem)}`,
    );
  }
  if (pem.includes('\\n')) {
    throw validationError(scope,
      `\`${prop}\` contains a literal "\\n" where line breaks belong (replace each literal \\n with a newline, e.g. pem.replace(/\\\\n/g, '\\n')), got: ${pemPrefix(pem)}`,
    );
  }
  const blocks = pem.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? [];
  if (blocks.length === 0) {
    throw validationError(scope,
      `\`${prop}\` ${rule} (the -----BEGIN PUBLIC KEY----- and -----END PUBLIC KEY----- lines are missing: keep them), got: ${pemPrefix(pem)}`,
    );
  }
  if (blocks.length > 1) {
    throw validationError(scope, `\`${prop}\` must hold exactly one PEM block, got: ${blocks.length} blocks (${blocks.join(', ')})`);
  }
  // PEM is line-oriented: indentation (a template literal in a stack) and CRLF are harmless, a one-line PEM is not.
  const lines = pem.trim().split(/\r?\n/).map((line) => line.trim());
  if (lines.length < 3) {
    throw validationError(scope,
      `\`${prop}\` must keep its line breaks (they were removed or turned into spaces: restore the newlines after -----BEGIN PUBLIC KEY----- and before -----END PUBLIC KEY-----), got: ${pemPrefix(pem)}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: lines.join('\n') + '\n', format: 'pem' });
  } catch {
    throw validationError(scope, `\`${prop}\` ${rule} (it could not be parsed), got: ${pemPrefix(pem)}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw validationError(scope,
      `\`${prop}\` must be an RSA public key (Clerk signs session tokens with RS256), got: a${key.asymmetricKeyType === 'ec' || key.asymmetricKeyType === 'ed25519' ? 'n' : ''} ${key.asymmetricKeyType} key`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < Limit.MIN_RSA_MODULUS_BITS) {
    throw validationError(scope, `\`${prop}\` must be an RSA key of at least ${Limit.MIN_RSA_MODULUS_BITS} bits, got: a ${bits}-bit RSA key`);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * Validates a JWKS URL: an absolute https URL without credentials or fragment; plain http only for a loopback host
 * (127.0.0.1, localhost, ::1), which only a test can serve.
 */
export function validateJwksUri(scope: IConstruct | undefined, uri: string, prop = 'jwksUri'): void {
  if (Token.isUnresolved(uri)) return;
  const rule = 'must be an absolute https URL (http only for 127.0.0.1, localhost or [::1])';
  if (typeof uri !== 'string' || uri.length === 0 || uri.trim() !== uri) {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${JSON.stringify(uri)}`);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${uri}`);
  }
  if (!isSecureJwksUrl(url) || url.hostname === '') {
    throw validationError(scope, `\`${prop}\` ${rule}, got: ${uri}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw validationError(scope, `\`${prop}\` must not contain credentials, got: ${url.protocol}//***@${url.host}${url.pathname}`);
  }
  if (url.hash !== '' || uri.includes('#')) {
    throw validationError(scope, `\`${prop}\` must not have a fragment, got: ${uri}`);
  }
}

/**
 * Validates that a duration is a whole number of seconds within [min, max] and returns that number.
 *
 * Returns undefined for an undefined or unresolved duration.
 */
export function validateDurationSeconds(
  scope: IConstruct | undefined, duration: Duration | undefined, prop: string, min: Duration, max: Duration,
): number | undefined {
  if (duration === undefined || duration.isUnresolved()) return undefined;
  const millis = duration.toMilliseconds({ integral: false });
  const minSeconds = min.toSeconds();
  const maxSeconds = max.toSeconds();
  if (millis % 1000 !== 0 || millis < minSeconds * 1000 || millis > maxSeconds * 1000) {
    throw validationError(scope,
      `\`${prop}\` must be a whole number of seconds from ${min.toHumanString()} to ${max.toHumanString()}, got: ${duration.toHumanString()}`,
    );
  }
  return millis / 1000;
}

/** Validates an authorizer name: a non-empty string without surrounding spaces. */
export function validateAuthorizerName(scope: IConstruct, name: string): void {
  if (!Token.isUnresolved(name) && (name.length === 0 || name.trim() !== name)) {
    throw validationError(scope, `\`authorizerName\` must be a non-empty string without surrounding spaces, got: ${JSON.stringify(name)}`);
  }
}
