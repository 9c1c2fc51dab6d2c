/**
 * A consumer's CDK app: three APIs secured with Clerk session tokens.
 *
 * - `JwtHttpApi` (HTTP API): `GET /me` behind API Gateway's native JWT authorizer (`ClerkJwtAuthorizer`). No Lambda
 *   runs for authorization; API Gateway checks the signature, `iss`, `aud` and the token's times.
 * - `AdminRestApi` (REST API): `GET /admin` behind a `ClerkLambdaAuthorizer` that requires `metadata.role` = `admin`
 *   (the claim Clerk's "Customize session token" adds with `{"metadata": "{{user.public_metadata}}"}`), and `GET /me`
 *   behind the same authorizer with a rule of its own: any signed-in user (per-route rules: one authorizer, one
 *   cached answer per token that allows `/me` and denies `/admin` to a member).
 * - `AppHttpApi` (HTTP API): `GET /admin` behind the same Lambda authorizer (one function serves both APIs), and the
 *   invoices routes behind a second one whose default rule is the Clerk organization permission `org:invoices:read`
 *   (`GET /invoices`), with per-route rules for `DELETE /invoices` (organization role `org:admin`) and `GET /me`
 *   (any signed-in user).
 *
 * Every route reaches one echo function that answers with the authorizer context it received, which shows where a
 * backend reads the caller's identity on each kind of API.
 *
 * Deploy it with your own Clerk instance (from this directory, with the AWS CDK CLI):
 *
 *   npx cdk deploy -c clerkIssuer=https://<your-frontend-api-host> -c clerkPublicKeyPemFile=clerk.pem \
 *     -c clerkAudience=my-api -c appOrigin=https://app.example.com
 *
 * `npm run demo` (examples/demo.ts) synthesizes the same app with a generated key instead and runs the authorizer
 * from the synthesized template against Clerk-like tokens, without AWS or Clerk.
 */
import * as fs from 'node:fs';
import { App, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
// A consumer writes `from 'cdk-clerk-authorizers'`. This repository imports the TypeScript source instead, so the
// example runs (and type-checks) on a fresh clone without building the package first.
import { ClaimPredicate, ClerkJwtAuthorizer, ClerkLambdaAuthorizer, ClerkTokenType } from '../src';

/** Your Clerk instance and your app, as the stack needs them. */
export interface ClerkExampleStackProps extends StackProps {
  /** The Clerk Frontend API URL (Clerk Dashboard → API keys), e.g. `https://clerk.example.com`. */
  readonly issuer: string;
  /** The "PEM Public Key" of the Clerk instance (Clerk Dashboard → API keys → Show JWT public key). */
  readonly publicKeyPem: string;
  /** The `aud` value added under "Customize session token" for the native JWT authorizer. */
  readonly audience: string;
  /** The origins of your frontend: the session token's `azp` must be one of them. */
  readonly appOrigins: string[];
  /**
   * The URL MCP clients call (the MCP REST API's custom domain or stage URL, no trailing slash): an MCP server
   * protected by OAuth access tokens is added when set.
   */
  readonly mcpResource?: string;
  /** This API's Clerk machine id (`mch_...`): an internal route for M2M tokens is added when set. */
  readonly machineId?: string;
}

/** The example stack. */
export class ClerkExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ClerkExampleStackProps) {
    super(scope, id, props);

