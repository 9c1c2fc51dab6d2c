import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * How API Gateway reaches an authorizer function: its invocation URI, and a permission scoped to one authorizer of
 * one API (aws-cdk's own Lambda authorizers do the same).
 */

/** The URI through which API Gateway invokes `fn`. */
export function invocationUri(fn: lambda.IFunction): string {
  const stack = Stack.of(fn);
  return `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`;
}

/**
 * Lets API Gateway invoke `fn` for this one authorizer of this one API, nothing else. The permission is created as
 * `InvokePermission` under `scope` (the authorizer's per-API scope, in the API's stack).
 */
export function allowAuthorizerInvoke(fn: lambda.IFunction, scope: Construct, apiId: string, authorizerId: string): void {
  fn.addPermission('InvokePermission', {
    scope,
    principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    action: 'lambda:InvokeFunction',
    sourceArn: Stack.of(fn).formatArn({ service: 'execute-api', resource: apiId, resourceName: `authorizers/${authorizerId}` }),
  });
}
