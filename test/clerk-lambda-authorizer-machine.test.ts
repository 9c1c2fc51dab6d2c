/**
 * ClerkLambdaAuthorizer's machine-caller props (`acceptsToken`, `oauthClientIds`, `machineId`, `protectedResource`):
 * what they render into the function's environment (defaults pinned), and every synth-time refusal with its whole
 * message. The handler's side is test/handler-machine.test.ts.
 */
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { ClerkTokenType } from '../src/clerk-token-type';
import { expectCfnLintClean } from './util/cfn-lint';
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
    ...[`${RESOURCE}/`, 'http://mcp.example.com', `${RESOURCE}?x=1`, `${RESOURCE}#top`, 'mcp.example.com', 'https://user:pw@mcp.example.com', `${RESOURCE}/a"b`].map(
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

describe('protectedResource on REST APIs (RFC 9728, for MCP clients)', () => {
  const DOC = { resource: RESOURCE, authorization_servers: [ISSUER], scopes_supported: ['mcp:read', 'mcp:write'], bearer_methods_supported: ['header'] };
  const CHALLENGE = `'Bearer resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"'`;
  const mcpProps: Partial<ClerkLambdaAuthorizerProps> = {
    acceptsToken: [ClerkTokenType.OAUTH_TOKEN],
    audience: [RESOURCE],
    protectedResource: { resource: RESOURCE, scopesSupported: ['mcp:read', 'mcp:write'] },
  };

  function mcpApi(props: Partial<ClerkLambdaAuthorizerProps> = mcpProps, cors?: apigw.CorsOptions) {
    const { stack, clerk } = construct(props);
    const api = new apigw.RestApi(stack, 'RestApi', cors ? { defaultCorsPreflightOptions: cors } : {});
    clerk.addMethod(api.root.addResource('mcp'), 'POST', new apigw.MockIntegration());
    return { stack, clerk, api, template: Template.fromStack(stack) };
  }

  test('401 answers name the metadata document (WWW-Authenticate)', () => {
    const { template } = mcpApi();
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 1);
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': CHALLENGE },
    });
  });

  test('GET /.well-known/oauth-protected-resource serves the document from a mock integration, without authorization', () => {
    const { template, stack } = mcpApi();
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '.well-known' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'oauth-protected-resource' });
    const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } });
    const [get] = Object.values(methods) as Array<{ Properties: any }>;
    expect(Object.keys(methods)).toHaveLength(1);
    expect(get.Properties.AuthorizationType).toBe('NONE');
    expect(get.Properties.Integration.Type).toBe('MOCK');
    const body = stack.resolve(get.Properties.Integration.IntegrationResponses[0].ResponseTemplates['application/json']);
    expect(JSON.parse(body)).toEqual(DOC);
    expect(get.Properties.Integration.IntegrationResponses[0].ResponseParameters).toEqual({
      'method.response.header.Access-Control-Allow-Origin': "'*'",
      'method.response.header.Cache-Control': "'public, max-age=3600'",
    });
    // No preflight method of its own (to the API's CORS support, a preflight allowing * would open every 401 to any
    // origin): a plain GET is readable from any origin.
    expect(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } })).toEqual({});
  });

  test('without scopesSupported the document lists none', () => {
    const { template, stack } = mcpApi({ ...mcpProps, protectedResource: { resource: RESOURCE } });
    const [get] = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } })) as Array<{ Properties: any }>;
    const body = stack.resolve(get.Properties.Integration.IntegrationResponses[0].ResponseTemplates['application/json']);
    expect(JSON.parse(body)).toEqual({ resource: RESOURCE, authorization_servers: [ISSUER], bearer_methods_supported: ['header'] });
  });

  test('with CORS, the 401 carries both the CORS headers and the challenge, and the metadata is preflighted by the API\'s CORS', () => {
    const { template } = mcpApi(mcpProps, { allowOrigins: ['https://app.example.com'] });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': CHALLENGE,
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
      },
    });
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 4);
  });

  test('when another authorizer made the CORS 401 first, the challenge is added to it', () => {
    const { stack, clerk } = construct(mcpProps);
    const other = new ClerkLambdaAuthorizer(stack, 'Browser', { issuer: ISSUER });
    const api = new apigw.RestApi(stack, 'RestApi', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
    other.addMethod(api.root.addResource('items'), 'GET', new apigw.MockIntegration());
    clerk.addMethod(api.root.addResource('mcp'), 'POST', new apigw.MockIntegration());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 4);
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.WWW-Authenticate': CHALLENGE,
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
      },
    });
  });

  test('two authorizers with the same metadata share one document; with other metadata, it fails', () => {
    const { stack, clerk } = construct(mcpProps);
    const api = new apigw.RestApi(stack, 'RestApi');
    clerk.addMethod(api.root.addResource('mcp'), 'POST', new apigw.MockIntegration());
    const same = new ClerkLambdaAuthorizer(stack, 'Same', { issuer: ISSUER, ...mcpProps });
    same.addMethod(api.root.addResource('tools'), 'POST', new apigw.MockIntegration());
    const other = new ClerkLambdaAuthorizer(stack, 'Other', { ...mcpProps, issuer: ISSUER, audience: ['https://other.example.com'], protectedResource: { resource: 'https://other.example.com' } });
    expect(messageOf(() => other.addMethod(api.root.addResource('other'), 'POST', new apigw.MockIntegration()))).toBe(
      '`protectedResource` must be the same for every authorizer of a REST API (it serves one metadata document), got: https://other.example.com where https://mcp.example.com is already served',
    );
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } }))).toHaveLength(1);
  });

  test('the REST API\'s own 401 gateway response is left alone, with a warning', () => {
    const { stack, clerk } = construct(mcpProps);
    const api = new apigw.RestApi(stack, 'RestApi');
    api.addGatewayResponse('Mine', { type: apigw.ResponseType.UNAUTHORIZED, responseHeaders: { 'X-Mine': "'1'" } });
    clerk.addMethod(api.root.addResource('mcp'), 'POST', new apigw.MockIntegration());
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::GatewayResponse', 1);
    Annotations.fromStack(stack).hasWarning('/Stack/RestApi', Match.stringLikeRegexp('add the header WWW-Authenticate: Bearer resource_metadata='));
  });

  test('fails at synth if the REST API gets its own 401 gateway response after addMethod', () => {
    const { stack, clerk } = construct(mcpProps);
    const api = new apigw.RestApi(stack, 'RestApi');
    clerk.addMethod(api.root.addResource('mcp'), 'POST', new apigw.MockIntegration());
    api.addGatewayResponse('Mine', { type: apigw.ResponseType.UNAUTHORIZED });
    expect(() => Template.fromStack(stack)).toThrow(
      /Stack\/RestApi\/Mine\/Resource is a second UNAUTHORIZED gateway response of the REST API Stack\/RestApi, which already has Stack\/RestApi\/ClerkProtectedResourceUnauthorized/,
    );
  });

  test('HTTP APIs get neither (no gateway responses or mock integrations there)', () => {
    const { stack, clerk } = construct(mcpProps);
    const httpApi = new apigwv2.HttpApi(stack, 'HttpApi');
    clerk.addRoutes(httpApi, { path: '/mcp', methods: [apigwv2.HttpMethod.POST], integration: new HttpUrlIntegration('Mcp', 'https://backend.example.com') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
  });

  test('the template passes cfn-lint', () => {
    expectCfnLintClean(mcpApi(mcpProps, { allowOrigins: ['https://app.example.com'] }).stack);
  });
});
