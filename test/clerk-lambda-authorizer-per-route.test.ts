/**
 * Per-route rules, construct side: what the template gets (one authorizer per API, a route table in a layer, the
 * API ids in the environment, IAM answers on HTTP APIs that need them), the synth warnings, the refusals, and the
 * synthesized function answering one token 200 on one route and 403 on another.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { expectCfnLintClean } from './util/cfn-lint';
import { bearer, fixTime, invoke, loadHandler } from './util/handler';
import { evaluatePolicy } from './util/iam-policy';
import { clerkV2Payload, sessionHeader, signJwt, testKeys } from './util/tokens';

const ISSUER = 'https://clerk.example.com';
const ENV = { account: '123456789012', region: 'us-east-1' };
const ADMIN = ClaimPredicate.orgRole('org:admin');
const READER = ClaimPredicate.orgPermission('org:invoices:read');

function newApp(): App {
  return new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
}

/** A construct (default rule: READER) and, on demand, a REST API with /invoices and an HTTP API. */
function setup(props: Partial<ClerkLambdaAuthorizerProps> = {}) {
  const app = newApp();
  const stack = new Stack(app, 'Stack', { env: ENV });
  const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, publicKeyPem: testKeys().publicKeyPem, predicate: READER, ...props });
  let restApi: apigw.RestApi | undefined;
  let httpApi: apigwv2.HttpApi | undefined;
  return {
    app,
    stack,
    clerk,
    get restApi() {
      return (restApi ??= new apigw.RestApi(stack, 'RestApi'));
    },
    get invoices() {
      return this.restApi.root.getResource('invoices') ?? this.restApi.root.addResource('invoices');
    },
    integration: new apigw.MockIntegration(),
    get httpApi() {
      return (httpApi ??= new apigwv2.HttpApi(stack, 'HttpApi'));
    },
    httpIntegration: new HttpUrlIntegration('Backend', 'https://backend.example.com'),
  };
}

/** The route table the layer carries, read from the synthesized cloud assembly. */
function routeTable(app: App, stack: Stack): any {
  const assembly = app.synth();
  const layer = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::LayerVersion'))[0] as any;
  const dir = path.join(assembly.directory, layer.Metadata['aws:asset:path']);
  return JSON.parse(fs.readFileSync(path.join(dir, 'clerk-routes.json'), 'utf8'));
}

function functionOf(template: Template): any {
  return Object.values(template.findResources('AWS::Lambda::Function'))[0];
}

describe('without per-route rules', () => {
  test('the template has no route table and HTTP APIs keep simple responses', () => {
    const { stack, clerk, invoices, integration, httpApi, httpIntegration } = setup();
    clerk.addMethod(invoices, 'GET', integration);
    clerk.addRoutes(httpApi, { path: '/invoices', methods: [apigwv2.HttpMethod.GET], integration: httpIntegration });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    const env = functionOf(template).Properties.Environment.Variables;
    expect(Object.keys(env)).not.toContain('CLERK_ROUTES_FILE');
    expect(Object.keys(env)).not.toContain('CLERK_ROUTE_APIS');
    expect(functionOf(template).Properties.Layers).toBeUndefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { EnableSimpleResponses: true });
  });
});

