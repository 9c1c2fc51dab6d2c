import { App, CfnParameter, Fn, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ClerkJwtAuthorizer, ClerkJwtAuthorizerProps } from '../src/clerk-jwt-authorizer';
import { CfnLintFinding, expectFindingsClean, lintTemplates } from './util/cfn-lint';
import { INVALID_ISSUER_ROWS } from './util/issuers';

const ISSUER = 'https://clerk.example.com';
const AUDIENCE = ['my-api'];
const ANY_BUT_OPTIONS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

function setup(props: Partial<ClerkJwtAuthorizerProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const api = new apigwv2.HttpApi(stack, 'Api');
  const integration = new HttpUrlIntegration('Backend', 'https://backend.example.com');
  const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE, ...props });
  return { app, stack, api, integration, clerk };
}

/** The logical id of the only resource of a type (fails the test if there is not exactly one). */
function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Route key → its properties, for every route of the template. */
function routesByKey(template: Template): Record<string, any> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r: any) => [r.Properties.RouteKey, r.Properties]),
  );
}

describe('ClerkJwtAuthorizer', () => {
  describe('defaults', () => {
    test('creates one JWT authorizer on the API with the issuer and audience', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', integration });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        ApiId: { Ref: stack.getLogicalId(api.node.defaultChild as apigwv2.CfnApi) },
        AuthorizerType: 'JWT',
        JwtConfiguration: { Issuer: ISSUER, Audience: AUDIENCE },
      });
    });

    test('authorizerName defaults to the construct id', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'Clerk' });
    });

    test('identitySource defaults to the Authorization header', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        IdentitySource: ['$request.header.Authorization'],
      });
    });

    test('methods default to ANY expanded without OPTIONS, each route behind the authorizer', () => {
      const { stack, api, integration, clerk } = setup();
      const routes = clerk.addRoutes(api, { path: '/items', integration });
      expect(routes).toHaveLength(6);
      const template = Template.fromStack(stack);
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Authorizer');
      const byKey = routesByKey(template);
      expect(Object.keys(byKey).sort()).toEqual(ANY_BUT_OPTIONS.map((m) => `${m} /items`).sort());
      for (const props of Object.values(byKey)) {
        expect(props).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      }
    });

    test('authorizationScopes default to none on the routes', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /items',
        AuthorizationScopes: Match.absent(),
      });
    });

    test('exposes issuer, audience and the JWT authorization type', () => {
      const { clerk } = setup();
      expect(clerk.issuer).toBe(ISSUER);
      expect(clerk.audience).toEqual(AUDIENCE);
      expect(clerk.authorizationType).toBe('JWT');
    });
  });

  describe('overrides', () => {
    test('authorizerName', () => {
      const { stack, api, integration, clerk } = setup({ authorizerName: 'clerk-sessions' });
      clerk.addRoutes(api, { path: '/items', integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'clerk-sessions' });
    });

    test.each([['$request.header.X-Clerk-Token'], ['$request.querystring.token']])('identitySource %s', (source) => {
      const { stack, api, integration, clerk } = setup({ identitySource: [source] });
      clerk.addRoutes(api, { path: '/items', integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { IdentitySource: [source] });
    });

    test('audience with several entries', () => {
      const { stack, api, integration, clerk } = setup({ audience: ['my-api', 'my-other-api'] });
      clerk.addRoutes(api, { path: '/items', integration });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        JwtConfiguration: { Issuer: ISSUER, Audience: ['my-api', 'my-other-api'] },
      });
    });

    test('methods: only the listed ones', () => {
      const { stack, api, integration, clerk } = setup();
      const routes = clerk.addRoutes(api, {
        path: '/items',
        methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
        integration,
      });
      expect(routes).toHaveLength(2);
      expect(Object.keys(routesByKey(Template.fromStack(stack))).sort()).toEqual(['GET /items', 'POST /items']);
    });

    test('methods: ANY next to an explicit method is expanded once, without duplicates', () => {
      const { stack, api, integration, clerk } = setup();
      const routes = clerk.addRoutes(api, {
        path: '/items',
        methods: [apigwv2.HttpMethod.DELETE, apigwv2.HttpMethod.ANY],
        integration,
      });
      expect(routes.map((r) => r.node.id)).toEqual(['DELETE--items', 'GET--items', 'POST--items', 'PUT--items', 'PATCH--items', 'HEAD--items']);
      Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::Route', 6);
    });

    test('authorizationScopes are put on every route', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', integration, authorizationScopes: ['items:read'] });
      const byKey = routesByKey(Template.fromStack(stack));
      for (const props of Object.values(byKey)) {
        expect(props.AuthorizationScopes).toEqual(['items:read']);
      }
    });
  });

  describe('validation', () => {
    test.each(INVALID_ISSUER_ROWS)('fails if issuer: %s', (_, issuer, message) => {
      expect(() => setup({ issuer })).toThrow(new Error(message));
    });

    test('fails if audience is empty', () => {
      expect(() => setup({ audience: [] })).toThrow(new Error('`audience` must list 1 to 50 values, got: []'));
    });

    test('fails if audience has 51 entries', () => {
      const audience = Array.from({ length: 51 }, (_, i) => `api-${i}`);
      expect(() => setup({ audience })).toThrow(new Error('`audience` must list 1 to 50 values, got: 51 values'));
    });

    test('fails if an audience entry is an empty string', () => {
      expect(() => setup({ audience: ['my-api', ''] })).toThrow(
        new Error('`audience` entries must be non-empty strings without surrounding spaces, got: ""'),
      );
    });

    test('fails if audience is missing (possible from other jsii languages)', () => {
      expect(() => setup({ audience: undefined as unknown as string[] })).toThrow(
        new Error('`audience` must list 1 to 50 values (API Gateway requires it), got: undefined'),
      );
    });

    const identityRule =
      '`identitySource` must be exactly one $request.header.<name> or $request.querystring.<name> selection (a JWT ' +
      'authorizer reads the token from one place), got: ';
    test.each([
      ['identitySource is empty', []],
      ['identitySource has two entries', ['$request.header.Authorization', '$request.header.X-Token']],
      ['identitySource is a cookie', ['$request.cookie.__session']],
      ['identitySource is a bare header name', ['Authorization']],
      ['identitySource is a REST API selection', ['method.request.header.Authorization']],
    ])('fails if %s', (_, identitySource) => {
      expect(() => setup({ identitySource })).toThrow(new Error(identityRule + JSON.stringify(identitySource)));
    });

    test.each([[''], [' clerk']])('fails if authorizerName is %j', (authorizerName) => {
      expect(() => setup({ authorizerName })).toThrow(
        new Error(`\`authorizerName\` must be a non-empty string without surrounding spaces, got: ${JSON.stringify(authorizerName)}`),
      );
    });

    test('fails if methods include OPTIONS', () => {
      const { api, integration, clerk } = setup();
      expect(() =>
        clerk.addRoutes(api, { path: '/items', methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.OPTIONS], integration }),
      ).toThrow(
        new Error(
          "`methods` must not include OPTIONS: a browser's CORS preflight carries no token, so the authorizer would " +
            'refuse it (API Gateway answers preflights itself when the HttpApi has corsPreflight), got: GET,OPTIONS',
        ),
      );
    });

    test('fails if methods is empty', () => {
      const { api, integration, clerk } = setup();
      expect(() => clerk.addRoutes(api, { path: '/items', methods: [], integration })).toThrow(
        new Error('`methods` must list at least one HTTP method, got: []'),
      );
    });

    test('fails if authorizationScopes has more than 10 entries', () => {
      const { api, integration, clerk } = setup();
      const authorizationScopes = Array.from({ length: 11 }, (_, i) => `scope-${i}`);
      expect(() => clerk.addRoutes(api, { path: '/items', integration, authorizationScopes })).toThrow(
        new Error('`authorizationScopes` must list 1 to 10 values, got: 11 values'),
      );
    });

    test('skips unresolved tokens: issuer from a CfnParameter, audience from Fn.split', () => {
      const app = new App();
      const stack = new Stack(app, 'Stack');
      const issuer = new CfnParameter(stack, 'ClerkIssuer');
      const audiences = new CfnParameter(stack, 'ClerkAudiences');
      const api = new apigwv2.HttpApi(stack, 'Api');
      const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', {
        issuer: issuer.valueAsString,
        audience: Fn.split(',', audiences.valueAsString),
      });
      clerk.addRoutes(api, { path: '/items', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        JwtConfiguration: {
          Issuer: { Ref: 'ClerkIssuer' },
          Audience: { 'Fn::Split': [',', { Ref: 'ClerkAudiences' }] },
        },
      });
    });
  });

  describe('several HttpApis', () => {
    test('each API gets its own authorizer, and each route is bound to its own API\'s authorizer', () => {
      const { stack, api, integration, clerk } = setup();
      const other = new apigwv2.HttpApi(stack, 'OtherApi');
      // An integration belongs to one API.
      const otherIntegration = new HttpUrlIntegration('OtherBackend', 'https://other.example.com');
      clerk.addRoutes(api, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration });
      clerk.addRoutes(other, { path: '/things', methods: [apigwv2.HttpMethod.GET], integration: otherIntegration });
      other.addRoutes({ path: '/direct', methods: [apigwv2.HttpMethod.POST], integration: otherIntegration, authorizer: clerk });

      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 2);
      const apiId = stack.getLogicalId(api.node.defaultChild as apigwv2.CfnApi);
      const otherId = stack.getLogicalId(other.node.defaultChild as apigwv2.CfnApi);
      const authorizerOf = (id: string) =>
        Object.entries(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: id } } })).map(
          ([logicalId]) => logicalId,
        );
      expect(authorizerOf(apiId)).toHaveLength(1);
      expect(authorizerOf(otherId)).toHaveLength(1);

      const byKey = routesByKey(template);
      expect(byKey['GET /items']).toMatchObject({ ApiId: { Ref: apiId }, AuthorizerId: { Ref: authorizerOf(apiId)[0] } });
      expect(byKey['GET /things']).toMatchObject({ ApiId: { Ref: otherId }, AuthorizerId: { Ref: authorizerOf(otherId)[0] } });
      expect(byKey['POST /direct']).toMatchObject({ ApiId: { Ref: otherId }, AuthorizerId: { Ref: authorizerOf(otherId)[0] } });
    });

    test('routes of the same API share one authorizer', () => {
      const { stack, api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/a', integration });
      clerk.addRoutes(api, { path: '/b', integration });
      api.addRoutes({ path: '/c', methods: [apigwv2.HttpMethod.GET], integration, authorizer: clerk });
      const template = Template.fromStack(stack);
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Authorizer');
      const routes = Object.values(routesByKey(template));
      expect(routes).toHaveLength(13);
      for (const props of routes) expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
    });

    test('the authorizer of an API is a child of this construct with an id derived from the API', () => {
      const { api, integration, clerk } = setup();
      clerk.addRoutes(api, { path: '/items', integration });
      const authorizer = clerk.authorizerForHttpApi(api);
      expect(authorizer.node.scope).toBe(clerk);
      expect(authorizer.node.id).toMatch(/^AuthorizerStackApi[0-9A-F]{8}$/);
      expect(clerk.authorizerForHttpApi(api)).toBe(authorizer);
    });

    test('the authorizer\'s logical id does not depend on the Stage the stack is deployed in', () => {
      const logicalIdIn = (stageName: string | undefined) => {
        const app = new App();
        const stack = new Stack(stageName === undefined ? app : new Stage(app, stageName), 'Stack');
        const api = new apigwv2.HttpApi(stack, 'Api');
        const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
        clerk.addRoutes(api, { path: '/items', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
        return onlyLogicalId(Template.fromStack(stack), 'AWS::ApiGatewayV2::Authorizer');
      };
      const unstaged = logicalIdIn(undefined);
      expect(logicalIdIn('Dev')).toBe(unstaged);
      expect(logicalIdIn('Prod')).toBe(unstaged);
    });

    test('an imported HttpApi gets its routes and its authorizer', () => {
      const { stack, integration, clerk } = setup();
      const imported = apigwv2.HttpApi.fromHttpApiAttributes(stack, 'Imported', { httpApiId: 'abc123' });
      const routes = clerk.addRoutes(imported, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration });
      expect(routes[0].node.scope).toBe(imported);
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { ApiId: 'abc123', AuthorizerType: 'JWT' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        ApiId: 'abc123',
        RouteKey: 'GET /items',
        AuthorizerId: { Ref: onlyLogicalId(template, 'AWS::ApiGatewayV2::Authorizer') },
      });
    });

    test('an API in another stack gets its authorizer in its own stack, without a cyclic reference', () => {
      const app = new App();
      const authStack = new Stack(app, 'Auth');
      const apiStack = new Stack(app, 'Service');
      const clerk = new ClerkJwtAuthorizer(authStack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
      const api = new apigwv2.HttpApi(apiStack, 'Api');
      clerk.addRoutes(api, { path: '/items', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });

      expect(() => app.synth()).not.toThrow();
      Template.fromStack(authStack).resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
      const template = Template.fromStack(apiStack);
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Authorizer');
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /items', AuthorizerId: { Ref: authorizerId } });
      expect(clerk.authorizerForHttpApi(api).node.scope).toBe(api);
    });
  });

  describe('CORS preflight never reaches the authorizer', () => {
    test.each([
      ['with corsPreflight', { corsPreflight: { allowOrigins: ['https://app.example.com'], allowHeaders: ['authorization'] } }],
      ['without corsPreflight', {}],
    ])('%s: no OPTIONS or ANY route, on plain and {proxy+} paths', (_, apiProps: apigwv2.HttpApiProps) => {
      const app = new App();
      const stack = new Stack(app, 'Stack');
      const api = new apigwv2.HttpApi(stack, 'Api', apiProps);
      const integration = new HttpUrlIntegration('Backend', 'https://backend.example.com');
      const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
      clerk.addRoutes(api, { path: '/items', integration });
      clerk.addRoutes(api, { path: '/items/{proxy+}', integration });

      const keys = Object.keys(routesByKey(Template.fromStack(stack)));
      expect(keys.sort()).toEqual(
        [...ANY_BUT_OPTIONS.map((m) => `${m} /items`), ...ANY_BUT_OPTIONS.map((m) => `${m} /items/{proxy+}`)].sort(),
      );
      // With no OPTIONS route (and no $default), API Gateway's CORS handling answers every preflight itself.
      expect(keys.filter((k) => /^(OPTIONS|ANY) /.test(k) || k === '$default')).toEqual([]);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('the API keeps its CORS configuration', () => {
      const app = new App();
      const stack = new Stack(app, 'Stack');
      const api = new apigwv2.HttpApi(stack, 'Api', {
        corsPreflight: { allowOrigins: ['https://app.example.com'], allowHeaders: ['authorization'] },
      });
      const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
      clerk.addRoutes(api, { path: '/{proxy+}', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: { AllowOrigins: ['https://app.example.com'], AllowHeaders: ['authorization'] },
      });
    });
  });

  describe('direct use as an IHttpRouteAuthorizer', () => {
    test('httpApi.addRoutes binds routes to the API\'s authorizer', () => {
      const { stack, api, integration, clerk } = setup();
      api.addRoutes({ path: '/items', methods: [apigwv2.HttpMethod.GET], integration, authorizer: clerk });
      const template = Template.fromStack(stack);
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Authorizer');
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /items',
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('addRoutes gives a route the same logical id httpApi.addRoutes does', () => {
      const viaApi = setup();
      viaApi.api.addRoutes({ path: '/items', methods: [apigwv2.HttpMethod.GET], integration: viaApi.integration, authorizer: viaApi.clerk });
      const viaClerk = setup();
      viaClerk.clerk.addRoutes(viaClerk.api, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration: viaClerk.integration });
      expect(onlyLogicalId(Template.fromStack(viaClerk.stack), 'AWS::ApiGatewayV2::Route')).toEqual(
        onlyLogicalId(Template.fromStack(viaApi.stack), 'AWS::ApiGatewayV2::Route'),
      );
    });

    test.each([
      ['ANY /items', (api: apigwv2.HttpApi, integration: apigwv2.HttpRouteIntegration, clerk: ClerkJwtAuthorizer) =>
        api.addRoutes({ path: '/items', integration, authorizer: clerk })],
      ['OPTIONS /items', (api: apigwv2.HttpApi, integration: apigwv2.HttpRouteIntegration, clerk: ClerkJwtAuthorizer) =>
        api.addRoutes({ path: '/items', methods: [apigwv2.HttpMethod.OPTIONS], integration, authorizer: clerk })],
    ])('warns when a route bound directly lets OPTIONS through the authorizer: %s', (routeKey, addRoute) => {
      const { stack, api, integration, clerk } = setup();
      addRoute(api, integration, clerk);
      Annotations.fromStack(stack).hasWarning(
        '*',
        Match.stringLikeRegexp(`^Route "${routeKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" sends OPTIONS requests through the Clerk JWT authorizer`),
      );
    });

    test('warns when the $default route is protected through defaultAuthorizer', () => {
      const app = new App();
      const stack = new Stack(app, 'Stack');
      const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
      new apigwv2.HttpApi(stack, 'Api', {
        defaultAuthorizer: clerk,
        defaultIntegration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
      });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('^Route "\\$default" sends OPTIONS requests'));
    });
  });
});

