/**
 * What ClerkLambdaAuthorizer refuses or warns about at synthesis because it would fail silently at run time (issue
 * 14): `authorizedParties` that are not origins, a results cache outliving the token, the session cookie without
 * `authorizedParties`, REST methods that put OPTIONS behind the authorizer, an API in another account or region; and
 * what it adds at synthesis however the app was built: CORS headers on the REST gateway responses. Plus the
 * `jwksStaleIfError` and `reservedConcurrentExecutions` props.
 */
import { App, Annotations as CoreAnnotations, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { testKeys } from './util/tokens';

const ISSUER = 'https://clerk.example.com';
const ENV = { account: '123456789012', region: 'us-east-1' };

function newStack(id = 'Stack', env: { account?: string; region?: string } | undefined = ENV): Stack {
  return new Stack(new App(), id, { env });
}

function construct(props: Partial<ClerkLambdaAuthorizerProps> = {}, stack = newStack()): ClerkLambdaAuthorizer {
  return new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, ...props });
}

/** The warnings of a stack as `<id> <text>` lines (CDK appends `[ack: <id>]` to each text). */
function warnings(stack: Stack): Array<{ path: string; text: string }> {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((m) => ({ path: m.id, text: String(m.entry.data) }));
}

function functionProps(stack: Stack): Record<string, any> {
  const fns = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  expect(fns).toHaveLength(1);
  return (fns[0] as any).Properties;
}

describe('authorizedParties must be origins', () => {
  const RULE =
    '`authorizedParties` entries must be origins such as https://app.example.com (scheme, host and optional port, ' +
    'exactly as the browser sends Origin: no path or trailing slash, query, fragment or credentials)';

  test.each<[string, string, string]>([
    ['a trailing slash', 'https://app.example.com/', 'https://app.example.com/ (its origin is https://app.example.com)'],
    ['a path', 'https://app.example.com/app', 'https://app.example.com/app (its origin is https://app.example.com)'],
    ['a query', 'https://app.example.com?x=1', 'https://app.example.com?x=1 (its origin is https://app.example.com)'],
    ['a fragment', 'https://app.example.com#x', 'https://app.example.com#x (its origin is https://app.example.com)'],
    ['an upper-case host', 'https://App.Example.com', 'https://App.Example.com (its origin is https://app.example.com)'],
    ['the default port', 'https://app.example.com:443', 'https://app.example.com:443 (its origin is https://app.example.com)'],
    ['credentials', 'https://user:pw@app.example.com', 'https://***@app.example.com (its origin is https://app.example.com)'],
    ['no scheme', 'app.example.com', 'app.example.com'],
    ['no scheme, a port', 'localhost:3000', 'localhost:3000'],
    ['another scheme with a path', 'chrome-extension://abcdef/popup.html', 'chrome-extension://abcdef/popup.html'],
  ])('fails with %s', (_name, party, shown) => {
    expect(() => construct({ authorizedParties: ['https://ok.example.com', party] })).toThrow(new Error(`${RULE}, got: ${shown}`));
  });

  test('origins are accepted: https, http with a port (local development), another scheme with a host', () => {
    const parties = ['https://app.example.com', 'http://localhost:3000', 'https://app.example.com:8443', 'chrome-extension://abcdefghijklmnop'];
    const env = functionProps(construct({ authorizedParties: parties }).node.scope as Stack).Environment.Variables;
    expect(JSON.parse(env.CLERK_AUTHORIZED_PARTIES)).toEqual(parties);
  });
});

