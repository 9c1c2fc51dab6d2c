/**
 * cdk-nag (2.38) AwsSolutions checks over a stack that uses ClerkLambdaAuthorizer on a REST and an HTTP API.
 *
 * Every finding is collected through a logger and the test asserts the complete list, so a new finding (a new
 * cdk-nag rule, or a change to the construct) fails it and gets reviewed. The rule: nothing the construct could fix
 * remains. What remains is suppressed here, each with its reason:
 *
 * - On the test's own APIs (fixtures, the user's resources; not the construct's to change): APIG1 (access logging),
 *   APIG2 (request validation), APIG3 (WAF), APIG6 (stage logging), IAM4 on the CloudWatch role `RestApi` creates.
 * - AwsSolutions-COG4 on every method `addMethod` creates: "The API GW method does not use a Cognito user pool
 *   authorizer". The method is protected by the Clerk Lambda authorizer, which verifies Clerk session tokens; a
 *   Cognito user pool authorizer cannot verify them, so there is nothing to fix.
 *
 * On the construct's own resources (function, role, policy, log group, authorizers, permissions, gateway responses,
 * metric filters, alarms) there must be no finding at all, suppressed or not: the function runs the newest Node
 * runtime (L1), its role has no managed policy (IAM4) and only `logs:CreateLogStream`/`logs:PutLogEvents` on its own log group (IAM5 does not
 * flag the log group's `Arn` attribute).
 */
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AwsSolutionsChecks,
  INagLogger,
  NagLoggerComplianceData,
  NagLoggerErrorData,
  NagLoggerNonComplianceData,
  NagLoggerSuppressedData,
  NagSuppressions,
} from 'cdk-nag';
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { testKeys } from './util/tokens';

/** Collects every cdk-nag verdict as `<rule> <construct path>` lines. */
class Collector implements INagLogger {
  public readonly compliant: string[] = [];
  public readonly nonCompliant: string[] = [];
  public readonly suppressed: string[] = [];
  public readonly errors: string[] = [];

  public onCompliance(data: NagLoggerComplianceData): void {
    this.compliant.push(`${data.ruleId} ${data.resource.node.path}`);
  }
  public onNonCompliance(data: NagLoggerNonComplianceData): void {
    this.nonCompliant.push(`${data.ruleId} ${data.resource.node.path}${data.findingId ? ` [${data.findingId}]` : ''}`);
  }
  public onSuppressed(data: NagLoggerSuppressedData): void {
    this.suppressed.push(`${data.ruleId} ${data.resource.node.path}`);
  }
  public onError(data: NagLoggerErrorData): void {
    this.errors.push(`${data.ruleId} ${data.resource.node.path}: ${data.errorMessage}`);
  }
  public onSuppressedError(data: NagLoggerErrorData): void {
    this.errors.push(`${data.ruleId} ${data.resource.node.path} (suppressed): ${data.errorMessage}`);
  }
  public onNotApplicable(): void {}
}

const FIXTURE_REASON = 'Test fixture: the API belongs to the user of the construct, which neither creates nor configures it';
const COG4_REASON =
  'Protected by the Clerk Lambda authorizer (verifies Clerk session tokens); a Cognito user pool authorizer cannot verify them';

function nag(props: Partial<ClerkLambdaAuthorizerProps>): { collector: Collector; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const collector = new Collector();
  Aspects.of(app).add(new AwsSolutionsChecks({ reports: false, additionalLoggers: [collector] }));

  const clerk = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: 'https://clerk.example.com', ...props });
  const rest = new apigw.RestApi(stack, 'Rest', {
    defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'] },
  });
  const methods = [
    clerk.addMethod(rest.root.addResource('admin'), 'GET', new apigw.MockIntegration()),
    clerk.addMethod(rest.root.getResource('admin')!.addResource('{id}'), 'ANY', new apigw.MockIntegration()),
  ];
  const http = new apigwv2.HttpApi(stack, 'Http', { corsPreflight: { allowOrigins: ['https://app.example.com'] } });
  clerk.addRoutes(http, { path: '/admin', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
  // The metric filters and alarms are the construct's own resources too.
  clerk.addRecommendedAlarms();
  clerk.metricRefusals({ reason: 'expired' });
  clerk.metricDenials();

  NagSuppressions.addResourceSuppressions(rest, [
    { id: 'AwsSolutions-APIG1', reason: FIXTURE_REASON },
    { id: 'AwsSolutions-APIG2', reason: FIXTURE_REASON },
    { id: 'AwsSolutions-APIG3', reason: FIXTURE_REASON },
    { id: 'AwsSolutions-APIG6', reason: FIXTURE_REASON },
    {
      id: 'AwsSolutions-IAM4',
      reason: FIXTURE_REASON,
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
    },
  ], true);
  NagSuppressions.addResourceSuppressions(http, [{ id: 'AwsSolutions-APIG1', reason: FIXTURE_REASON }], true);
  NagSuppressions.addResourceSuppressions(methods, [{ id: 'AwsSolutions-COG4', reason: COG4_REASON }]);

  app.synth();
  return { collector, stack };
}

describe.each([
  ['PEM mode, TOKEN authorizer, predicate', { publicKeyPem: testKeys().publicKeyPem, predicate: ClaimPredicate.role('admin') }],
  ['JWKS mode, sessionCookie (REQUEST authorizer)', { sessionCookie: true, authorizedParties: ['https://app.example.com'] }],
] as Array<[string, Partial<ClerkLambdaAuthorizerProps>]>)('cdk-nag AwsSolutions, %s', (_name, props) => {
  let collector: Collector;
  beforeAll(() => {
    collector = nag(props).collector;
  });

  test('reports no unsuppressed finding and no rule error', () => {
    expect(collector.nonCompliant).toEqual([]);
    expect(collector.errors).toEqual([]);
  });

  test("reports nothing on the construct's own resources, suppressed or not", () => {
    const own = [...collector.nonCompliant, ...collector.suppressed].filter((f) => f.split(' ')[1].startsWith('Stack/Clerk/'));
    expect(own).toEqual([]);
  });

  test('suppresses exactly the documented findings', () => {
    expect([...collector.suppressed].sort()).toEqual(
      [
        'AwsSolutions-APIG2 Stack/Rest/Resource',
        'AwsSolutions-IAM4 Stack/Rest/CloudWatchRole/Resource',
        'AwsSolutions-APIG1 Stack/Rest/DeploymentStage.prod/Resource',
        'AwsSolutions-APIG3 Stack/Rest/DeploymentStage.prod/Resource',
        'AwsSolutions-APIG6 Stack/Rest/DeploymentStage.prod/Resource',
        'AwsSolutions-APIG1 Stack/Http/DefaultStage/Resource',
        'AwsSolutions-COG4 Stack/Rest/Default/admin/GET/Resource',
        'AwsSolutions-COG4 Stack/Rest/Default/admin/{id}/ANY/Resource',
      ].sort(),
    );
  });

  test("the checks did run on the construct's resources (and found them compliant)", () => {
    expect(collector.compliant).toEqual(
      expect.arrayContaining([
        'AwsSolutions-L1 Stack/Clerk/Function/Resource',
        'AwsSolutions-IAM4 Stack/Clerk/ServiceRole/Resource',
        'AwsSolutions-IAM5 Stack/Clerk/ServiceRole/DefaultPolicy/Resource',
      ]),
    );
  });
});
