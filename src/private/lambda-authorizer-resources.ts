import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ClerkAuthorizerFunction } from '../clerk-authorizer-function';

/**
 * The Lambda authorizer's own resources, created once under the construct: the log group of its decision log, the
 * function's role and the function. Their ids (`LogGroup`, `ServiceRole`, `Function`) are in deployed templates.
 */

/** The log group the construct creates when the user brings none. */
export function createLogGroup(scope: Construct, logRetention: logs.RetentionDays | undefined): logs.LogGroup {
  return new logs.LogGroup(scope, 'LogGroup', {
    retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
}

/**
 * A role of our own instead of the AWSLambdaBasicExecutionRole managed policy: the function may write to its log
 * group and nothing else.
 */
export function createServiceRole(scope: Construct, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Clerk authorizer function: writes its own log group, nothing else',
  });
  logGroup.grantWrite(role);
  return role;
}

/** What the function is made of: the validated props and the resources created before it. */
export interface AuthorizerFunctionOptions {
  readonly architecture?: lambda.Architecture;
  readonly memorySize: number;
  readonly reservedConcurrentExecutions?: number;
  readonly environment: Record<string, string>;
  readonly logGroup: logs.ILogGroup;
  readonly role: iam.IRole;
}

/** The function that verifies tokens: the prebundled handler, nothing bundled at synth. */
export function createAuthorizerFunction(scope: Construct, options: AuthorizerFunctionOptions): ClerkAuthorizerFunction {
  return new ClerkAuthorizerFunction(scope, 'Function', {
    description: 'Verifies Clerk session tokens for API Gateway (cdk-clerk-authorizers)',
    architecture: options.architecture ?? lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    // Only when set: an explicit undefined would still show up in the construct's metadata.
    ...(options.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions } : {}),
    // The handler answers well within this: a cold start plus one JWKS fetch, whose own timeout is 1.5 s. API
    // Gateway waits at most 10 s for an authorizer.
    timeout: Duration.seconds(5),
    environment: options.environment,
    logGroup: options.logGroup,
    // Every line a JSON event (the decision records under `message`): what lets a metric filter read the reason code
    // (`metricRefusals({ reason })`); JSON patterns do not apply to the Text format's prefixed lines.
    loggingFormat: lambda.LoggingFormat.JSON,
    role: options.role,
  });
}