describe('warnings (acknowledgeable)', () => {
  const TTL_ID = 'cdk-clerk-authorizers:resultsCacheTtlAboveTokenLifetime';
  const COOKIE_ID = 'cdk-clerk-authorizers:sessionCookieWithoutAuthorizedParties';

  test('a resultsCacheTtl above 60 seconds', () => {
    const stack = newStack();
    construct({ resultsCacheTtl: Duration.seconds(61) }, stack);
    expect(warnings(stack)).toEqual([{
      path: '/Stack/Clerk',
      text: '`resultsCacheTtl` is 61 seconds, longer than the 60 seconds a Clerk session token lives: API Gateway\'s ' +
        'cached Allow outlives the token, and a sign-out, by up to 61 seconds. Use at most Duration.seconds(60). ' +
        `[ack: ${TTL_ID}]`,
    }]);
  });

  test('no warning for a resultsCacheTtl of 60 seconds, or by default', () => {
    const stack = newStack();
    construct({ resultsCacheTtl: Duration.seconds(60) }, stack);
    new ClerkLambdaAuthorizer(stack, 'Default', { issuer: ISSUER });
    expect(warnings(stack)).toEqual([]);
  });

  test('sessionCookie without authorizedParties', () => {
    const stack = newStack();
    construct({ sessionCookie: true }, stack);
    expect(warnings(stack)).toEqual([{
      path: '/Stack/Clerk',
      text: '`sessionCookie` is true without `authorizedParties`: a `__session` cookie holding a token minted for any ' +
        'origin of the Clerk instance (a cookie leaked or set from another subdomain) is accepted. Set ' +
        "`authorizedParties` to your app's origins, as Clerk recommends. " +
        `[ack: ${COOKIE_ID}]`,
    }]);
  });

  test('no warning for sessionCookie with authorizedParties', () => {
    const stack = newStack();
    construct({ sessionCookie: true, authorizedParties: ['https://app.example.com'] }, stack);
    expect(warnings(stack)).toEqual([]);
  });

  test('acknowledged on the construct or on the stack, the warnings are gone', () => {
    const stack = newStack();
    const clerk = construct({ sessionCookie: true }, stack);
    CoreAnnotations.of(clerk).acknowledgeWarning(COOKIE_ID, 'the API only serves our own app');
    const other = newStack('Other');
    CoreAnnotations.of(other).acknowledgeWarning(TTL_ID, 'one-minute tokens, 2-minute cache: accepted');
    construct({ resultsCacheTtl: Duration.minutes(2) }, other);
    expect(warnings(stack)).toEqual([]);
    expect(warnings(other)).toEqual([]);
  });
});

describe('REST methods that put OPTIONS behind the authorizer', () => {
  const ID = 'cdk-clerk-authorizers:preflightBehindLambdaAuthorizer';
  const ANY_TEXT = (path: string) =>
    `Method "ANY ${path}" sends OPTIONS requests through the Clerk Lambda authorizer, so browser CORS preflights ` +
    '(which carry no token) are refused. Give the resource a CORS preflight (defaultCorsPreflightOptions or ' +
    `resource.addCorsPreflight), which answers OPTIONS instead of ANY, or list explicit methods. [ack: ${ID}]`;

  function restStack(cors?: apigw.CorsOptions) {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api', { defaultCorsPreflightOptions: cors });
    return { stack, clerk, api };
  }

  test('ANY on a resource without a CORS preflight (addMethod)', () => {
    const { stack, clerk, api } = restStack();
    clerk.addMethod(api.root.addResource('items'), 'ANY', new apigw.MockIntegration());
    expect(warnings(stack)).toEqual([{ path: '/Stack/Api/Default/items/ANY', text: ANY_TEXT('/items') }]);
  });

  test('ANY through authorizerForRestApi, e.g. a proxy resource (whose CORS options CDK drops)', () => {
    const { stack, clerk, api } = restStack();
    api.root.addProxy({
      defaultMethodOptions: { authorizer: clerk.authorizerForRestApi(api) },
      defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] },
    });
    expect(warnings(stack)).toEqual([{ path: '/Stack/Api/Default/{proxy+}/ANY', text: ANY_TEXT('/{proxy+}') }]);
  });

  test('OPTIONS through authorizerForRestApi', () => {
    const { stack, clerk, api } = restStack();
    api.root.addResource('items').addMethod('OPTIONS', new apigw.MockIntegration(), { authorizer: clerk.authorizerForRestApi(api) });
    expect(warnings(stack)).toEqual([{
      path: '/Stack/Api/Default/items/OPTIONS',
      text: 'Method "OPTIONS /items" sends OPTIONS requests through the Clerk Lambda authorizer, so browser CORS ' +
        'preflights (which carry no token) are refused. Leave OPTIONS to the CORS preflight that ' +
        'defaultCorsPreflightOptions or resource.addCorsPreflight creates, without an authorizer. ' +
        `[ack: ${ID}]`,
    }]);
  });

  test('no warning for ANY next to a CORS preflight (added before or after), nor for other methods', () => {
    const { stack, clerk, api } = restStack();
    clerk.addMethod(api.root.addResource('a', { defaultCorsPreflightOptions: { allowOrigins: ['*'] } }), 'ANY');
    const b = api.root.addResource('b');
    clerk.addMethod(b, 'ANY');
    b.addCorsPreflight({ allowOrigins: ['*'] });
    clerk.addMethod(api.root.addResource('c'), 'GET');
    api.root.addResource('d').addMethod('ANY'); // not behind this authorizer
    expect(warnings(stack)).toEqual([]);
  });

  test('acknowledged on the API, the warning is gone', () => {
    const { stack, clerk, api } = restStack();
    clerk.addMethod(api.root.addResource('items'), 'ANY');
    CoreAnnotations.of(api).acknowledgeWarning(ID, 'a server-to-server API: no browser calls it');
    expect(warnings(stack)).toEqual([]);
  });
});