/** The stacks this file lints, all in one cfn-lint run (one process costs 2-3 s, whatever the number of templates). */
describe('cfn-lint', () => {
  const real = new Stack(new App(), 'Stack');
  const old = new Stack(new App(), 'Stack');
  const unused = new Stack(new App(), 'Stack');
  let findings: Map<Stack, CfnLintFinding[]>;

  beforeAll(() => {
    const backend = new lambda.Function(real, 'Backend', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => ({ statusCode: 200, body: e.requestContext.authorizer.jwt.claims.sub });'),
    });
    const integration = new HttpLambdaIntegration('Backend', backend);
    const api = new apigwv2.HttpApi(real, 'Api', { corsPreflight: { allowOrigins: ['https://app.example.com'] } });
    const other = new apigwv2.HttpApi(real, 'OtherApi');
    const clerk = new ClerkJwtAuthorizer(real, 'Clerk', { issuer: ISSUER, audience: AUDIENCE });
    clerk.addRoutes(api, { path: '/items', integration });
    clerk.addRoutes(api, { path: '/items/{proxy+}', integration, authorizationScopes: ['items:write'] });
    clerk.addRoutes(other, { path: '/things', methods: [apigwv2.HttpMethod.GET], integration: new HttpLambdaIntegration('OtherBackend', backend) });

    new lambda.CfnFunction(old, 'Old', {
      runtime: 'nodejs12.x',
      handler: 'index.handler',
      role: 'arn:aws:iam::123456789012:role/example',
      code: { zipFile: 'exports.handler = async () => 1;' },
    });

    new CfnParameter(unused, 'Unused');
    new lambda.Function(unused, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });

    findings = lintTemplates([real, old, unused]);
  });

  test('the synthesized template passes cfn-lint', () => {
    expectFindingsClean(real, findings.get(real)!);
  });

  test('expectFindingsClean fails on an error-level finding', () => {
    expect(() => expectFindingsClean(old, findings.get(old)!)).toThrow(/E2533 \[Error\] Resources\/Old\/Properties\/Runtime/);
  });

  test('expectFindingsClean fails on a warning unless the test waives that rule; never on aws-cdk-lib\'s own W3005', () => {
    expect(() => expectFindingsClean(unused, findings.get(unused)!)).toThrow(
      new Error('cfn-lint found 1 problem(s) in the template of stack Stack:\n  W2001 [Warning] Parameters/Unused: Parameter Unused not used.'),
    );
    // W2001 is waived here on purpose: the unused parameter is the finding under test.
    expect(() => expectFindingsClean(unused, findings.get(unused)!, { ignoreRules: ['W2001'] })).not.toThrow();
  });
});
