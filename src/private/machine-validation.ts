import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { MACHINE_ID_PATTERN, TOKEN_KINDS, TokenKind } from './contract';
import { validationError } from './errors';
import { validateStringList } from './validation';

/**
 * Synth-time checks of the Lambda authorizer's machine-caller props (`acceptsToken`, `oauthClientIds`, `machineId`,
 * `protectedResource`), each throwing through `validationError` with the construct.
 */

/** The machine-caller props, as the construct receives them. */
export interface MachineCallerProps {
  readonly acceptsToken?: string[];
  readonly oauthClientIds?: string[];
  readonly machineId?: string;
  readonly audience?: string[];
  readonly protectedResource?: { readonly resource: string; readonly scopesSupported?: string[] };
}

/** The names of the `ClerkTokenType` members, for messages (`[SESSION_TOKEN]` reads as the user wrote it). */
const MEMBER: Readonly<Record<string, string>> = {
  [TokenKind.SESSION]: 'SESSION_TOKEN',
  [TokenKind.OAUTH]: 'OAUTH_TOKEN',
  [TokenKind.M2M]: 'M2M_TOKEN',
};

/**
 * Validates the machine-caller props together and returns the accepted kinds (default: session tokens only).
 *
 * Contradictions are refused rather than ignored: `machineId` is required with M2M tokens (an M2M token is accepted
 * only if it lists this API's machine) and, like `oauthClientIds` and `protectedResource`, refused without the kind it
 * configures (it would silently do nothing).
 */
export function validateMachineCallers(scope: IConstruct, props: MachineCallerProps): TokenKind[] {
  const accepts = validateAcceptsToken(scope, props.acceptsToken);
  const m2m = accepts.includes(TokenKind.M2M);
  const oauth = accepts.includes(TokenKind.OAUTH);
  if (m2m && props.machineId === undefined) {
    throw validationError(scope,
      '`machineId` is required when `acceptsToken` includes M2M_TOKEN (an M2M token is accepted only if it lists this API\'s machine), got: undefined');
  }
  if (props.machineId !== undefined) {
    if (!m2m) throw validationError(scope, `\`machineId\` must not be set unless \`acceptsToken\` includes M2M_TOKEN, got: ${JSON.stringify(props.machineId)}`);
    if (!Token.isUnresolved(props.machineId) && !MACHINE_ID_PATTERN.test(props.machineId)) {
      throw validationError(scope,
        `\`machineId\` must be a Clerk machine id: mch_ followed by letters, digits or underscores, got: ${JSON.stringify(props.machineId)}`);
    }
  }
  if (props.oauthClientIds !== undefined) {
    if (!oauth) {
      throw validationError(scope,
        `\`oauthClientIds\` must not be set unless \`acceptsToken\` includes OAUTH_TOKEN, got: ${JSON.stringify(props.oauthClientIds)}`);
    }
    validateStringList(scope, props.oauthClientIds, 'oauthClientIds');
  }
  if (props.protectedResource !== undefined) {
    if (!oauth) {
      throw validationError(scope,
        '`protectedResource` must not be set unless `acceptsToken` includes OAUTH_TOKEN (MCP clients get OAuth access tokens), got: ' +
          props.protectedResource.resource);
    }
    validateProtectedResource(scope, props.protectedResource);
    const resource = props.protectedResource.resource;
    if (!Token.isUnresolved(resource) && !(props.audience ?? []).includes(resource)) {
      Annotations.of(scope).addWarningV2('cdk-clerk-authorizers:protectedResourceWithoutAudience',
        `\`audience\` should include the protected resource ${resource}: Clerk writes the resource an MCP client asked ` +
          'for in the OAuth token\'s aud, and without the check a token the same Clerk instance issued for another resource is accepted here too');
    }
  }
  return accepts;
}

function validateAcceptsToken(scope: IConstruct, acceptsToken: string[] | undefined): TokenKind[] {
  if (acceptsToken === undefined) return [TokenKind.SESSION];
  const ok =
    Array.isArray(acceptsToken) && acceptsToken.length > 0 && new Set(acceptsToken).size === acceptsToken.length &&
    acceptsToken.every((k) => (TOKEN_KINDS as readonly string[]).includes(k));
  if (!ok) {
    const got = Array.isArray(acceptsToken) ? `[${acceptsToken.map((k) => MEMBER[k] ?? JSON.stringify(k)).join(', ')}]` : JSON.stringify(acceptsToken);
    throw validationError(scope, `\`acceptsToken\` must list 1 to ${TOKEN_KINDS.length} distinct token types, got: ${got}`);
  }
  // A fixed order, so the rendered variable does not depend on how the list was written.
  return TOKEN_KINDS.filter((k) => acceptsToken.includes(k));
}

/** What a scope name in the protected resource metadata must be (also safe inside the metadata's mapping template). */
const SCOPE_NAME = /^[A-Za-z0-9_.:/*+-]{1,256}$/;

function validateProtectedResource(scope: IConstruct, pr: { readonly resource: string; readonly scopesSupported?: string[] }): void {
  const resource = pr.resource;
  if (!Token.isUnresolved(resource) && !isResourceUrl(resource)) {
    throw validationError(scope,
      `\`protectedResource.resource\` must be an https URL without query, fragment or trailing slash, got: ${resource}`);
  }
  const scopes = pr.scopesSupported;
  if (scopes === undefined || Token.isUnresolved(scopes)) return;
  validateStringList(scope, scopes, 'protectedResource.scopesSupported');
  for (const s of scopes) {
    if (!Token.isUnresolved(s) && !SCOPE_NAME.test(s)) {
      throw validationError(scope,
        `\`protectedResource.scopesSupported\` entries must be scope names of letters, digits and _ . : / * + -, got: ${JSON.stringify(s)}`);
    }
  }
}

/**
 * An RFC 8707 resource as MCP uses it: an absolute https URL (the URL clients call), without credentials, query or
 * fragment, and without a trailing slash (the metadata document is served at `<resource>/.well-known/...`). Characters
 * that would break the gateway response's quoted header or the mapping template (`"`, `'`, `\`, `$`, `#`) are refused.
 */
function isResourceUrl(value: string): boolean {
  if (/["'\\$#\s]/.test(value) || value.endsWith('/')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname !== '' && !url.username && !url.password && url.search === '' && !value.includes('?');
}