describe('REST API', () => {
  test('one authorizer, one function, a route table in a layer keyed by the API id', () => {
    const { app, stack, clerk, restApi, invoices, integration } = setup();
    clerk.addMethod(invoices, 'GET', integration);
    clerk.addMethod(invoices, 'DELETE', integration, { predicate: ADMIN });
    clerk.addMethod(restApi.root.addResource('me'), 'GET', integration, { predicate: ClaimPredicate.signedIn() });
    // Attached by hand: the construct's own rule.
    restApi.root.addResource('reports').addMethod('GET', integration, { authorizer: clerk.authorizerForRestApi(restApi) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const layerId = Object.keys(template.findResources('AWS::Lambda::LayerVersion'))[0];
    const fn = functionOf(template).Properties;
    expect(fn.Layers).toEqual([{ Ref: layerId }]);
    expect(fn.Environment.Variables.CLERK_ROUTES_FILE).toBe('/opt/clerk-routes.json');
    expect(fn.Environment.Variables.CLERK_ROUTE_APIS).toEqual({ Ref: stack.getLogicalId(restApi.node.defaultChild as apigw.CfnRestApi) });
    expect(routeTable(app, stack)).toEqual({
      v: 1,
      rules: [JSON.parse(READER.toJson()), JSON.parse(ADMIN.toJson())],
      // GET /me is open to any token, so the other GETs cannot be merged into GET/*.
      // `d`: the construct's own rule, for any route outside the table; the whole stage only when it passes too.
      apis: [{ d: 0, groups: [{ r: -1, c: ['GET/me*'] }, { r: 0, c: ['GET/invoices*', 'GET/reports*'] }, { r: 1, c: ['DELETE/*'] }] }],
    });
    expectCfnLintClean(stack);
  });

  test('the synthesized function gives one token 200 on one method and 403 on another (one answer)', async () => {
    const { app, stack, clerk, invoices, integration } = setup();
    clerk.addMethod(invoices, 'GET', integration);
    clerk.addMethod(invoices, 'DELETE', integration, { predicate: ADMIN });
    const table = routeTable(app, stack);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'per-route-'));
    fs.writeFileSync(path.join(dir, 'clerk-routes.json'), JSON.stringify(table));
    const env = functionOf(Template.fromStack(stack)).Properties.Environment.Variables;
    const handler = loadHandler({ ...env, CLERK_ROUTES_FILE: path.join(dir, 'clerk-routes.json'), CLERK_ROUTE_APIS: 'abcdef1234' });
    fixTime();
    const reader = signJwt(sessionHeader(), clerkV2Payload({ fea: 'o:invoices', o: { id: 'org_1', slg: 'acme', rol: 'member', per: 'read', fpm: '1' } }), testKeys().privateKey);
    const arn = (m: string) => `arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/${m}/invoices`;
    const out = await invoke(handler, { type: 'TOKEN', authorizationToken: bearer(reader), methodArn: arn('GET') });
    const policy = (out.result as any).policyDocument;
    expect(evaluatePolicy(policy, arn('GET'))).toBe('allow');
    expect(evaluatePolicy(policy, arn('DELETE'))).toBe('deny');
    jest.restoreAllMocks();
  });

  test('the same API reached through an imported copy is one table', () => {
    const { app, stack, clerk, restApi, invoices, integration } = setup();
    clerk.addMethod(invoices, 'GET', integration);
    const copy = apigw.RestApi.fromRestApiAttributes(stack, 'Copy', { restApiId: restApi.restApiId, rootResourceId: restApi.restApiRootResourceId });
    clerk.addMethod(copy.root.addResource('admin'), 'DELETE', integration, { predicate: ADMIN });
    const env = functionOf(Template.fromStack(stack)).Properties.Environment.Variables;
    expect(env.CLERK_ROUTE_APIS).toEqual({ Ref: stack.getLogicalId(restApi.node.defaultChild as apigw.CfnRestApi) });
    expect(routeTable(app, stack).apis).toEqual([{ d: 0, groups: [{ r: 0, c: ['GET/*'] }, { r: 1, c: ['DELETE/*'] }] }]);
  });

  test('fails if a route with its own rule is on an API of another stack', () => {
    const app = newApp();
    const authStack = new Stack(app, 'Auth', { env: ENV });
    const apiStack = new Stack(app, 'Api', { env: ENV });
    const clerk = new ClerkLambdaAuthorizer(authStack, 'Clerk', { issuer: ISSUER });
    const api = new apigw.RestApi(apiStack, 'RestApi');
    expect(() => clerk.addMethod(api.root.addResource('x'), 'GET', new apigw.MockIntegration(), { predicate: ADMIN })).toThrow(
      new Error(
        '`predicate` on a route needs the API in the stack of the ClerkLambdaAuthorizer (the function must know the ' +
          "API's id, and the authorizer in the API's stack already depends on the function), got: Api/RestApi",
      ),
    );
  });

  test('routes that overlap with different rules get one warning per pair, acknowledgeable', () => {
    const { stack, clerk, invoices, integration } = setup();
    const one = invoices.addResource('{id}');
    clerk.addMethod(one, 'GET', integration);
    clerk.addMethod(one.addResource('audit'), 'GET', integration, { predicate: ADMIN });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('overlap'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      'Routes "GET /invoices/{id}" and "GET /invoices/{id}/audit" have different Clerk rules and overlap: in the ' +
        "authorizer's policy a path parameter is *, which also matches /, so a token that passes one rule but not the " +
        'other is denied on both (never allowed). Give them the same rule, or move one of them to a path the other ' +
        'cannot reach. [ack: cdk-clerk-authorizers:perRouteRulesOverlap]',
    ]);
  });
});

