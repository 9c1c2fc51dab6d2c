/**
 * Integration test: one `ClerkLambdaAuthorizer` (role predicate `admin`) protecting a REST API (TOKEN authorizer) and
 * an HTTP API (payload 2.0, simple responses) with one function. The backend echoes the authorizer context.
 *
 * OFFLINE (part of `npx projen build`): test/integ-snapshots.test.ts synthesizes this app and compares it with the
 * committed snapshot in test/integ.lambda-authorizer.ts.snapshot/ (asset hashes ignored). After an intended change,
 * regenerate the snapshots offline with `npx projen integ:update`.
 *
 * DEPLOYED (an AWS account with `cdk bootstrap` done; creates and then destroys the stacks; the deployed assertions
 * have not yet been run from this repository, which has no AWS account: the offline snapshot is what CI checks):
 *
 *   npx projen bundle
 *   npx integ-runner --directory test --language typescript --parallel-regions us-east-1 \
 *     --app "node -r ts-node/register/transpile-only {filePath}" --force --update-on-failed integ.lambda-authorizer.ts
 *
 * Without a Clerk instance the deployed assertions check what needs no valid token, against real API Gateway: no
 * token → 401 (REST, HTTP), a token that is not a JWT → 401 (REST validation regex), a well-formed token with a bad
 * signature → 401 on REST (the function throws exactly `Unauthorized`, not a 500) and 403 on the HTTP API, the
 * 401's decision record in the runtime's ERROR line in the function's log group (JSON log format), the per-reason
 * refusal metric its metric filter publishes (the filters and the recommended alarms are deployed, so CloudWatch
 * validates their patterns), and CORS preflights → 204 without reaching the authorizer. With a Clerk instance, set before running integ-runner:
 *
 *   CLERK_INTEG_ISSUER          your Frontend API URL, e.g. https://<slug>.clerk.accounts.dev
 *   CLERK_INTEG_PUBLIC_KEY_PEM  optional: the "PEM Public Key" (else the function fetches <issuer>/.well-known/jwks.json)
 *   CLERK_INTEG_ADMIN_TOKEN     a session token of a user whose public metadata has {"role": "admin"}
 *   CLERK_INTEG_MEMBER_TOKEN    a session token of a user without that role
 *
 * and the assertions also expect 200 (with the user id reaching the backend) and 403. The session token must carry
 * `metadata` (Clerk Dashboard → Sessions → Customize session token: {"metadata": "{{user.public_metadata}}"}).
 * Browser tokens live 60 s, too short for a deployment; mint one that lives an hour with the Backend API:
 *
 *   curl -s -X POST https://api.clerk.com/v1/sessions/$SESSION_ID/tokens -H "Authorization: Bearer $CLERK_SECRET_KEY" \
 *     -H 'Content-Type: application/json' -d '{"expires_in_seconds": 3600}' | jq -r .jwt
 *
 * integ-tests-alpha's assertion function logs each request it makes, headers included, to its log group in your
 * account: use a test user, and tokens that expire soon.
 *
 * Tokens minted by the Backend API carry no `azp`, so this test sets no `authorizedParties` (its check is covered by
 * the unit tests and `npm run demo`). A deploy run with these variables rewrites the snapshot with your issuer and
 * tokens: do not commit it; restore it with `git checkout test/integ.lambda-authorizer.ts.snapshot`.
 *
 * MANUAL CHECK of a deployed stack (`--no-clean` keeps it; URLs are the stack outputs):
 *
 *   curl -i $REST_URL/admin                                      → 401 {"message":"Unauthorized"}
 *   curl -i -H "Authorization: Bearer $ADMIN_TOKEN" $REST_URL/admin  → 200, body authorizer.userId = the user id
 *   curl -i -H "Authorization: Bearer $MEMBER_TOKEN" $REST_URL/admin → 403 {"Message":"User is not authorized ..."}
 *   curl -i $HTTP_URL/admin                                      → 401 {"message":"Unauthorized"}
 *   curl -i -H "Authorization: Bearer $ADMIN_TOKEN" $HTTP_URL/admin  → 200, body authorizer.lambda.userId
 *   curl -i -H "Authorization: Bearer $MEMBER_TOKEN" $HTTP_URL/admin → 403 {"message":"Forbidden"}
 *
 * and the function's log group holds a record per refusal, e.g. {..."message":{"decision":"deny","reason":"predicate_failed",...}}
 * (a REST 401's inside the runtime's ERROR line, with the error's errorType, errorMessage and stackTrace).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ClaimPredicate, ClerkLambdaAuthorizer } from '../src';

/**
 * The stand-in Clerk instance of the offline snapshot and of a deploy run without Clerk: a public key whose private
 * half was thrown away when it was generated, so no valid token exists for it.
 */
