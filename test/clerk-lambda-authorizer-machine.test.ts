/**
 * ClerkLambdaAuthorizer's machine-caller props (`acceptsToken`, `oauthClientIds`, `machineId`, `protectedResource`):
 * what they render into the function's environment (defaults pinned), and every synth-time refusal with its whole
 * message. The handler's side is test/handler-machine.test.ts.
 */
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ClerkLambdaAuthorizer, ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer';
import { ClerkTokenType } from '../src/clerk-token-type';
import { TOKEN_KINDS } from '../src/private/contract';

const ISSUER = 'https://clerk.example.com';
const MACHINE = 'mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk';
const CLIENT = 'client_2VTWUzvGC5UhdJCNx6xG1D98edc';
const RESOURCE = 'https://mcp.example.com';

function construct(props: Partial<ClerkLambdaAuthorizerProps> = {}): { stack: Stack; clerk: ClerkLambdaAuthorizer } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, ...props });
  return { stack, clerk };
}

function environmentOf(stack: Stack): Record<string, string> {
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const ids = Object.keys(functions);
  expect(ids).toHaveLength(1);
  return functions[ids[0]].Properties.Environment.Variables;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

test('the ClerkTokenType values are the handler\'s token kinds (Clerk\'s vocabulary)', () => {
  expect(Object.values(ClerkTokenType)).toEqual([...TOKEN_KINDS]);
  expect(ClerkTokenType.SESSION_TOKEN).toBe('session_token');
  expect(ClerkTokenType.OAUTH_TOKEN).toBe('oauth_token');
  expect(ClerkTokenType.M2M_TOKEN).toBe('m2m_token');
});

describe('environment', () => {
  test('by default accepts session tokens only, with no client list and no machine id', () => {
    const env = environmentOf(construct().stack);
    expect(env.CLERK_ACCEPTS_TOKEN).toBe('["session_token"]');
    expect(env.CLERK_OAUTH_CLIENT_IDS).toBeUndefined();
    expect(env.CLERK_MACHINE_ID).toBeUndefined();
  });

  test('writes the accepted kinds in a fixed order, the client list and the machine id', () => {
    const { stack } = construct({
      acceptsToken: [ClerkTokenType.M2M_TOKEN, ClerkTokenType.OAUTH_TOKEN, ClerkTokenType.SESSION_TOKEN],
      oauthClientIds: [CLIENT],
      machineId: MACHINE,
    });
    const env = environmentOf(stack);
    expect(env.CLERK_ACCEPTS_TOKEN).toBe('["session_token","oauth_token","m2m_token"]');
    expect(env.CLERK_OAUTH_CLIENT_IDS).toBe(`["${CLIENT}"]`);
    expect(env.CLERK_MACHINE_ID).toBe(MACHINE);
  });

  test('OAuth tokens alone', () => {
    expect(environmentOf(construct({ acceptsToken: [ClerkTokenType.OAUTH_TOKEN] }).stack).CLERK_ACCEPTS_TOKEN).toBe('["oauth_token"]');
  });

  test('a machine id from a parameter is written unresolved', () => {
    const stack = new Stack(new App(), 'Stack');
    const machineId = new CfnParameter(stack, 'MachineId').valueAsString;
    new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, acceptsToken: [ClerkTokenType.M2M_TOKEN], machineId });
    expect(environmentOf(stack).CLERK_MACHINE_ID).toEqual({ Ref: 'MachineId' });
  });
});

describe('synth-time validation', () => {
  test.each([
    [{ acceptsToken: [] }, '`acceptsToken` must list 1 to 3 distinct token types, got: []'],
    [
      { acceptsToken: [ClerkTokenType.SESSION_TOKEN, ClerkTokenType.SESSION_TOKEN] },
      '`acceptsToken` must list 1 to 3 distinct token types, got: [SESSION_TOKEN, SESSION_TOKEN]',
    ],
    [{ acceptsToken: ['api_key' as ClerkTokenType] }, '`acceptsToken` must list 1 to 3 distinct token types, got: ["api_key"]'],
    [
      { acceptsToken: [ClerkTokenType.M2M_TOKEN] },
      '`machineId` is required when `acceptsToken` includes M2M_TOKEN (an M2M token is accepted only if it lists this API\'s machine), got: undefined',
    ],
    [
      { acceptsToken: [ClerkTokenType.M2M_TOKEN], machineId: 'api' },
      '`machineId` must be a Clerk machine id: mch_ followed by letters, digits or underscores, got: "api"',
    ],
    [
      { acceptsToken: [ClerkTokenType.M2M_TOKEN], machineId: 'mch_' },
      '`machineId` must be a Clerk machine id: mch_ followed by letters, digits or underscores, got: "mch_"',
    ],
    [{ machineId: MACHINE }, `\`machineId\` must not be set unless \`acceptsToken\` includes M2M_TOKEN, got: "${MACHINE}"`],
    [{ oauthClientIds: [CLIENT] }, `\`oauthClientIds\` must not be set unless \`acceptsToken\` includes OAUTH_TOKEN, got: ["${CLIENT}"]`],
    [{ acceptsToken: [ClerkTokenType.OAUTH_TOKEN], oauthClientIds: [] }, '`oauthClientIds` must list 1 to 50 values, got: []'],
    [
      { protectedResource: { resource: RESOURCE } },
      '`protectedResource` must not be set unless `acceptsToken` includes OAUTH_TOKEN (MCP clients get OAuth access tokens), got: https://mcp.example.com',
    ],
    ...[`${RESOURCE}/`, 'http://mcp.example.com', `${RESOURCE}?x=1`, `${RESOURCE}#top`, 'mcp.example.com', `https://user:pw@mcp.example.com`, `${RESOURCE}/a"b`].map(
      (resource) => [
        { acceptsToken: [ClerkTokenType.OAUTH_TOKEN], audience: [resource], protectedResource: { resource } },
        `\`protectedResource.resource\` must be an https URL without query, fragment or trailing slash, got: ${resource}`,
      ] as const,
    ),
    [
      { acceptsToken: [ClerkTokenType.OAUTH_TOKEN], audience: [RESOURCE], protectedResource: { resource: RESOURCE, scopesSupported: ['mcp read'] } },
      '`protectedResource.scopesSupported` entries must be scope names of letters, digits and _ . : / * + -, got: "mcp read"',
    ],
  ] as Array<[Partial<ClerkLambdaAuthorizerProps>, string]>)('fails if %j', (props, message) => {
    expect(messageOf(() => construct(props))).toBe(message);
  });

  test('a protected resource whose URL is not in audience gets a warning; with it, none', () => {
    const oauth = { acceptsToken: [ClerkTokenType.OAUTH_TOKEN], protectedResource: { resource: RESOURCE } };
    const warned = construct(oauth).stack;
    Annotations.fromStack(warned).hasWarning('/Stack/Clerk', Match.stringLikeRegexp('`audience` should include the protected resource https://mcp.example.com'));
    const quiet = construct({ ...oauth, audience: [RESOURCE] }).stack;
    expect(Annotations.fromStack(quiet).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