describe('CORS headers on the REST gateway responses, however CORS was configured', () => {
  function origins(stack: Stack): Record<string, string | undefined> {
    return Object.fromEntries(
      Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse')).map((r: any) => [
        r.Properties.ResponseType,
        r.Properties.ResponseParameters?.['gatewayresponse.header.Access-Control-Allow-Origin'],
      ]),
    );
  }
  const ALL = (origin: string) => ({
    UNAUTHORIZED: origin, ACCESS_DENIED: origin, AUTHORIZER_FAILURE: origin, AUTHORIZER_CONFIGURATION_ERROR: origin,
  });

  test('resource.addCorsPreflight after addMethod', () => {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api');
    const items = api.root.addResource('items');
    clerk.addMethod(items, 'GET');
    items.addCorsPreflight({ allowOrigins: ['https://app.example.com'], allowCredentials: true });
    expect(origins(stack)).toEqual(ALL("'https://app.example.com'"));
    const unauthorized = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse'))
      .map((r: any) => r.Properties).find((p) => p.ResponseType === 'UNAUTHORIZED');
    expect(unauthorized.ResponseParameters).toEqual({
      'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
      'gatewayresponse.header.Vary': "'Origin'",
      'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
    });
  });

  test('resource.addCorsPreflight before addMethod, with several origins: the request origin is echoed', () => {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api');
    const items = api.root.addResource('items');
    items.addCorsPreflight({ allowOrigins: ['https://a.example.com', 'https://b.example.com'], allowCredentials: true });
    clerk.addMethod(items, 'GET');
    expect(origins(stack)).toEqual(ALL('method.request.header.Origin'));
  });

  test('CORS on another resource of the API, the authorizer attached with authorizerForRestApi', () => {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api');
    api.root.addResource('items').addMethod('GET', undefined, { authorizer: clerk.authorizerForRestApi(api) });
    api.root.addResource('public', { defaultCorsPreflightOptions: { allowOrigins: ['*'] } });
    expect(origins(stack)).toEqual(ALL("'*'"));
  });

  test('defaultCorsPreflightOptions on the API, methods on its root', () => {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
    clerk.addMethod(api.root, 'GET');
    expect(origins(stack)).toEqual(ALL("'https://app.example.com'"));
  });

  test('no CORS anywhere: no gateway responses', () => {
    const stack = newStack();
    const clerk = construct({}, stack);
    const api = new apigw.RestApi(stack, 'Api');
    clerk.addMethod(api.root.addResource('items'), 'GET');
    expect(origins(stack)).toEqual({});
  });
});