const PLACEHOLDER_ISSUER = 'https://clerk.example.com';
const PLACEHOLDER_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAovUWGLGgccjWpQ7iFO9u
K70InPNgHq0lyyRl1/VZp//jKr6tk3wzjcbqbKvORwPzlXlrmqcgR7JoTTflOXr/
RGcRT0WNtx/D+VVEsY9y4FOTXqAreroDE0QbMjthfpTTUAUv9GDh8qIyOXrHPzZZ
xcYatdnpVGX3E48rUZXBezgdYkK8U5c7iZ5dUKIjO/43PeyU2TnbC8Ixbixl2bSa
8BhBDOmxkBvqaY8g3FjS+4M9/yGBkVLJ8rwdXUDJImv/joRE4ka6cHNuEPpZmhnO
s/dfTwg3aNGoblCjzrpV3gJP3seVvyt28cXbR4th3VrJfzOkcfnZNFHCTQV2ktmv
fQIDAQAB
-----END PUBLIC KEY-----
`;

const env = process.env;
const issuer = env.CLERK_INTEG_ISSUER ?? PLACEHOLDER_ISSUER;
const publicKeyPem = env.CLERK_INTEG_ISSUER === undefined ? PLACEHOLDER_PUBLIC_KEY_PEM : env.CLERK_INTEG_PUBLIC_KEY_PEM;

/** A well-formed Clerk-like session token for `issuer` whose signature is wrong (256 zero bytes). */
function badSignatureToken(iss: string): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid: 'ins_integ', typ: 'JWT' };
  const payload = {
    azp: 'https://app.example.com',
    exp: 4102444800,
    iat: 1767225600,
    iss,
    nbf: 1767225595,
    sid: 'sess_integ',
    sts: 'active',
    sub: 'user_integ',
    v: 2,
    metadata: { role: 'admin' },
  };
  return `${b64(header)}.${b64(payload)}.${Buffer.alloc(256).toString('base64url')}`;
}

const app = new App();
const stack = new Stack(app, 'ClerkLambdaAuthorizerInteg');

const backend = new lambda.Function(stack, 'Backend', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromInline(
    'exports.handler = async (event) => ({ statusCode: 200, headers: { "content-type": "application/json" }, ' +
      'body: JSON.stringify({ authorizer: event.requestContext.authorizer }) });',
  ),
});

const admins = new ClerkLambdaAuthorizer(stack, 'Admins', {
  issuer,
  publicKeyPem,
  predicate: ClaimPredicate.role('admin'),
});

const restApi = new apigw.RestApi(stack, 'RestApi', {
  defaultCorsPreflightOptions: { allowOrigins: ['https://app.example.com'], allowHeaders: ['Authorization'] },
});
admins.addMethod(restApi.root.addResource('admin'), 'GET', new apigw.LambdaIntegration(backend));
// The metric filters and alarms, deployed: CloudWatch Logs validates the filter patterns when it creates them.
admins.addRecommendedAlarms();
admins.metricRefusals({ reason: 'signature_invalid' });
admins.metricDenials();

const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', {
  corsPreflight: {
    allowOrigins: ['https://app.example.com'],
    allowHeaders: ['authorization'],
    allowMethods: [apigwv2.CorsHttpMethod.GET],
  },
});
admins.addRoutes(httpApi, {
  path: '/admin',
  methods: [apigwv2.HttpMethod.GET],
  integration: new HttpLambdaIntegration('Backend', backend),
});

const restUrl = restApi.urlForPath('/admin');
const httpUrl = `${httpApi.apiEndpoint}/admin`;
new CfnOutput(stack, 'RestAdminUrl', { value: restUrl });
new CfnOutput(stack, 'HttpAdminUrl', { value: httpUrl });

const integ = new IntegTest(app, 'ClerkLambdaAuthorizerTest', {
  testCases: [stack],
  // The handler bundle changes with every handler commit; its hash is not what this test pins.
  diffAssets: false,
  // The snapshot does not keep asset directories (see test/integ-snapshots.test.ts), so it cannot be deployed first.
  stackUpdateWorkflow: false,
});

const status = (code: number) => ExpectedResult.objectLike({ status: code });
const get = (url: string, authorization?: string) =>
  integ.assertions.httpApiCall(url, authorization === undefined ? {} : { headers: { Authorization: authorization } });
const preflight = (url: string) =>
  integ.assertions.httpApiCall(url, {
    method: 'OPTIONS',
    headers: { 'Origin': 'https://app.example.com', 'Access-Control-Request-Method': 'GET' },
  });

const forged = `Bearer ${badSignatureToken(issuer)}`;
get(restUrl).expect(status(401));
get(restUrl, 'Bearer not-a-jwt').expect(status(401));
const forgedRest = get(restUrl, forged);
forgedRest.expect(status(401));
// The 401's decision record rides on the thrown error, in the ERROR line the Lambda runtime writes for it (JSON log
// format: the error, with the record's members, is the line's `message`); the handler writes no line of its own.
// Checked here against a real runtime: after the forged REST request, such a line (with the reason:
// signature_invalid with the placeholder PEM, kid_unknown in JWKS mode) must reach the function's log group, found
// with the Refusals metric filter's own pattern. Log delivery takes a few seconds, hence the waiter. Then the
// per-reason metric filter (a JSON pattern, `$.message.reason`) must have published the Refusals metric with a Reason
// dimension: ListMetrics can take up to 15 minutes to show a new metric.
forgedRest
  .next(
    integ.assertions
      .awsApiCall('CloudWatchLogs', 'filterLogEvents', {
        logGroupName: admins.logGroup.logGroupName,
        filterPattern: '"\\"decision\\":\\"unauthorized\\""',
      })
      .expect(
        ExpectedResult.objectLike({
          events: Match.arrayWith([
            Match.objectLike({
              message: Match.stringLikeRegexp('"level":"ERROR".*"message":\\{"errorType":"Error","errorMessage":"Unauthorized",.*"decision":"unauthorized","reason":"[a-z_]+"'),
            }),
          ]),
        }),
      )
      .waitForAssertions({ totalTimeout: Duration.minutes(3), interval: Duration.seconds(15) }),
  )
  .next(
    integ.assertions
      .awsApiCall('CloudWatch', 'listMetrics', {
        Namespace: `CdkClerkAuthorizers/${admins.function.functionName}`,
        MetricName: 'Refusals',
        Dimensions: [{ Name: 'Reason' }],
      })
      .expect(ExpectedResult.objectLike({ Metrics: Match.arrayWith([Match.objectLike({ MetricName: 'Refusals' })]) }))
      .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.minutes(1) }),
  );
preflight(restUrl).expect(status(204));
get(httpUrl).expect(status(401));
get(httpUrl, forged).expect(status(403));
preflight(httpUrl).expect(status(204));

// With a Clerk instance: the real thing. The expected user id is read from the token (its payload is not secret).
const subOf = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).sub;
if (env.CLERK_INTEG_ADMIN_TOKEN !== undefined) {
  const admin = env.CLERK_INTEG_ADMIN_TOKEN;
  const userId = subOf(admin);
  get(restUrl, `Bearer ${admin}`).expect(ExpectedResult.objectLike({ status: 200, body: { authorizer: { userId } } }));
  get(httpUrl, `Bearer ${admin}`).expect(ExpectedResult.objectLike({ status: 200, body: { authorizer: { lambda: { userId } } } }));
}
if (env.CLERK_INTEG_MEMBER_TOKEN !== undefined) {
  const member = `Bearer ${env.CLERK_INTEG_MEMBER_TOKEN}`;
  get(restUrl, member).expect(status(403));
  get(httpUrl, member).expect(status(403));
}
