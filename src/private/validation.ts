import { Token } from 'aws-cdk-lib';

/**
 * Synth-time validation shared by the constructs.
 *
 * Messages follow the house form: `` `<prop>` <rule>, got: <value> `` with no trailing period. Unresolved tokens are
 * skipped: their value is only known at deploy time.
 */

/** API Gateway's limit on the audiences of a JWT authorizer, kept for the Lambda authorizer too. */
export const MAX_AUDIENCES = 50;

/**
 * Validates a Clerk issuer (the Frontend API URL): an absolute https URL with a host, no credentials, no query or
 * fragment, and no trailing slash, because Clerk's `iss` claim has none and API Gateway compares it exactly.
 */
export function validateIssuer(issuer: string, prop = 'issuer'): void {
  if (Token.isUnresolved(issuer)) return;
  const rule = 'must be an absolute https URL such as https://clerk.example.com (the Clerk Frontend API URL)';
  if (typeof issuer !== 'string' || issuer.length === 0 || issuer.trim() !== issuer) {
    throw new Error(`\`${prop}\` ${rule}, got: ${JSON.stringify(issuer)}`);
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`\`${prop}\` ${rule}, got: ${issuer}`);
  }
  if (url.protocol !== 'https:' || url.hostname === '') {
    throw new Error(`\`${prop}\` ${rule}, got: ${issuer}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`\`${prop}\` must not contain credentials, got: ${url.protocol}//***@${url.host}${url.pathname}`);
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new Error(`\`${prop}\` must not have a query or fragment, got: ${issuer}`);
  }
  if (issuer.endsWith('/')) {
    throw new Error(
      `\`${prop}\` must be an https URL without a trailing slash (Clerk's \`iss\` has none), got: ${issuer}`,
    );
  }
}

/**
 * Validates a list of accepted audiences: 1 to 50 non-empty strings without surrounding whitespace.
 */
export function validateStringList(values: string[] | undefined, prop: string, max = MAX_AUDIENCES): void {
  if (values === undefined || Token.isUnresolved(values)) return;
  if (!Array.isArray(values) || values.length === 0 || values.length > max) {
    throw new Error(`\`${prop}\` must list 1 to ${max} values, got: ${Array.isArray(values) ? values.length : JSON.stringify(values)}`);
  }
  for (const value of values) {
    if (Token.isUnresolved(value)) continue;
    if (typeof value !== 'string' || value.length === 0 || value.trim() !== value) {
      throw new Error(`\`${prop}\` entries must be non-empty strings without surrounding spaces, got: ${JSON.stringify(value)}`);
    }
  }
}
