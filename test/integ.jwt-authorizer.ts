/**
 * Integration test: `ClerkJwtAuthorizer` (API Gateway's native JWT authorizer) on an HTTP API with CORS, protecting
 * `GET /me` and `ANY /items/{proxy+}` (expanded without OPTIONS). The backend echoes what the authorizer passed on.
 *
 * OFFLINE (part of `npx projen build`): test/integ-snapshots.test.ts synthesizes this app and compares it with the
 * committed snapshot in test/integ.jwt-authorizer.ts.snapshot/ (asset hashes ignored). After an intended change,
 * regenerate the snapshots offline with `npx projen integ:update`.
 *
 * DEPLOYED (an AWS account with `cdk bootstrap` done; creates and then destroys the stacks; the deployed assertions
 * have not yet been run from this repository, which has no AWS account: the offline snapshot is what CI checks):
 *
 *   npx projen bundle
 *   npx integ-runner --directory test --language typescript --parallel-regions us-east-1 \
 *     --app "node -r ts-node/register/transpile-only {filePath}" --force --update-on-failed integ.jwt-authorizer.ts
 *
 * Without a Clerk instance the deployed assertions check, against real API Gateway, what needs no valid token: no
 * token → 401, a forged token → 401, and a CORS preflight on a protected path → 204 (it never reaches the
 * authorizer). With a Clerk instance, set before running integ-runner:
 *
 *   CLERK_INTEG_ISSUER    your Frontend API URL, e.g. https://<slug>.clerk.accounts.dev
 *   CLERK_INTEG_AUDIENCE  the `aud` your session tokens carry (Clerk Dashboard → Sessions → Customize session token:
 *                         {"aud": "<value>"}); default cdk-clerk-authorizers-integ
 *   CLERK_INTEG_TOKEN     a session token of any user of that instance
 *
 * and the assertions also expect 200 with the token's `sub` in `requestContext.authorizer.jwt.claims`. Browser
 * tokens live 60 s, too short for a deployment; mint one that lives an hour with the Backend API:
 *
 *   curl -s -X POST https://api.clerk.com/v1/sessions/$SESSION_ID/tokens -H "Authorization: Bearer $CLERK_SECRET_KEY" \
 *     -H 'Content-Type: application/json' -d '{"expires_in_seconds": 3600}' | jq -r .jwt
 *
 * integ-tests-alpha's assertion function logs each request it makes, headers included, to its log group in your
 * account: use a test user, and tokens that expire soon.
 *
 * A deploy run with these variables rewrites the snapshot with your issuer and token: do not commit it; restore it
 * with `git checkout test/integ.jwt-authorizer.ts.snapshot`.
 *
 * MANUAL CHECK of a deployed stack (`--no-clean` keeps it; URL is the stack output):
 *
 *   curl -i $URL/me                                  → 401, www-authenticate: Bearer
 *   curl -i -H "Authorization: Bearer $TOKEN" $URL/me   → 200, body authorizer.jwt.claims.sub = the user id
 *   curl -i -H "Authorization: Bearer $TOKEN_WITHOUT_AUD" $URL/me → 401 (error_description names the audience)
 *   curl -i -X OPTIONS -H "Origin: https://app.example.com" -H "Access-Control-Request-Method: GET" $URL/me → 204
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ClerkJwtAuthorizer } from '../src';

const env = process.env;
const issuer = env.CLERK_INTEG_ISSUER ?? 'https://clerk.example.com';
const audience = env.CLERK_INTEG_AUDIENCE ?? 'cdk-clerk-authorizers-integ';

/** A well-formed Clerk-like session token for `iss` and `aud` whose signature is wrong (256 zero bytes). */
function badSignatureToken(iss: string, aud: string): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid: 'ins_integ', typ: 'JWT' };
  const payload = {
    aud,
    azp: 'https://app.example.com',
    exp: 4102444800,
    iat: 1767225600,
    iss,
    nbf: 1767225595,
    sid: 'sess_integ',
    sts: 'active',
    sub: 'user_integ',
    v: 2,
  };
  return `${b64(header)}.${b64(payload)}.${Buffer.alloc(256).toString('base64url')}`;
}

const app = new App();
const stack = new Stack(app, 'ClerkJwtAuthorizerInteg');

const backend = new lambda.Function(stack, 'Backend', {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromInline(
    'exports.handler = async (event) => ({ statusCode: 200, headers: { "content-type": "application/json" }, ' +
      'body: JSON.stringify({ authorizer: event.requestContext.authorizer }) });',
  ),
});

const httpApi = new apigwv2.HttpApi(stack, 'HttpApi', {
  corsPreflight: {
    allowOrigins: ['https://app.example.com'],
    allowHeaders: ['authorization'],
    allowMethods: [apigwv2.CorsHttpMethod.ANY],
  },
});
const clerk = new ClerkJwtAuthorizer(stack, 'Clerk', { issuer, audience: [audience] });
const integration = new HttpLambdaIntegration('Backend', backend);
clerk.addRoutes(httpApi, { path: '/me', methods: [apigwv2.HttpMethod.GET], integration });
clerk.addRoutes(httpApi, { path: '/items/{proxy+}', integration });

const meUrl = `${httpApi.apiEndpoint}/me`;
new CfnOutput(stack, 'MeUrl', { value: meUrl });

const integ = new IntegTest(app, 'ClerkJwtAuthorizerTest', {
  testCases: [stack],
  diffAssets: false,
  // The snapshot does not keep asset directories (see test/integ-snapshots.test.ts), so it cannot be deployed first.
  stackUpdateWorkflow: false,
});

const status = (code: number) => ExpectedResult.objectLike({ status: code });
integ.assertions.httpApiCall(meUrl).expect(status(401));
integ.assertions
  .httpApiCall(meUrl, { headers: { Authorization: `Bearer ${badSignatureToken(issuer, audience)}` } })
  .expect(status(401));
integ.assertions
  .httpApiCall(`${httpApi.apiEndpoint}/items/42`, {
    method: 'OPTIONS',
    headers: { 'Origin': 'https://app.example.com', 'Access-Control-Request-Method': 'DELETE' },
  })
  .expect(status(204));

// With a Clerk instance: the real thing. The expected user id is read from the token (its payload is not secret).
if (env.CLERK_INTEG_TOKEN !== undefined) {
  const token = env.CLERK_INTEG_TOKEN;
  const sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub;
  integ.assertions
    .httpApiCall(meUrl, { headers: { Authorization: `Bearer ${token}` } })
    .expect(ExpectedResult.objectLike({ status: 200, body: { authorizer: { jwt: { claims: { sub } } } } }));
}