describe('HTTP API', () => {
  test('IAM answers on the API with a per-route rule, simple responses kept on another', () => {
    const { stack, clerk, httpApi, httpIntegration } = setup();
    const other = new apigwv2.HttpApi(stack, 'Other');
    clerk.addRoutes(httpApi, { path: '/invoices', methods: [apigwv2.HttpMethod.GET], integration: httpIntegration });
    clerk.addRoutes(httpApi, { path: '/invoices', methods: [apigwv2.HttpMethod.DELETE], integration: httpIntegration, predicate: ADMIN });
    clerk.addRoutes(other, { path: '/x', methods: [apigwv2.HttpMethod.GET], integration: new HttpUrlIntegration('O', 'https://backend.example.com') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 2);
    const byApi = (api: apigwv2.HttpApi) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: stack.getLogicalId(api.node.defaultChild as apigwv2.CfnApi) } } }))[0] as any;
    expect(byApi(httpApi).Properties).toMatchObject({ AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: false });
    expect(byApi(other).Properties).toMatchObject({ AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true });
    const apiRef = { Ref: stack.getLogicalId(httpApi.node.defaultChild as apigwv2.CfnApi) };
    expect(functionOf(template).Properties.Environment.Variables.CLERK_ROUTE_APIS).toEqual(apiRef);
    expectCfnLintClean(stack);
  });

  test('routes added with httpApi.addRoutes({ authorizer }) follow the construct\'s rule', () => {
    const { app, stack, clerk, httpApi, httpIntegration } = setup();
    clerk.addRoutes(httpApi, { path: '/invoices', methods: [apigwv2.HttpMethod.DELETE], integration: httpIntegration, predicate: ADMIN });
    httpApi.addRoutes({ path: '/reports', methods: [apigwv2.HttpMethod.GET], integration: httpIntegration, authorizer: clerk });
    expect(routeTable(app, stack).apis).toEqual([{ iam: true, d: 1, groups: [{ r: 0, c: ['DELETE/*'] }, { r: 1, c: ['GET/*'] }] }]);
    expect(routeTable(app, stack).rules).toEqual([JSON.parse(ADMIN.toJson()), JSON.parse(READER.toJson())]);
  });

  test('REST and HTTP APIs in one table, in the order of CLERK_ROUTE_APIS', () => {
    const { app, stack, clerk, invoices, integration, httpApi, httpIntegration, restApi } = setup();
    clerk.addMethod(invoices, 'DELETE', integration, { predicate: ADMIN });
    clerk.addRoutes(httpApi, { path: '/me', methods: [apigwv2.HttpMethod.GET], integration: httpIntegration, predicate: ClaimPredicate.signedIn() });
    const env = functionOf(Template.fromStack(stack)).Properties.Environment.Variables;
    expect(env.CLERK_ROUTE_APIS).toEqual({
      'Fn::Join': [',', [{ Ref: stack.getLogicalId(restApi.node.defaultChild as apigw.CfnRestApi) }, { Ref: stack.getLogicalId(httpApi.node.defaultChild as apigwv2.CfnApi) }]],
    });
    const table = routeTable(app, stack);
    // Rules are numbered as routes use them; the default rule (READER), used by no route here, comes last.
    expect(table.rules).toEqual([JSON.parse(ADMIN.toJson()), JSON.parse(READER.toJson())]);
    expect(table.apis).toEqual([{ d: 1, groups: [{ r: 0, c: ['DELETE/*'] }] }, { iam: true, d: 1, groups: [{ r: -1, c: ['GET/*'] }] }]);
  });
});

describe('300 routes (API Gateway\'s maximum)', () => {
  test('the table goes in the layer; the environment stays far from 4 KB; no size warning for rules shared by method', () => {
    const { app, stack, clerk, httpApi, httpIntegration } = setup();
    for (let i = 0; i < 100; i++) {
      const p = `/resource-${i}/{id}`;
      clerk.addRoutes(httpApi, { path: p, methods: [apigwv2.HttpMethod.GET], integration: httpIntegration });
      clerk.addRoutes(httpApi, { path: p, methods: [apigwv2.HttpMethod.PUT], integration: httpIntegration, predicate: ClaimPredicate.orgPermission('org:invoices:write') });
      clerk.addRoutes(httpApi, { path: p, methods: [apigwv2.HttpMethod.DELETE], integration: httpIntegration, predicate: ADMIN });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 300);
    const env = functionOf(template).Properties.Environment.Variables;
    const envBytes = Object.entries(env).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 20), 0);
    expect(envBytes).toBeLessThan(1200);
    const table = routeTable(app, stack);
    expect(table.apis[0].groups).toEqual([
      { r: 0, c: ['GET/*'] },
      { r: 1, c: ['PUT/*'] },
      { r: 2, c: ['DELETE/*'] },
    ]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('8192-byte'))).toEqual([]);
  });

  test('a table whose answers can exceed 8 KB is warned about', () => {
    const { stack, clerk, httpApi, httpIntegration } = setup();
    for (let i = 0; i < 300; i++) {
      clerk.addRoutes(httpApi, {
        path: `/resource-${i}`,
        methods: [apigwv2.HttpMethod.GET],
        integration: httpIntegration,
        predicate: i % 2 === 0 ? ADMIN : ClaimPredicate.claimEquals('metadata.n', i),
      });
    }
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('8192-byte'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/\[ack: cdk-clerk-authorizers:perRouteAnswerSize\]$/);
  });
});

test('ClaimPredicate.signedIn() renders the signedIn operator', () => {
  expect(ClaimPredicate.signedIn().toJson()).toBe('{"op":"signedIn"}');
  expect(ClaimPredicate.anyOf(ClaimPredicate.signedIn(), ADMIN).toJson()).toBe('{"op":"anyOf","of":[{"op":"signedIn"},{"op":"orgRole","roles":["org:admin"]}]}');
});