    // The backend: echoes what the authorizer passed on (REST: requestContext.authorizer.<key>; HTTP API with a
    // Lambda authorizer: requestContext.authorizer.lambda.<key>; HTTP API with a JWT authorizer:
    // requestContext.authorizer.jwt.claims).
    const backend = new lambda.Function(this, 'Backend', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        'exports.handler = async (event) => ({ statusCode: 200, headers: { "content-type": "application/json" }, ' +
          'body: JSON.stringify({ route: event.routeKey ?? event.resource, authorizer: event.requestContext.authorizer }) });',
      ),
    });
    const cors: apigwv2.CorsPreflightOptions = {
      allowOrigins: props.appOrigins,
      allowHeaders: ['authorization', 'content-type'],
      allowMethods: [apigwv2.CorsHttpMethod.ANY],
    };

    // 1. Native JWT authorizer (HTTP API): needs `aud` in the session token.
    const jwtApi = new apigwv2.HttpApi(this, 'JwtHttpApi', { corsPreflight: cors });
    const clerkJwt = new ClerkJwtAuthorizer(this, 'ClerkJwt', {
      issuer: props.issuer,
      audience: [props.audience],
    });
    clerkJwt.addRoutes(jwtApi, {
      path: '/me',
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Backend', backend),
    });

    // 2. Lambda authorizer with a role predicate, on a REST API and an HTTP API (one function for both).
    const admins = new ClerkLambdaAuthorizer(this, 'Admins', {
      issuer: props.issuer,
      publicKeyPem: props.publicKeyPem,
      authorizedParties: props.appOrigins,
      predicate: ClaimPredicate.role('admin'),
    });
    const restApi = new apigw.RestApi(this, 'AdminRestApi', {
      defaultCorsPreflightOptions: { allowOrigins: props.appOrigins, allowHeaders: ['Authorization', 'Content-Type'] },
    });
    admins.addMethod(restApi.root.addResource('admin'), 'GET', new apigw.LambdaIntegration(backend));
    // A rule of its own: any signed-in user, through the same authorizer and the same cached answer.
    admins.addMethod(restApi.root.addResource('me'), 'GET', new apigw.LambdaIntegration(backend), {
      predicate: ClaimPredicate.signedIn(),
    });

    const appApi = new apigwv2.HttpApi(this, 'AppHttpApi', { corsPreflight: cors });
    // An HTTP API integration belongs to one API: one per API, shared by that API's routes.
    const appBackend = new HttpLambdaIntegration('Backend', backend);
    admins.addRoutes(appApi, { path: '/admin', methods: [apigwv2.HttpMethod.GET], integration: appBackend });

    // 3. Lambda authorizer with a Clerk organization permission (as `has({ permission })` decides it).
    const invoiceReaders = new ClerkLambdaAuthorizer(this, 'InvoiceReaders', {
      issuer: props.issuer,
      publicKeyPem: props.publicKeyPem,
      authorizedParties: props.appOrigins,
      predicate: ClaimPredicate.orgPermission('org:invoices:read'),
    });
    invoiceReaders.addRoutes(appApi, { path: '/invoices', methods: [apigwv2.HttpMethod.GET], integration: appBackend });
    // Per-route rules on the same authorizer: the HTTP API's authorizer then answers with IAM policies.
    invoiceReaders.addRoutes(appApi, {
      path: '/invoices',
      methods: [apigwv2.HttpMethod.DELETE],
      integration: appBackend,
      predicate: ClaimPredicate.orgRole('org:admin'),
    });
    invoiceReaders.addRoutes(appApi, {
      path: '/me',
      methods: [apigwv2.HttpMethod.GET],
      integration: appBackend,
      predicate: ClaimPredicate.signedIn(),
    });

    // An MCP server (streamable HTTP on POST /mcp): MCP clients sign the user in with Clerk (OAuth) and call it with
    // a JWT access token bound to the resource (aud) that grants mcp:read. Its 401s point them to the protected
    // resource metadata, served by the REST API itself.
    if (props.mcpResource !== undefined) {
      const mcpClients = new ClerkLambdaAuthorizer(this, 'McpClients', {
        issuer: props.issuer,
        publicKeyPem: props.publicKeyPem,
        acceptsToken: [ClerkTokenType.OAUTH_TOKEN],
        audience: [props.mcpResource],
        protectedResource: { resource: props.mcpResource, scopesSupported: ['mcp:read', 'mcp:write'] },
        predicate: ClaimPredicate.scope('mcp:read'),
      });
      const mcpApi = new apigw.RestApi(this, 'McpRestApi');
      mcpClients.addMethod(mcpApi.root.addResource('mcp'), 'POST', new apigw.LambdaIntegration(backend));
      new CfnOutput(this, 'McpRestApiUrl', { value: mcpApi.url });
    }

    // Machine-to-machine: another service of yours calls POST /internal/sync with an M2M token (JWT format) that lists
    // this API's machine.
    if (props.machineId !== undefined) {
      const machines = new ClerkLambdaAuthorizer(this, 'Machines', {
        issuer: props.issuer,
        publicKeyPem: props.publicKeyPem,
        acceptsToken: [ClerkTokenType.M2M_TOKEN],
        machineId: props.machineId,
      });
      machines.addRoutes(appApi, { path: '/internal/sync', methods: [apigwv2.HttpMethod.POST], integration: appBackend });
    }

    new CfnOutput(this, 'JwtHttpApiUrl', { value: jwtApi.apiEndpoint });
    new CfnOutput(this, 'AdminRestApiUrl', { value: restApi.url });
    new CfnOutput(this, 'AppHttpApiUrl', { value: appApi.apiEndpoint });
  }
}

/** Builds the app from CDK context (`-c key=value`), as `cdk synth`/`cdk deploy` run it. */
export function main(app = new App()): App {
  const context = (key: string): string => {
    const value = app.node.tryGetContext(key);
    if (typeof value !== 'string' || value === '') {
      throw new Error(`context \`${key}\` is required (cdk deploy -c ${key}=...), got: ${JSON.stringify(value)}`);
    }
    return value;
  };
  const optionalContext = (key: string): string | undefined => {
    const value = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const pemFile = app.node.tryGetContext('clerkPublicKeyPemFile');
  new ClerkExampleStack(app, 'ClerkExample', {
    issuer: context('clerkIssuer'),
    publicKeyPem: typeof pemFile === 'string' ? fs.readFileSync(pemFile, 'utf8') : context('clerkPublicKeyPem'),
    audience: context('clerkAudience'),
    appOrigins: [context('appOrigin')],
    mcpResource: optionalContext('mcpResource'),
    machineId: optionalContext('machineId'),
  });
  return app;
}

if (require.main === module) {
  main().synth();
}
