import { Aspects, Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { allowAuthorizerInvoke, invocationUri } from './invoke-permission';
import { validateSameEnvironment } from './lambda-authorizer-validation';
import { perApiScope } from './per-api';
import { addCorsGatewayResponses } from './rest-cors';
import { RestPreflightWarning } from './rest-preflight';
import { addProtectedResource, ProtectedResourceMetadata } from './rest-protected-resource';
import type { AuthorizedApi } from './route-rules';

/**
 * The API Gateway authorizers of the Lambda authorizer construct, one per API: what each API's `Authorizer` and
 * `InvokePermission` are, created under the per-API scope the construct chose (their ids are in deployed templates).
 */

/** What every per-API authorizer of one construct shares. */
export interface LambdaAuthorizerOptions {
  readonly fn: lambda.IFunction;
  readonly name: string;
  readonly cacheTtlSeconds: number;
  readonly sessionCookie: boolean;
  /** The REST TOKEN authorizer's `identityValidationExpression`. */
  readonly tokenValidationRegex: string;
}

/**
 * The API Gateway authorizers of one construct, by API, each created on first use with what a REST API also gets
 * (its protected resource metadata, CORS headers on its authorizer answers, the preflight warning).
 */
export class LambdaApiAuthorizers {
  private readonly rest = new Map<apigw.IRestApi, apigw.IAuthorizer>();
  private readonly http = new Map<apigwv2.IHttpApi, apigwv2.IHttpAuthorizer>();

  /**
   * @param owner the ClerkLambdaAuthorizer
   * @param options what every per-API authorizer shares
   * @param protectedResource the RFC 9728 metadata every REST API serves, when `protectedResource` is set
   */
  constructor(
    private readonly owner: Construct,
    private readonly options: LambdaAuthorizerOptions,
    private readonly protectedResource: ProtectedResourceMetadata | undefined,
  ) {}

  /** The authorizer on a REST API (see `ClerkLambdaAuthorizer.authorizerForRestApi`). */
  public forRestApi(api: apigw.IRestApi): apigw.IAuthorizer {
    const existing = this.rest.get(api);
    if (existing !== undefined) return existing;
    validateSameEnvironment(this.owner, api);
    const authorizer = createRestAuthorizer(perApiScope(this.owner, api, 'Rest', 'ClerkLambdaAuthorizerRest'), api, this.options);
    if (this.protectedResource !== undefined) addProtectedResource(this.owner, api, this.protectedResource);
    this.rest.set(api, authorizer);
    addCorsGatewayResponses(api);
    Aspects.of(api).add(new RestPreflightWarning(authorizer.authorizerId));
    return authorizer;
  }

  /** The authorizer on an HTTP API (see `ClerkLambdaAuthorizer.authorizerForHttpApi`). */
  public forHttpApi(api: apigwv2.IHttpApi): apigwv2.IHttpAuthorizer {
    const existing = this.http.get(api);
    if (existing !== undefined) return existing;
    validateSameEnvironment(this.owner, api);
    const authorizer = createHttpAuthorizer(perApiScope(this.owner, api, 'Http', 'ClerkLambdaAuthorizerHttp'), api, this.options);
    this.http.set(api, authorizer);
    return authorizer;
  }

  /** The APIs with an authorizer so far, REST first, each in the order of first use (the route table's order). */
  public authorized(): AuthorizedApi[] {
    return [
      ...[...this.rest].map(([api, a]) => ({ api, apiId: api.restApiId, authorizerId: a.authorizerId })),
      ...[...this.http].map(([api, a]) => ({
        api,
        apiId: api.apiId,
        authorizerId: a.authorizerId,
        http: (a as apigwv2.HttpAuthorizer).node.defaultChild as apigwv2.CfnAuthorizer,
      })),
    ];
  }
}

/**
 * A REST API authorizer: TOKEN on the `Authorization` header, or REQUEST without an identity source when the session
 * cookie is read too. Like aws-cdk's own authorizers, a changed authorizer reaches the stage through a new deployment.
 */
export function createRestAuthorizer(scope: Construct, api: apigw.IRestApi, options: LambdaAuthorizerOptions): apigw.IAuthorizer {
  const cfn = new apigw.CfnAuthorizer(scope, 'Authorizer', {
    restApiId: api.restApiId,
    name: options.name,
    authorizerUri: invocationUri(options.fn),
    authorizerResultTtlInSeconds: options.cacheTtlSeconds,
    ...(options.sessionCookie
      ? { type: 'REQUEST' }
      : {
        type: 'TOKEN',
        identitySource: apigw.IdentitySource.header('Authorization'),
        identityValidationExpression: options.tokenValidationRegex,
      }),
  });
  allowAuthorizerInvoke(options.fn, scope, api.restApiId, cfn.ref);
  const deployment = api.latestDeployment;
  if (deployment !== undefined) {
    deployment.node.addDependency(cfn);
    deployment.addToLogicalId({
      clerkAuthorizer: {
        name: cfn.name,
        type: cfn.type,
        ttl: cfn.authorizerResultTtlInSeconds,
        identitySource: cfn.identitySource,
        identityValidationExpression: cfn.identityValidationExpression,
        functionArn: options.fn.functionArn,
      },
    });
  }
  return { authorizerId: cfn.ref, authorizationType: apigw.AuthorizationType.CUSTOM };
}

/** An HTTP API authorizer: Lambda, payload 2.0, simple responses. */
export function createHttpAuthorizer(scope: Construct, api: apigwv2.IHttpApi, options: LambdaAuthorizerOptions): apigwv2.IHttpAuthorizer {
  const authorizer = new apigwv2.HttpAuthorizer(scope, 'Authorizer', {
    httpApi: api,
    authorizerName: options.name,
    type: apigwv2.HttpAuthorizerType.LAMBDA,
    authorizerUri: invocationUri(options.fn),
    payloadFormatVersion: apigwv2.AuthorizerPayloadVersion.VERSION_2_0,
    enableSimpleResponses: true,
    identitySource: ['$request.header.Authorization'],
    resultsCacheTtl: Duration.seconds(options.cacheTtlSeconds),
  });
  if (options.sessionCookie) {
    // The handler reads the header or the cookie, so neither may be required before invoking it; without an
    // identity source API Gateway always invokes (which caching, off in this mode, would not allow).
    (authorizer.node.defaultChild as apigwv2.CfnAuthorizer).addPropertyDeletionOverride('IdentitySource');
  }
  allowAuthorizerInvoke(options.fn, scope, api.apiId, authorizer.authorizerId);
  return authorizer;
}
