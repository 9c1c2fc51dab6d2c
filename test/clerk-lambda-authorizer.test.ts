import { generateKeyPairSync } from 'node:crypto';
import { App, CfnParameter, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { expectCfnLintClean } from './util/cfn-lint';
import { bearer } from './util/handler';
import { makeKeys, signJwt, clerkV2Payload, sessionHeader, testKeys, validToken } from './util/tokens';

const ISSUER = 'https://clerk.example.com';
const ENV = { account: '123456789012', region: 'us-east-1' };
const ANY_BUT_OPTIONS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

/** A real self-signed certificate (EC P-256, CN=clerk-test): what a user might paste instead of the public key. */
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBgDCCASWgAwIBAgIURBrH6iBypo7V3V8pBa+9nPtgyKowCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKY2xlcmstdGVzdDAeFw0yNjExMjgxNjQ1MjNaFw0zNjExMjUx
NjQ1MjNaMBUxEzARBgNVBAMMCmNsZXJrLXRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATWZB7p/J1oUgvVyzEUVABxqHXshHrkkoVbl7JwKYNdcdAEzMDSNQQ5
A6FurbpZhnU799p3X7s9avutAg0EeT7ao1MwUTAdBgNVHQ4EFgQUqLGUPRmnptJ+
F383OAPO4FCV7ZUwHwYDVR0jBBgwFoAUqLGUPRmnptJ+F383OAPO4FCV7ZUwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAzkNRLHE9W5rhFq5n6p1m
rXhjbFs2b1f3RIv50amzR+kCIQC0YQvQOK7JU12+M/lsItuuzqUWhywCtLvPyTEz
YXiBSw==
-----END CERTIFICATE-----
`;

function newStack(id = 'Stack'): Stack {
  return new Stack(new App(), id, { env: ENV });
}

/** A construct in a fresh stack, attached to one REST API (GET /items) and one HTTP API (GET /items). */
function setup(props: Partial<ClerkLambdaAuthorizerProps> = {}) {
  const stack = newStack();
  const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, ...props });
  const restApi = new apigw.RestApi(stack, 'RestApi');
  clerk.addMethod(restApi.root.addResource('items'), 'GET', new apigw.MockIntegration());
  const httpApi = new apigwv2.HttpApi(stack, 'HttpApi');
  const integration = new HttpUrlIntegration('Backend', 'https://backend.example.com');
  clerk.addRoutes(httpApi, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration });
  return { stack, clerk, restApi, httpApi, integration };
}

function construct(props: Partial<ClerkLambdaAuthorizerProps> = {}): ClerkLambdaAuthorizer {
  return new ClerkLambdaAuthorizer(newStack(), 'Clerk', { issuer: ISSUER, ...props });
}

/** The error `fn` throws (fails the test if it throws none). */
function catchError(fn: () => unknown): Error & { constructPath?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { constructPath?: string };
  }
  throw new Error('expected an error');
}

/** The properties of the only resource of a type (fails the test if there is not exactly one). */
function only(template: Template, type: string): { id: string; resource: any } {
  const resources = template.findResources(type);
  const ids = Object.keys(resources);
  expect(ids).toHaveLength(1);
  return { id: ids[0], resource: resources[ids[0]] };
}

/** The environment variables of the authorizer function. */
function environmentOf(stack: Stack): Record<string, string> {
  return only(Template.fromStack(stack), 'AWS::Lambda::Function').resource.Properties.Environment.Variables;
}

function logicalId(stack: Stack, c: IConstruct): string {
  return stack.getLogicalId(c.node.defaultChild as any);
}

function pem(bits = 2048): string {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

describe('ClerkLambdaAuthorizer', () => {
  describe('the function', () => {
    test('is the prebundled handler on nodejs24.x (no bundling at synth)', () => {
      const { stack } = setup();
      const fn = only(Template.fromStack(stack), 'AWS::Lambda::Function').resource;
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Timeout).toBe(5);
      // The code is an S3 asset (the committed bundle directory; the e2e test runs it from the cloud assembly).
      expect(fn.Properties.Code).toEqual({ S3Bucket: expect.any(String), S3Key: expect.stringMatching(/^[0-9a-f]{64}\.zip$/) });
    });

    test('architecture defaults to arm64', () => {
      const { stack } = setup();
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'] });
    });

    test('architecture can be x86_64', () => {
      const { stack } = setup({ architecture: lambda.Architecture.X86_64 });
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
    });

    test('memorySize defaults to 256', () => {
      const { stack } = setup();
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 256 });
    });

    test('memorySize can be set', () => {
      const { stack } = setup({ memorySize: 512 });
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512 });
    });

    test('is exposed as `function`', () => {
      const { stack, clerk } = setup();
      expect(logicalId(stack, clerk.function)).toBe(only(Template.fromStack(stack), 'AWS::Lambda::Function').id);
    });

    test('its role has no managed policy and may only write to its own log group', () => {
      const clerk = construct();
      const stack = clerk.node.scope as Stack;
      const template = Template.fromStack(stack);
      const role = only(template, 'AWS::IAM::Role').resource;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      const policy = only(template, 'AWS::IAM::Policy').resource;
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logicalId(stack, clerk.logGroup), 'Arn'] },
        },
      ]);
    });
  });

  describe('the log group', () => {
    test('logGroup defaults to a log group of the construct, used by the function', () => {
      const { stack, clerk } = setup();
      const template = Template.fromStack(stack);
      const { id } = only(template, 'AWS::Logs::LogGroup');
      expect(logicalId(stack, clerk.logGroup)).toBe(id);
      template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: id } } });
    });

    test('logRetention defaults to one month, and the log group is retained', () => {
      const { stack } = setup();
      Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('logRetention can be set', () => {
      const { stack } = setup({ logRetention: logs.RetentionDays.ONE_YEAR });
      Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    });

    test('logGroup can be given; none is created then, and the role may write to the given one', () => {
      const stack = newStack();
      const own = new logs.LogGroup(stack, 'Mine', { retention: logs.RetentionDays.ONE_WEEK });
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, logGroup: own });
      const template = Template.fromStack(stack);
      expect(only(template, 'AWS::Logs::LogGroup').id).toBe(logicalId(stack, own));
      expect(clerk.logGroup).toBe(own);
      template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logicalId(stack, own) } } });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [Match.objectLike({ Resource: { 'Fn::GetAtt': [logicalId(stack, own), 'Arn'] } })] },
      });
    });
  });

  describe('the handler environment', () => {
    test('issuer becomes CLERK_ISSUER', () => {
      expect(environmentOf(construct().node.scope as Stack).CLERK_ISSUER).toBe(ISSUER);
    });

    test('publicKeyPem defaults to JWKS mode: CLERK_JWKS_URI is the issuer JWKS, no PEM', () => {
      const env = environmentOf(construct().node.scope as Stack);
      expect(env.CLERK_JWKS_URI).toBe('https://clerk.example.com/.well-known/jwks.json');
      expect(env).not.toHaveProperty('CLERK_PUBLIC_KEY_PEM');
    });

    test('publicKeyPem becomes CLERK_PUBLIC_KEY_PEM (canonical SPKI) and no JWKS URI is written', () => {
      const keys = testKeys();
      const env = environmentOf(construct({ publicKeyPem: keys.publicKeyPem }).node.scope as Stack);
      expect(env.CLERK_PUBLIC_KEY_PEM).toBe(keys.publicKeyPem);
      expect(env).not.toHaveProperty('CLERK_JWKS_URI');
    });

    test('publicKeyPem is normalized: CRLF, indentation and surrounding space are harmless', () => {
      const keys = testKeys();
      const messy = `\n  ${keys.publicKeyPem.trim().split('\n').join('\r\n    ')}\r\n  `;
      const env = environmentOf(construct({ publicKeyPem: messy }).node.scope as Stack);
      expect(env.CLERK_PUBLIC_KEY_PEM).toBe(keys.publicKeyPem);
    });

    test('publicKeyPem in PKCS#1 form (BEGIN RSA PUBLIC KEY) is converted to SPKI', () => {
      const keys = testKeys();
      const pkcs1 = keys.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      expect(pkcs1).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/);
      const env = environmentOf(construct({ publicKeyPem: pkcs1 }).node.scope as Stack);
      expect(env.CLERK_PUBLIC_KEY_PEM).toBe(keys.publicKeyPem);
    });

    test('jwksUri can be set (https)', () => {
      const env = environmentOf(construct({ jwksUri: 'https://keys.example.com/jwks.json' }).node.scope as Stack);
      expect(env.CLERK_JWKS_URI).toBe('https://keys.example.com/jwks.json');
    });

    test.each(['http://127.0.0.1:8080/jwks.json', 'http://localhost:3000/jwks', 'http://[::1]:9000/jwks'])(
      'jwksUri may be plain http on a loopback host: %s',
      (uri) => {
        expect(environmentOf(construct({ jwksUri: uri }).node.scope as Stack).CLERK_JWKS_URI).toBe(uri);
      },
    );

    test('audience defaults to no aud check (no CLERK_AUDIENCE)', () => {
      expect(environmentOf(construct().node.scope as Stack)).not.toHaveProperty('CLERK_AUDIENCE');
    });

    test('audience becomes a JSON array in CLERK_AUDIENCE', () => {
      const env = environmentOf(construct({ audience: ['api-a', 'api-b'] }).node.scope as Stack);
      expect(env.CLERK_AUDIENCE).toBe('["api-a","api-b"]');
    });

    test('authorizedParties defaults to no azp check (no CLERK_AUTHORIZED_PARTIES)', () => {
      expect(environmentOf(construct().node.scope as Stack)).not.toHaveProperty('CLERK_AUTHORIZED_PARTIES');
    });

    test('authorizedParties becomes a JSON array in CLERK_AUTHORIZED_PARTIES', () => {
      const env = environmentOf(construct({ authorizedParties: ['https://app.example.com'] }).node.scope as Stack);
      expect(env.CLERK_AUTHORIZED_PARTIES).toBe('["https://app.example.com"]');
    });

    test('predicate defaults to none (no CLERK_PREDICATE)', () => {
      expect(environmentOf(construct().node.scope as Stack)).not.toHaveProperty('CLERK_PREDICATE');
    });

    test('predicate becomes its wire format in CLERK_PREDICATE', () => {
      const predicate = ClaimPredicate.anyOf(ClaimPredicate.role('admin'), ClaimPredicate.orgPermission('org:invoices:read'));
      const env = environmentOf(construct({ predicate }).node.scope as Stack);
      expect(env.CLERK_PREDICATE).toBe(predicate.toJson());
      expect(JSON.parse(env.CLERK_PREDICATE)).toEqual(JSON.parse(predicate.toJson()));
    });

    test('clockSkew defaults to 5 seconds', () => {
      expect(environmentOf(construct().node.scope as Stack).CLERK_CLOCK_SKEW_SECONDS).toBe('5');
    });

    test.each([
      [Duration.seconds(0), '0'],
      [Duration.minutes(5), '300'],
    ])('clockSkew can be set: %s', (clockSkew, rendered) => {
      expect(environmentOf(construct({ clockSkew }).node.scope as Stack).CLERK_CLOCK_SKEW_SECONDS).toBe(rendered);
    });

    test('allowPendingSessions defaults to false', () => {
      expect(environmentOf(construct().node.scope as Stack).CLERK_ALLOW_PENDING_SESSIONS).toBe('false');
    });

    test('allowPendingSessions can be true', () => {
      const env = environmentOf(construct({ allowPendingSessions: true }).node.scope as Stack);
      expect(env.CLERK_ALLOW_PENDING_SESSIONS).toBe('true');
    });

    test('sessionCookie defaults to false', () => {
      expect(environmentOf(construct().node.scope as Stack).CLERK_SESSION_COOKIE).toBe('false');
    });

    test('sessionCookie can be true', () => {
      expect(environmentOf(construct({ sessionCookie: true }).node.scope as Stack).CLERK_SESSION_COOKIE).toBe('true');
    });

    test('logAllowedRequests defaults to false', () => {
      expect(environmentOf(construct().node.scope as Stack).CLERK_LOG_ALLOWED).toBe('false');
    });

    test('logAllowedRequests can be true', () => {
      expect(environmentOf(construct({ logAllowedRequests: true }).node.scope as Stack).CLERK_LOG_ALLOWED).toBe('true');
    });

    test('writes every configured variable, and nothing else', () => {
      const keys = testKeys();
      const predicate = ClaimPredicate.role('admin');
      const env = environmentOf(
        construct({
          publicKeyPem: keys.publicKeyPem,
          audience: ['my-api'],
          authorizedParties: ['https://app.example.com'],
          predicate,
          clockSkew: Duration.seconds(10),
          allowPendingSessions: true,
          sessionCookie: true,
          logAllowedRequests: true,
        }).node.scope as Stack,
      );
      expect(env).toEqual({
        CLERK_ISSUER: ISSUER,
        CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem,
        CLERK_AUDIENCE: '["my-api"]',
        CLERK_AUTHORIZED_PARTIES: '["https://app.example.com"]',
        CLERK_PREDICATE: predicate.toJson(),
        CLERK_CLOCK_SKEW_SECONDS: '10',
        CLERK_ALLOW_PENDING_SESSIONS: 'true',
        CLERK_SESSION_COOKIE: 'true',
        CLERK_LOG_ALLOWED: 'true',
        CLERK_ACCEPTS_TOKEN: '["session_token"]',
      });
    });

    test('by default writes the issuer, its JWKS URI, the stale-if-error bound, the four switches and the accepted token types', () => {
      expect(environmentOf(construct().node.scope as Stack)).toEqual({
        CLERK_ISSUER: ISSUER,
        CLERK_JWKS_URI: 'https://clerk.example.com/.well-known/jwks.json',
        CLERK_JWKS_STALE_IF_ERROR_MS: '3600000',
        CLERK_CLOCK_SKEW_SECONDS: '5',
        CLERK_ALLOW_PENDING_SESSIONS: 'false',
        CLERK_SESSION_COOKIE: 'false',
        CLERK_LOG_ALLOWED: 'false',
        CLERK_ACCEPTS_TOKEN: '["session_token"]',
      });
    });
  });

  describe('REST APIs', () => {
    test('addMethod protects the method with a TOKEN authorizer on the Authorization header', () => {
      const { stack, restApi, clerk } = setup();
      const template = Template.fromStack(stack);
      const authorizer = only(template, 'AWS::ApiGateway::Authorizer');
      expect(authorizer.resource.Properties).toEqual({
        RestApiId: { Ref: logicalId(stack, restApi) },
        Name: 'StackClerk7E2CECE3',
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.Authorization',
        IdentityValidationExpression: ClerkLambdaAuthorizer.TOKEN_VALIDATION_REGEX,
        AuthorizerResultTtlInSeconds: 30,
        AuthorizerUri: invocationUri(stack, clerk.function),
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizer.id },
      });
    });

    test('authorizerName defaults to a name unique in the app, derived from the construct path', () => {
      const { stack } = setup();
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', { Name: 'StackClerk7E2CECE3' });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'StackClerk7E2CECE3' });
    });

    test('authorizerName can be set', () => {
      const { stack } = setup({ authorizerName: 'clerk-admins' });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', { Name: 'clerk-admins' });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'clerk-admins' });
    });

    test('resultsCacheTtl defaults to 30 seconds', () => {
      const { stack } = setup();
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 30 });
    });

    test.each([
      [Duration.seconds(0), 0],
      [Duration.hours(1), 3600],
    ])('resultsCacheTtl can be set: %s', (resultsCacheTtl, seconds) => {
      const { stack } = setup({ resultsCacheTtl });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: seconds });
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: seconds });
    });

    test('sessionCookie uses a REQUEST authorizer without identity source, regex or cache', () => {
      const { stack } = setup({ sessionCookie: true });
      const authorizer = only(Template.fromStack(stack), 'AWS::ApiGateway::Authorizer').resource.Properties;
      expect(authorizer.Type).toBe('REQUEST');
      expect(authorizer.AuthorizerResultTtlInSeconds).toBe(0);
      expect(authorizer).not.toHaveProperty('IdentitySource');
      expect(authorizer).not.toHaveProperty('IdentityValidationExpression');
    });

    test('sessionCookie with resultsCacheTtl 0 explicitly is accepted', () => {
      const { stack } = setup({ sessionCookie: true, resultsCacheTtl: Duration.seconds(0) });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    });

    test('the invoke permission is scoped to that API and that authorizer', () => {
      const { stack, restApi, clerk } = setup();
      const template = Template.fromStack(stack);
      const authorizerId = only(template, 'AWS::ApiGateway::Authorizer').id;
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack, clerk.function), 'Arn'] },
        SourceArn: authorizersArn(stack, restApi, authorizerId),
      });
    });

    test('all methods of one API share one authorizer and one permission', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      const items = api.root.addResource('items');
      clerk.addMethod(items, 'GET', new apigw.MockIntegration());
      clerk.addMethod(items, 'POST', new apigw.MockIntegration());
      clerk.addMethod(items.addResource('{id}'), 'ANY', new apigw.MockIntegration());
      const template = Template.fromStack(stack);
      const authorizerId = only(template, 'AWS::ApiGateway::Authorizer').id;
      template.resourceCountIs('AWS::Lambda::Permission', 1);
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
      expect(methods).toHaveLength(3);
      for (const m of methods) expect(m.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
    });

    test('addMethod passes other method options through', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      clerk.addMethod(api.root, 'GET', new apigw.MockIntegration(), { apiKeyRequired: true, operationName: 'listItems' });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Method', {
        ApiKeyRequired: true,
        OperationName: 'listItems',
        AuthorizationType: 'CUSTOM',
      });
    });

    test('authorizerForRestApi returns the authorizer addMethod uses, for methods added directly', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      const authorizer = clerk.authorizerForRestApi(api);
      expect(clerk.authorizerForRestApi(api)).toBe(authorizer);
      api.root.addMethod('GET', new apigw.MockIntegration(), { authorizer });
      clerk.addMethod(api.root, 'POST', new apigw.MockIntegration());
      const template = Template.fromStack(stack);
      const authorizerId = only(template, 'AWS::ApiGateway::Authorizer').id;
      expect(authorizer.authorizationType).toBe(apigw.AuthorizationType.CUSTOM);
      expect(stack.resolve(authorizer.authorizerId)).toEqual({ Ref: authorizerId });
      template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { AuthorizerId: { Ref: authorizerId }, AuthorizationType: 'CUSTOM' }, 2);
    });

    test('a changed authorizer changes the deployment (so the stage picks it up)', () => {
      const deploymentId = (ttl: Duration) => {
        const { stack } = setup({ resultsCacheTtl: ttl });
        const template = Template.fromStack(stack);
        const { id, resource } = only(template, 'AWS::ApiGateway::Deployment');
        expect(resource.DependsOn).toContain(only(template, 'AWS::ApiGateway::Authorizer').id);
        return id;
      };
      expect(deploymentId(Duration.seconds(10))).not.toBe(deploymentId(Duration.seconds(20)));
    });

    test('logical ids of the per-API resources do not depend on the Stage (pipeline stages share them)', () => {
      const idsIn = (stageName: string) => {
        const stack = new Stack(new Stage(new App(), stageName), 'Stack', { env: ENV });
        const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
        clerk.addMethod(new apigw.RestApi(stack, 'Rest').root, 'GET', new apigw.MockIntegration());
        clerk.addRoutes(new apigwv2.HttpApi(stack, 'Http'), {
          path: '/x',
          integration: new HttpUrlIntegration('I', 'https://backend.example.com'),
        });
        const template = Template.fromStack(stack);
        return ['AWS::ApiGateway::Authorizer', 'AWS::ApiGatewayV2::Authorizer', 'AWS::Lambda::Permission']
          .flatMap((type) => Object.keys(template.findResources(type)))
          .sort();
      };
      const beta = idsIn('Beta');
      expect(beta).toHaveLength(4);
      expect(idsIn('Prod')).toEqual(beta);
    });

    test('an API in another stack gets its authorizer and permission in that stack, without a cycle', () => {
      const app = new App();
      const authStack = new Stack(app, 'Auth', { env: ENV });
      const apiStack = new Stack(app, 'Api', { env: ENV });
      const clerk = new ClerkLambdaAuthorizer(authStack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(apiStack, 'Api');
      clerk.addMethod(api.root, 'GET', new apigw.MockIntegration());
      const httpApi = new apigwv2.HttpApi(apiStack, 'HttpApi');
      clerk.addRoutes(httpApi, { path: '/x', integration: new HttpUrlIntegration('I', 'https://backend.example.com') });
      const apiTemplate = Template.fromStack(apiStack);
      apiTemplate.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
      apiTemplate.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      apiTemplate.resourceCountIs('AWS::Lambda::Permission', 2);
      const authTemplate = Template.fromStack(authStack);
      authTemplate.resourceCountIs('AWS::Lambda::Function', 1);
      authTemplate.resourceCountIs('AWS::Lambda::Permission', 0);
      expect(() => app.synth()).not.toThrow();
    });
  });

  describe('REST OPTIONS and CORS', () => {
    test('CORS preflight methods stay unauthenticated next to protected methods', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api', {
        defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] },
      });
      const items = api.root.addResource('items');
      clerk.addMethod(items, 'ANY', new apigw.MockIntegration());
      clerk.addMethod(items, 'GET', new apigw.MockIntegration());
      const template = Template.fromStack(stack);
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m: any) => m.Properties);
      const options = methods.filter((m) => m.HttpMethod === 'OPTIONS');
      expect(options.length).toBe(2); // the root's and /items'
      for (const m of options) {
        expect(m.AuthorizationType).toBe('NONE');
        expect(m).not.toHaveProperty('AuthorizerId');
      }
      expect(methods.filter((m) => m.AuthorizationType === 'CUSTOM').map((m) => m.HttpMethod).sort()).toEqual(['ANY', 'GET']);
    });

    test('no gateway responses without CORS', () => {
      const { stack } = setup();
      Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    });

    function corsStack(cors: apigw.CorsOptions) {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api', { defaultCorsPreflightOptions: cors });
      clerk.addMethod(api.root.addResource('items'), 'GET', new apigw.MockIntegration());
      return { stack, clerk, api };
    }

    test('the gateway responses are added at synthesis by a construct under the API, next to them', () => {
      const { stack, api } = corsStack({ allowOrigins: ['https://app.example.com'] });
      expect(api.node.tryFindChild('ClerkCorsGatewayResponses')).toBeDefined();
      Template.fromStack(stack);
      expect(api.node.tryFindChild('ClerkCorsUnauthorized')).toBeDefined();
    });

    function gatewayResponses(stack: Stack): Record<string, any> {
      return Object.fromEntries(
        Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse')).map((r: any) => [
          r.Properties.ResponseType,
          r.Properties,
        ]),
      );
    }

    test('with one CORS origin, 401, 403 and authorizer errors carry it', () => {
      const { stack, api } = corsStack({ allowOrigins: ['https://app.example.com'] });
      const responses = gatewayResponses(stack);
      expect(Object.keys(responses).sort()).toEqual([
        'ACCESS_DENIED',
        'AUTHORIZER_CONFIGURATION_ERROR',
        'AUTHORIZER_FAILURE',
        'UNAUTHORIZED',
      ]);
      for (const response of Object.values(responses)) {
        expect(response).toEqual({
          RestApiId: { Ref: logicalId(stack, api) },
          ResponseType: response.ResponseType,
          ResponseParameters: {
            'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
            'gatewayresponse.header.Vary': "'Origin'",
          },
        });
      }
    });

    test('with origin *, the responses allow any origin', () => {
      const { stack } = corsStack({ allowOrigins: apigw.Cors.ALL_ORIGINS });
      expect(gatewayResponses(stack).UNAUTHORIZED.ResponseParameters).toEqual({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
      });
    });

    test('with credentials and one origin, the responses allow credentials', () => {
      const { stack } = corsStack({ allowOrigins: ['https://app.example.com'], allowCredentials: true });
      expect(gatewayResponses(stack).ACCESS_DENIED.ResponseParameters).toEqual({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
        'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
        'gatewayresponse.header.Vary': "'Origin'",
      });
    });

    test('with several origins, the request origin is echoed, never with credentials', () => {
      const { stack } = corsStack({
        allowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        allowCredentials: true,
      });
      expect(gatewayResponses(stack).UNAUTHORIZED.ResponseParameters).toEqual({
        'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
        'gatewayresponse.header.Vary': "'Origin'",
      });
    });

    test('origins of every CORS resource are merged; two authorizers on one API add the responses once', () => {
      const stack = newStack();
      const a = new ClerkLambdaAuthorizer(stack, 'A', { issuer: ISSUER });
      const b = new ClerkLambdaAuthorizer(stack, 'B', { issuer: ISSUER, predicate: ClaimPredicate.role('admin') });
      const api = new apigw.RestApi(stack, 'Api');
      a.addMethod(api.root.addResource('a', { defaultCorsPreflightOptions: { allowOrigins: ['https://a.example.com'] } }), 'GET');
      b.addMethod(api.root.addResource('b', { defaultCorsPreflightOptions: { allowOrigins: ['https://b.example.com'] } }), 'GET');
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::ApiGateway::GatewayResponse', 4);
      template.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
      expect(gatewayResponses(stack).UNAUTHORIZED.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'])
        .toBe('method.request.header.Origin');
    });

    test("the API's own gateway response of a type, added first, is left alone", () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
      api.addGatewayResponse('Mine', { type: apigw.ResponseType.UNAUTHORIZED, templates: { 'application/json': '{"error":"login"}' } });
      clerk.addMethod(api.root, 'GET', new apigw.MockIntegration());
      const responses = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse'));
      expect(responses).toHaveLength(4);
      const unauthorized = responses.filter((r: any) => r.Properties.ResponseType === 'UNAUTHORIZED');
      expect(unauthorized).toHaveLength(1);
      expect(unauthorized[0].Properties.ResponseTemplates).toEqual({ 'application/json': '{"error":"login"}' });
    });

    test("the API's own gateway response of a type, added after addMethod, is left alone too", () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
      clerk.addMethod(api.root, 'GET', new apigw.MockIntegration());
      api.addGatewayResponse('Mine', { type: apigw.ResponseType.ACCESS_DENIED });
      const responses = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::GatewayResponse'));
      expect(responses.map((r: any) => r.Properties.ResponseType).sort()).toEqual([
        'ACCESS_DENIED', 'AUTHORIZER_CONFIGURATION_ERROR', 'AUTHORIZER_FAILURE', 'UNAUTHORIZED',
      ]);
      expect(responses.find((r: any) => r.Properties.ResponseType === 'ACCESS_DENIED')!.Properties).not.toHaveProperty('ResponseParameters');
    });

    test('fails if addMethod is asked for OPTIONS', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      expect(() => clerk.addMethod(api.root, 'options', new apigw.MockIntegration())).toThrow(
        new Error(
          '`httpMethod` must not be OPTIONS (browsers send CORS preflight requests without credentials, so an ' +
            'authorized OPTIONS method fails every preflight: use defaultCorsPreflightOptions or ' +
            'resource.addCorsPreflight), got: options',
        ),
      );
    });

    test('fails if addMethod is given another authorizer', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      const other = { authorizerId: 'abc123', authorizationType: apigw.AuthorizationType.CUSTOM };
      expect(() => clerk.addMethod(api.root, 'GET', undefined, { authorizer: other })).toThrow(
        new Error("`options.authorizer` must not be set (addMethod attaches this construct's authorizer), got: abc123"),
      );
    });

    test('fails if addMethod is given another authorization type', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      expect(() => clerk.addMethod(api.root, 'GET', undefined, { authorizationType: apigw.AuthorizationType.IAM })).toThrow(
        new Error('`options.authorizationType` must be CUSTOM or unset (addMethod attaches a Lambda authorizer), got: AWS_IAM'),
      );
    });
  });

  describe('the TOKEN validation regex', () => {
    // API Gateway evaluates it with Java's regex engine; this pattern (anchors, classes, one optional group) means
    // the same in Java and JavaScript.
    const regex = new RegExp(ClerkLambdaAuthorizer.TOKEN_VALIDATION_REGEX);

    test.each([
      ['Bearer <real token>', bearer(validToken())],
      ['bearer <real token>', `bearer ${validToken()}`],
      ['BEARER <real token>', `BEARER ${validToken()}`],
      ['a bare real token', validToken()],
      ['a v1 token with organization claims', bearer(signJwt(sessionHeader(), clerkV2Payload({ org_id: 'org_1', metadata: { role: 'admin' } }), testKeys().privateKey))],
    ])('lets %s through to the function', (_name, header) => {
      expect(regex.test(header)).toBe(true);
    });

    test.each([
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a space', 'Bearer '],
      ['two spaces', `Bearer  ${validToken()}`],
      ['another scheme', `Basic ${validToken()}`],
      ['two segments', 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0'],
      ['four segments', `Bearer ${validToken()}.AAAA`],
      ['an empty signature', `Bearer ${validToken().split('.').slice(0, 2).join('.')}.`],
      ['base64 padding', `Bearer ${validToken()}==`],
      ['standard base64 characters', 'Bearer ab+c.de/f.ghi'],
      ['a trailing space', `Bearer ${validToken()} `],
      ['a leading space', ` Bearer ${validToken()}`],
      ['a JSON body', '{"token":"x.y.z"}'],
    ])('refuses %s without invoking the function', (_name, header) => {
      expect(regex.test(header)).toBe(false);
    });
  });

  describe('HTTP APIs', () => {
    test('addRoutes protects the routes with a payload 2.0 simple-response authorizer on the Authorization header', () => {
      const { stack, httpApi, clerk } = setup();
      const template = Template.fromStack(stack);
      const authorizer = only(template, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizer.resource.Properties).toEqual({
        ApiId: { Ref: logicalId(stack, httpApi) },
        Name: 'StackClerk7E2CECE3',
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 30,
        AuthorizerUri: invocationUri(stack, clerk.function),
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /items',
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizer.id },
      });
    });

    test('sessionCookie: no identity source and no cache', () => {
      const { stack } = setup({ sessionCookie: true });
      const authorizer = only(Template.fromStack(stack), 'AWS::ApiGatewayV2::Authorizer').resource.Properties;
      expect(authorizer.AuthorizerResultTtlInSeconds).toBe(0);
      expect(authorizer).not.toHaveProperty('IdentitySource');
    });

    test('the invoke permission is scoped to that API and that authorizer', () => {
      const { stack, httpApi } = setup();
      const template = Template.fromStack(stack);
      const authorizerId = only(template, 'AWS::ApiGatewayV2::Authorizer').id;
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Principal: 'apigateway.amazonaws.com',
        SourceArn: authorizersArn(stack, httpApi, authorizerId),
      });
    });

    test('methods default to ANY, expanded without OPTIONS', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api', {
        corsPreflight: { allowOrigins: ['https://app.example.com'], allowMethods: [apigwv2.CorsHttpMethod.ANY] },
      });
      const routes = clerk.addRoutes(api, { path: '/items/{proxy+}', integration: new HttpUrlIntegration('I', 'https://backend.example.com') });
      expect(routes).toHaveLength(6);
      const keys = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map((r: any) => r.Properties.RouteKey);
      expect(keys.sort()).toEqual(ANY_BUT_OPTIONS.map((m) => `${m} /items/{proxy+}`).sort());
    });

    test('methods can be listed; ANY among them is expanded, duplicates dropped', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api');
      const integration = new HttpUrlIntegration('I', 'https://backend.example.com');
      expect(clerk.addRoutes(api, { path: '/a', methods: [apigwv2.HttpMethod.GET], integration })).toHaveLength(1);
      expect(clerk.addRoutes(api, { path: '/b', methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.ANY], integration })).toHaveLength(6);
      Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::Route', 7);
      Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    });

    test('routes keep the ids HttpApi.addRoutes gives them', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api');
      const [route] = clerk.addRoutes(api, { path: '/items', methods: [apigwv2.HttpMethod.GET], integration: new HttpUrlIntegration('I', 'https://backend.example.com') });
      expect(route.node.path).toBe('Stack/Api/GET--items');
    });

    test('the construct is an IHttpRouteAuthorizer for httpApi.addRoutes; ANY there gets a warning', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api');
      const integration = new HttpUrlIntegration('I', 'https://backend.example.com');
      api.addRoutes({ path: '/any', integration, authorizer: clerk });
      api.addRoutes({ path: '/get', methods: [apigwv2.HttpMethod.GET], integration, authorizer: clerk });
      const template = Template.fromStack(stack);
      const authorizerId = only(template, 'AWS::ApiGatewayV2::Authorizer').id;
      template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { AuthorizerId: { Ref: authorizerId }, AuthorizationType: 'CUSTOM' }, 2);
      const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('preflights'));
      expect(warnings.map((w) => w.id)).toEqual(['/Stack/Api/ANY--any/Resource']);
      expect(warnings[0].entry.data).toBe(
        'Route "ANY /any" sends OPTIONS requests through the Clerk Lambda authorizer, so browser CORS preflights (which ' +
          'carry no token) are refused. List explicit methods, or add the route with ClerkLambdaAuthorizer.addRoutes, ' +
          'which expands ANY without OPTIONS; for $default, add an unauthenticated OPTIONS /{proxy+} route. ' +
          '[ack: cdk-clerk-authorizers:preflightBehindLambdaAuthorizer]',
      );
    });

    test('authorizerForHttpApi returns the authorizer the routes use', () => {
      const { stack, clerk, httpApi } = setup();
      const authorizer = clerk.authorizerForHttpApi(httpApi);
      expect(clerk.authorizerForHttpApi(httpApi)).toBe(authorizer);
      expect(stack.resolve(authorizer.authorizerId)).toEqual({ Ref: only(Template.fromStack(stack), 'AWS::ApiGatewayV2::Authorizer').id });
    });

    test('fails if addRoutes is asked for OPTIONS', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api');
      const integration = new HttpUrlIntegration('I', 'https://backend.example.com');
      expect(() => clerk.addRoutes(api, { path: '/x', methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.OPTIONS], integration })).toThrow(
        new Error(
          "`methods` must not include OPTIONS: a browser's CORS preflight carries no token, so the authorizer would " +
            'refuse it (API Gateway answers preflights itself when the HttpApi has corsPreflight), got: GET,OPTIONS',
        ),
      );
    });

    test('fails if addRoutes is given no methods', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigwv2.HttpApi(stack, 'Api');
      const integration = new HttpUrlIntegration('I', 'https://backend.example.com');
      expect(() => clerk.addRoutes(api, { path: '/x', methods: [], integration })).toThrow(
        new Error('`methods` must list at least one HTTP method, got: []'),
      );
    });
  });

  describe('several APIs', () => {
    test('one construct protects two REST and two HTTP APIs with one function, four authorizers, four permissions', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, predicate: ClaimPredicate.role('admin') });
      const rest1 = new apigw.RestApi(stack, 'Rest1');
      const rest2 = new apigw.RestApi(stack, 'Rest2');
      const http1 = new apigwv2.HttpApi(stack, 'Http1');
      const http2 = new apigwv2.HttpApi(stack, 'Http2');
      const integration1 = new HttpUrlIntegration('I1', 'https://backend.example.com');
      const integration2 = new HttpUrlIntegration('I2', 'https://backend.example.com');
      clerk.addMethod(rest1.root, 'GET', new apigw.MockIntegration());
      clerk.addMethod(rest2.root, 'GET', new apigw.MockIntegration());
      clerk.addMethod(rest2.root.addResource('x'), 'POST', new apigw.MockIntegration());
      clerk.addRoutes(http1, { path: '/a', methods: [apigwv2.HttpMethod.GET], integration: integration1 });
      clerk.addRoutes(http2, { path: '/a', methods: [apigwv2.HttpMethod.GET], integration: integration2 });
      clerk.addRoutes(http2, { path: '/b', methods: [apigwv2.HttpMethod.POST], integration: integration2 });

      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 1);
      const functionArn = { 'Fn::GetAtt': [logicalId(stack, clerk.function), 'Arn'] };

      const restAuthorizers = template.findResources('AWS::ApiGateway::Authorizer');
      const httpAuthorizers = template.findResources('AWS::ApiGatewayV2::Authorizer');
      const authorizerOf: Record<string, string> = {};
      for (const [id, r] of Object.entries(restAuthorizers)) authorizerOf[(r as any).Properties.RestApiId.Ref] = id;
      for (const [id, r] of Object.entries(httpAuthorizers)) authorizerOf[(r as any).Properties.ApiId.Ref] = id;
      const apis = [rest1, rest2, http1, http2].map((api) => logicalId(stack, api));
      expect(Object.keys(authorizerOf).sort()).toEqual([...apis].sort());

      const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((p: any) => p.Properties);
      expect(permissions).toHaveLength(4);
      const sourceArns = permissions.map((p) => {
        expect(p.FunctionName).toEqual(functionArn);
        expect(p.Principal).toBe('apigateway.amazonaws.com');
        return p.SourceArn;
      });
      for (const api of apis) {
        expect(sourceArns).toContainEqual({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:us-east-1:123456789012:',
              { Ref: api },
              '/authorizers/',
              { Ref: authorizerOf[api] },
            ],
          ],
        });
      }

      // Every method and route uses the authorizer of its own API.
      for (const m of Object.values(template.findResources('AWS::ApiGateway::Method')) as any[]) {
        expect(m.Properties.AuthorizerId).toEqual({ Ref: authorizerOf[m.Properties.RestApiId.Ref] });
      }
      for (const r of Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as any[]) {
        expect(r.Properties.AuthorizerId).toEqual({ Ref: authorizerOf[r.Properties.ApiId.Ref] });
      }
    });
  });

  describe('synth-time validation', () => {
    test('a synth error carries the path of the construct that refused, outside its message', () => {
      const stack = newStack();
      const error = catchError(() => new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, memorySize: 64 }));
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe('`memorySize` must be a whole number of MB from 128 to 10240, got: 64');
      expect(error.constructPath).toBe('Stack/Clerk');
    });

    test('a synth error of addMethod carries the construct path too', () => {
      const stack = newStack();
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER });
      const api = new apigw.RestApi(stack, 'Api');
      const error = catchError(() => clerk.addMethod(api.root, 'OPTIONS'));
      expect(error.constructPath).toBe('Stack/Clerk');
    });

    test('fails if issuer has a trailing slash', () => {
      expect(() => construct({ issuer: 'https://clerk.example.com/' })).toThrow(
        new Error("`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://clerk.example.com/"),
      );
    });

    test('fails if publicKeyPem has literal \\n instead of line breaks', () => {
      const mangled = testKeys().publicKeyPem.replace(/\n/g, '\\n');
      expect(() => construct({ publicKeyPem: mangled })).toThrow(
        new Error(
          '`publicKeyPem` contains a literal "\\n" where line breaks belong (replace each literal \\n with a newline, ' +
            `e.g. pem.replace(/\\\\n/g, '\\n')), got: ${JSON.stringify(mangled.slice(0, 40) + '...')}`,
        ),
      );
    });

    test('fails if publicKeyPem had its newlines turned into spaces', () => {
      const mangled = testKeys().publicKeyPem.trim().replace(/\n/g, ' ');
      expect(() => construct({ publicKeyPem: mangled })).toThrow(
        new Error(
          '`publicKeyPem` must keep its line breaks (they were removed or turned into spaces: restore the newlines ' +
            'after -----BEGIN PUBLIC KEY----- and before -----END PUBLIC KEY-----), got: ' +
            JSON.stringify(mangled.slice(0, 40) + '...'),
        ),
      );
    });

    test('fails if publicKeyPem lost its header and footer', () => {
      const body = testKeys().publicKeyPem.replace(/-----[A-Z ]+-----\n?/g, '');
      expect(() => construct({ publicKeyPem: body })).toThrow(
        new Error(
          '`publicKeyPem` must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----), as shown under "PEM Public ' +
            'Key" on the Clerk dashboard\'s API keys page (the -----BEGIN PUBLIC KEY----- and -----END PUBLIC KEY----- ' +
            `lines are missing: keep them), got: ${JSON.stringify(body.slice(0, 40) + '...')}`,
        ),
      );
    });

    test.each([
      ['pkcs8', '-----BEGIN PRIVATE KEY-----'],
      ['pkcs1', '-----BEGIN RSA PRIVATE KEY-----'],
    ] as const)('fails if publicKeyPem is a private key (%s), without printing it', (type, header) => {
      const privatePem = testKeys().privateKey.export({ type, format: 'pem' }).toString();
      let message = '';
      try {
        construct({ publicKeyPem: privatePem });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(
        '`publicKeyPem` must be a public key, never a private key (use the PUBLIC key from the Clerk dashboard, API ' +
          'keys page, "PEM Public Key"; treat this private key as leaked if it was committed), got: ' +
          header,
      );
      expect(message).not.toContain(privatePem.split('\n')[1].slice(0, 16));
    });

    test('fails if publicKeyPem is a certificate', () => {
      expect(() => construct({ publicKeyPem: CERTIFICATE })).toThrow(
        new Error(
          '`publicKeyPem` must be a public key, not a certificate (extract the key with `openssl x509 -pubkey -noout`, ' +
            'or copy "PEM Public Key" from the Clerk dashboard), got: "-----BEGIN CERTIFICATE-----\\nMIIBgDCCASWg..."',
        ),
      );
    });

    test('fails if publicKeyPem is an EC key', () => {
      expect(() => construct({ publicKeyPem: makeKeys('ec', 'ec').publicKeyPem })).toThrow(
        new Error('`publicKeyPem` must be an RSA public key (Clerk signs session tokens with RS256), got: an ec key'),
      );
    });

    test('fails if publicKeyPem is an RSA key under 2048 bits', () => {
      expect(() => construct({ publicKeyPem: pem(1024) })).toThrow(
        new Error('`publicKeyPem` must be an RSA key of at least 2048 bits, got: a 1024-bit RSA key'),
      );
    });

    test('fails if publicKeyPem holds two keys', () => {
      expect(() => construct({ publicKeyPem: testKeys().publicKeyPem + pem() })).toThrow(
        new Error('`publicKeyPem` must hold exactly one PEM block, got: 2 blocks (-----BEGIN PUBLIC KEY-----, -----BEGIN PUBLIC KEY-----)'),
      );
    });

    test('fails if publicKeyPem does not parse', () => {
      const broken = '-----BEGIN PUBLIC KEY-----\nAAAAB3NzaC1yc2E=\n-----END PUBLIC KEY-----\n';
      expect(() => construct({ publicKeyPem: broken })).toThrow(
        new Error(
          '`publicKeyPem` must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----), as shown under "PEM Public ' +
            'Key" on the Clerk dashboard\'s API keys page (it could not be parsed), got: ' +
            JSON.stringify(broken.slice(0, 40) + '...'),
        ),
      );
    });

    test('fails if publicKeyPem is empty', () => {
      expect(() => construct({ publicKeyPem: '' })).toThrow(
        new Error(
          '`publicKeyPem` must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----), as shown under "PEM Public ' +
            'Key" on the Clerk dashboard\'s API keys page, got: ""',
        ),
      );
    });

    test('fails if publicKeyPem and jwksUri are both set', () => {
      expect(() => construct({ publicKeyPem: testKeys().publicKeyPem, jwksUri: 'https://keys.example.com/jwks.json' })).toThrow(
        new Error(
          '`jwksUri` must not be set together with `publicKeyPem` (a PEM key means no key fetching: choose one), got: ' +
            'https://keys.example.com/jwks.json',
        ),
      );
    });

    test.each([
      ['http://keys.example.com/jwks.json', '`jwksUri` must be an absolute https URL (http only for 127.0.0.1, localhost or [::1]), got: http://keys.example.com/jwks.json'],
      ['http://127.0.0.2/jwks.json', '`jwksUri` must be an absolute https URL (http only for 127.0.0.1, localhost or [::1]), got: http://127.0.0.2/jwks.json'],
      ['keys.example.com/jwks.json', '`jwksUri` must be an absolute https URL (http only for 127.0.0.1, localhost or [::1]), got: keys.example.com/jwks.json'],
      ['https://user:secret@keys.example.com/jwks.json', '`jwksUri` must not contain credentials, got: https://***@keys.example.com/jwks.json'],
      ['https://keys.example.com/jwks.json#k', '`jwksUri` must not have a fragment, got: https://keys.example.com/jwks.json#k'],
    ])('fails if jwksUri is %s', (jwksUri, message) => {
      expect(() => construct({ jwksUri })).toThrow(new Error(message));
    });

    test('fails if audience is empty', () => {
      expect(() => construct({ audience: [] })).toThrow(/^`audience` must list 1 to 50 values, got: /);
    });

    test('fails if an authorizedParties entry has surrounding spaces', () => {
      expect(() => construct({ authorizedParties: [' https://app.example.com'] })).toThrow(
        new Error('`authorizedParties` entries must be non-empty strings without surrounding spaces, got: " https://app.example.com"'),
      );
    });

    test.each([
      [Duration.seconds(301), '5 minutes 1 second'],
      [Duration.millis(1500), '1 second 500 millis'],
    ])('fails if clockSkew is %s', (clockSkew, shown) => {
      expect(() => construct({ clockSkew })).toThrow(
        new Error(`\`clockSkew\` must be a whole number of seconds from 0 seconds to 5 minutes, got: ${shown}`),
      );
    });

    test('fails if resultsCacheTtl is above one hour', () => {
      expect(() => construct({ resultsCacheTtl: Duration.seconds(3601) })).toThrow(
        new Error('`resultsCacheTtl` must be a whole number of seconds from 0 seconds to 1 hour, got: 1 hour 1 second'),
      );
    });

    test('unresolved durations are passed through to the template', () => {
      const stack = newStack();
      const ttl = new CfnParameter(stack, 'Ttl', { type: 'Number' }).valueAsNumber;
      const skew = new CfnParameter(stack, 'Skew', { type: 'Number' }).valueAsNumber;
      const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', {
        issuer: ISSUER,
        resultsCacheTtl: Duration.seconds(ttl),
        clockSkew: Duration.seconds(skew),
      });
      clerk.addMethod(new apigw.RestApi(stack, 'Api').root, 'GET', new apigw.MockIntegration());
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: { Ref: 'Ttl' } });
      expect(environmentOf(stack).CLERK_CLOCK_SKEW_SECONDS).toEqual({ Ref: 'Skew' });
    });

    test('fails if sessionCookie is combined with an unresolved cache TTL', () => {
      const stack = newStack();
      const ttl = new CfnParameter(stack, 'Ttl', { type: 'Number' }).valueAsNumber;
      expect(() => new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, sessionCookie: true, resultsCacheTtl: Duration.seconds(ttl) }))
        .toThrow(/^`resultsCacheTtl` must be 0 when `sessionCookie` is true \(the cache key cannot cover both the cookie and the Authorization header, so a cached answer could be replayed for another caller\), got: /);
    });

    test('fails if sessionCookie is combined with a cache', () => {
      expect(() => construct({ sessionCookie: true, resultsCacheTtl: Duration.seconds(30) })).toThrow(
        new Error(
          '`resultsCacheTtl` must be 0 when `sessionCookie` is true (the cache key cannot cover both the cookie and the ' +
            'Authorization header, so a cached answer could be replayed for another caller), got: 30 seconds',
        ),
      );
    });

    test.each([100, 10241, 200.5])('fails if memorySize is %s', (memorySize) => {
      expect(() => construct({ memorySize })).toThrow(
        new Error(`\`memorySize\` must be a whole number of MB from 128 to 10240, got: ${memorySize}`),
      );
    });

    test.each(['', ' admins'])('fails if authorizerName is %j', (authorizerName) => {
      expect(() => construct({ authorizerName })).toThrow(
        new Error(`\`authorizerName\` must be a non-empty string without surrounding spaces, got: ${JSON.stringify(authorizerName)}`),
      );
    });

    test('fails if logGroup and logRetention are both set', () => {
      const stack = newStack();
      const logGroup = new logs.LogGroup(stack, 'Mine');
      expect(
        () => new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: ISSUER, logGroup, logRetention: logs.RetentionDays.ONE_WEEK }),
      ).toThrow(new Error('`logRetention` must not be set together with `logGroup` (set the retention on your log group), got: 7 days'));
    });

    test('fails if predicate renders an invalid wire format', () => {
      class Hand extends ClaimPredicate {
        public toJson(): string {
          return '{"op":"eq","claim":"role"}';
        }
      }
      expect(() => construct({ predicate: new Hand() })).toThrow(
        new Error('`predicate` $.value is missing, got: {"op":"eq","claim":"role"}'),
      );
    });

    test("fails if predicate does not fit the function's environment", () => {
      // Under the wire format's own 4096-character limit, but not next to a PEM key and the other variables.
      const roles = Array.from({ length: 50 }, (_, i) => `role-${'x'.repeat(64)}-${String(i).padStart(2, '0')}`);
      const predicate = ClaimPredicate.role(...roles);
      expect(predicate.toJson().length).toBeLessThanOrEqual(4096);
      const keys = testKeys();
      const total = [
        ['CLERK_ISSUER', ISSUER],
        ['CLERK_PUBLIC_KEY_PEM', keys.publicKeyPem],
        ['CLERK_PREDICATE', predicate.toJson()],
        ['CLERK_CLOCK_SKEW_SECONDS', '5'],
        ['CLERK_ALLOW_PENDING_SESSIONS', 'false'],
        ['CLERK_SESSION_COOKIE', 'false'],
        ['CLERK_LOG_ALLOWED', 'false'],
        ['CLERK_ACCEPTS_TOKEN', '["session_token"]'],
      ].reduce((sum, [k, v]) => sum + k.length + v.length, 0);
      expect(() => construct({ predicate, publicKeyPem: keys.publicKeyPem })).toThrow(
        new Error(`\`predicate\` must fit the function's environment (Lambda allows 4096 bytes in all; simplify the predicate), got: ${total} bytes in all`),
      );
    });
  });

  test('the templates pass cfn-lint (REST with CORS, HTTP, PEM mode; sessionCookie, JWKS mode), in one cfn-lint run', () => {
    const stack = newStack();
    const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', {
      issuer: ISSUER,
      publicKeyPem: testKeys().publicKeyPem,
      authorizedParties: ['https://app.example.com'],
      predicate: ClaimPredicate.role('admin'),
    });
    const rest = new apigw.RestApi(stack, 'Rest', { defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] } });
    clerk.addMethod(rest.root.addResource('admin'), 'GET', new apigw.MockIntegration({
      integrationResponses: [{ statusCode: '200' }],
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
    }), { methodResponses: [{ statusCode: '200' }] });
    const http = new apigwv2.HttpApi(stack, 'Http', { corsPreflight: { allowOrigins: ['https://app.example.com'] } });
    clerk.addRoutes(http, { path: '/admin', integration: new HttpUrlIntegration('I', 'https://backend.example.com') });
    const cookie = setup({ sessionCookie: true, audience: ['my-api'] });
    expectCfnLintClean([stack, cookie.stack]);
  });
});

/** The API Gateway invocation URI of `fn`, as the authorizers render it. */
function invocationUri(stack: Stack, fn: IConstruct): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] }, '/invocations'],
    ],
  };
}

/** The `SourceArn` of an invoke permission scoped to one authorizer of `api`. */
function authorizersArn(stack: Stack, api: IConstruct, authorizerId: string): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:us-east-1:123456789012:', { Ref: logicalId(stack, api) }, '/authorizers/', { Ref: authorizerId }],
    ],
  };
}