describe('an API in another account or region', () => {
  const message = (api: string, own: string) =>
    "`api` must be in the account and region of the authorizer (its function is invoked from the API's account and " +
    `region: create one ClerkLambdaAuthorizer per account and region), got: an API in ${api}, the authorizer in ${own}`;

  function twoStacks(apiEnv: { account?: string; region?: string } | undefined, ownEnv: { account?: string; region?: string } | undefined = ENV) {
    const app = new App();
    const clerk = new ClerkLambdaAuthorizer(new Stack(app, 'Auth', { env: ownEnv }), 'Clerk', { issuer: ISSUER });
    const apiStack = new Stack(app, 'Api', { env: apiEnv });
    return { clerk, apiStack };
  }

  test.each<[string, { account: string; region: string }, string]>([
    ['another region', { account: '123456789012', region: 'eu-west-1' }, '123456789012/eu-west-1'],
    ['another account', { account: '210987654321', region: 'us-east-1' }, '210987654321/us-east-1'],
  ])('fails for a REST API in %s', (_name, env, shown) => {
    const { clerk, apiStack } = twoStacks(env);
    const api = new apigw.RestApi(apiStack, 'Api');
    expect(() => clerk.addMethod(api.root, 'GET')).toThrow(new Error(message(shown, '123456789012/us-east-1')));
  });

  test('fails for an HTTP API in another region', () => {
    const { clerk, apiStack } = twoStacks({ account: '123456789012', region: 'eu-west-1' });
    const api = new apigwv2.HttpApi(apiStack, 'Api');
    expect(() => clerk.addRoutes(api, { path: '/x', integration: new HttpUrlIntegration('I', 'https://backend.example.com') }))
      .toThrow(new Error(message('123456789012/eu-west-1', '123456789012/us-east-1')));
  });

  test('another stack of the same account and region, or environment-agnostic stacks, are fine', () => {
    const same = twoStacks(ENV);
    expect(() => same.clerk.addMethod(new apigw.RestApi(same.apiStack, 'Api').root, 'GET')).not.toThrow();
    const agnostic = twoStacks(undefined, undefined);
    expect(() => agnostic.clerk.addMethod(new apigw.RestApi(agnostic.apiStack, 'Api').root, 'GET')).not.toThrow();
  });
});

describe('jwksStaleIfError', () => {
  const env = (props: Partial<ClerkLambdaAuthorizerProps>) =>
    functionProps(construct(props).node.scope as Stack).Environment.Variables as Record<string, string>;

  test('defaults to one hour, written in JWKS mode', () => {
    expect(env({}).CLERK_JWKS_STALE_IF_ERROR_MS).toBe('3600000');
  });

  test.each<[Duration, string]>([
    [Duration.minutes(30), '1800000'],
    [Duration.seconds(0), '0'],
    [Duration.hours(24), '86400000'],
  ])('%s is written in milliseconds', (duration, ms) => {
    expect(env({ jwksStaleIfError: duration }).CLERK_JWKS_STALE_IF_ERROR_MS).toBe(ms);
  });

  test('not written in PEM mode', () => {
    expect(env({ publicKeyPem: testKeys().publicKeyPem })).not.toHaveProperty('CLERK_JWKS_STALE_IF_ERROR_MS');
  });

  test.each<[string, Duration, string]>([
    ['above 24 hours', Duration.hours(25), '1 day 1 hour'],
    ['a fraction of a second', Duration.millis(1500), '1 second 500 millis'],
  ])('fails if %s', (_name, duration, shown) => {
    expect(() => construct({ jwksStaleIfError: duration })).toThrow(
      new Error(`\`jwksStaleIfError\` must be a whole number of seconds from 0 seconds to 1 day, got: ${shown}`),
    );
  });

  test('fails together with publicKeyPem', () => {
    expect(() => construct({ publicKeyPem: testKeys().publicKeyPem, jwksStaleIfError: Duration.minutes(5) })).toThrow(
      new Error('`jwksStaleIfError` must not be set together with `publicKeyPem` (a PEM key means no key fetching), got: 5 minutes'),
    );
  });
});

describe('reservedConcurrentExecutions', () => {
  test('none by default', () => {
    expect(functionProps(construct().node.scope as Stack)).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  test('is passed to the function', () => {
    expect(functionProps(construct({ reservedConcurrentExecutions: 50 }).node.scope as Stack).ReservedConcurrentExecutions).toBe(50);
  });

  test.each([0, -1, 1.5])('fails if %s', (value) => {
    expect(() => construct({ reservedConcurrentExecutions: value })).toThrow(
      new Error(`\`reservedConcurrentExecutions\` must be a whole number of at least 1, got: ${value}`),
    );
  });
});
