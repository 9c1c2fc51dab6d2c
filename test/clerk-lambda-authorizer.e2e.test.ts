/**
 * End to end: what a user's stack does, judged from nothing but the synthesized cloud assembly.
 *
 * A stack with a REST API and an HTTP API protected by one ClerkLambdaAuthorizer (role predicate) is synthesized to a
 * temporary cdk.out. From the template alone the test takes the function (its `Handler`, its code directory through
 * the `aws:asset:path` metadata, its `Environment.Variables`) and the authorizers (type, identity source, validation
 * regex), loads that code in a fresh module instance with exactly that environment, and plays API Gateway: the
 * checks API Gateway makes before invoking (identity source present, validation regex), the invocation with real
 * events, and the mapping of the answer to a status (200, 401, 403; 500 would be a defect). Tokens are real RS256
 * tokens signed with a key pair made here, whose public PEM the construct was given.
 */
import * as fs from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { ClerkTokenType } from '../src/clerk-token-type';
import {
  bearer,
  fixTime,
  Handler,
  httpEvent,
  invoke,
  loadHandler,
  Invocation,
  restRequestEvent,
  restTokenEvent,
  STAGE_RESOURCE,
} from './util/handler';
import {
  m2mHeader,
  m2mPayload,
  oauthHeader,
  oauthPayload,
  OTHER_MACHINE_ID,
  TEST_CALLER_MACHINE,
  TEST_CLIENT_ID,
  TEST_MACHINE_ID,
  TEST_OAUTH_USER,
} from './util/machine-tokens';
import { clerkV2Payload, makeKeys, NOW, sessionHeader, signJwt, TEST_AZP, TEST_ISSUER, TestKeys } from './util/tokens';

/** The key pair of the "Clerk instance" of these tests; the construct gets its public PEM. */
const keys: TestKeys = makeKeys('ins_e2e');
/** Another instance's key: tokens signed with it are forgeries here. */
const otherKeys: TestKeys = makeKeys('ins_e2e');

/** The function, REST authorizer and HTTP authorizer as the cloud assembly describes them. */
interface Synthesized {
  readonly handler: Handler;
  readonly environment: Record<string, string>;
  readonly rest: { readonly Type: string; readonly IdentitySource?: string; readonly IdentityValidationExpression?: string };
  readonly http: { readonly IdentitySource?: string[]; readonly EnableSimpleResponses: boolean; readonly AuthorizerPayloadFormatVersion: string };
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack to a temporary cdk.out and reads back everything from there. */
function synthesize(props: Partial<ClerkLambdaAuthorizerProps>): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerk-e2e-'));
  outdirs.push(outdir);
  // Asset metadata on: what `cdk synth` writes by default and SAM/`cdk-assets` read to find a function's code.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'E2e', { env: { account: '123456789012', region: 'us-east-1' } });
  const clerk = new ClerkLambdaAuthorizer(stack, 'Admins', {
    issuer: TEST_ISSUER,
    authorizedParties: [TEST_AZP],
    predicate: ClaimPredicate.role('admin'),
    ...props,
  });
  const rest = new apigw.RestApi(stack, 'Rest');
  clerk.addMethod(rest.root.addResource('admin'), 'GET', new apigw.MockIntegration());
  const http = new apigwv2.HttpApi(stack, 'Http');
  clerk.addRoutes(http, { path: '/admin', integration: new HttpUrlIntegration('Backend', 'https://backend.example.com') });
  const assembly = app.synth();

  // From here on, only the files in cdk.out.
  const artifact = assembly.getStackByName('E2e');
  const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, artifact.templateFile), 'utf8'));
  const ofType = (type: string) => Object.values(template.Resources).filter((r: any) => r.Type === type) as any[];
  const functions = ofType('AWS::Lambda::Function');
  expect(functions).toHaveLength(1);
  const fn = functions[0];
  expect(fn.Metadata['aws:asset:property']).toBe('Code');
  const codeDir = path.join(assembly.directory, fn.Metadata['aws:asset:path']);
  const [file, exportName] = splitHandler(fn.Properties.Handler);
  const environment = fn.Properties.Environment.Variables as Record<string, unknown>;
  for (const [key, value] of Object.entries(environment)) {
    // A deploy-time value (Ref, GetAtt) would mean the template alone does not define the configuration.
    expect([key, typeof value]).toEqual([key, 'string']);
  }
  const restAuthorizers = ofType('AWS::ApiGateway::Authorizer');
  const httpAuthorizers = ofType('AWS::ApiGatewayV2::Authorizer');
  expect(restAuthorizers).toHaveLength(1);
  expect(httpAuthorizers).toHaveLength(1);
  return {
    handler: loadHandler(environment as Record<string, string>, path.join(codeDir, `${file}.js`), exportName),
    environment: environment as Record<string, string>,
    rest: restAuthorizers[0].Properties,
    http: httpAuthorizers[0].Properties,
  };
}

/** `index.handler` → [`index`, `handler`]. */
function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/** What API Gateway answers on the REST API, given the raw `Authorization` header (undefined: none sent). */
async function restGateway(s: Synthesized, authorization: string | undefined, cookie?: string): Promise<Invocation | 401> {
  if (s.rest.Type === 'TOKEN') {
    // TOKEN: a missing identity source, or one failing the validation regex, is a 401 without invocation.
    if (authorization === undefined || authorization === '') return 401;
    if (s.rest.IdentityValidationExpression !== undefined && !new RegExp(s.rest.IdentityValidationExpression).test(authorization)) {
      return 401;
    }
    return invoke(s.handler, restTokenEvent(authorization));
  }
  expect(s.rest.Type).toBe('REQUEST');
  expect(s.rest.IdentitySource).toBeUndefined(); // nothing to check before invoking
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.Authorization = authorization;
  if (cookie !== undefined) headers.Cookie = cookie;
  return invoke(s.handler, restRequestEvent(headers));
}

/** What API Gateway answers on the HTTP API (payload 2.0, simple responses). */
async function httpGateway(s: Synthesized, authorization: string | undefined, cookies?: string[]): Promise<Invocation | 401> {
  expect(s.http.AuthorizerPayloadFormatVersion).toBe('2.0');
  expect(s.http.EnableSimpleResponses).toBe(true);
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  // A listed identity source that is missing is a 401 without invocation.
  for (const source of s.http.IdentitySource ?? []) {
    const header = /^\$request\.header\.(.+)$/.exec(source)?.[1]?.toLowerCase();
    if (header === undefined || headers[header] === undefined || headers[header] === '') return 401;
  }
  return invoke(s.handler, httpEvent(headers, cookies));
}

function statusOf(answer: Invocation | 401): number {
  return answer === 401 ? 401 : answer.status;
}

function token(overrides: Record<string, unknown> = {}, signer: TestKeys = keys): string {
  return signJwt(sessionHeader('ins_e2e'), clerkV2Payload(overrides), signer.privateKey);
}

const admin = () => token({ metadata: { role: 'admin' } });
const member = () => token({ metadata: { role: 'member' } });

describe('ClerkLambdaAuthorizer end to end (PEM mode)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ publicKeyPem: keys.publicKeyPem });
  });
  beforeEach(() => {
    fixTime(NOW + 10);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('the function is configured from the template alone: issuer, PEM, azp, predicate', () => {
    expect(s.environment.CLERK_ISSUER).toBe(TEST_ISSUER);
    expect(s.environment.CLERK_PUBLIC_KEY_PEM).toBe(keys.publicKeyPem);
    expect(JSON.parse(s.environment.CLERK_AUTHORIZED_PARTIES)).toEqual([TEST_AZP]);
    expect(s.environment.CLERK_PREDICATE).toBe(ClaimPredicate.role('admin').toJson());
  });

  describe('REST API (TOKEN authorizer)', () => {
    test('a valid admin token is allowed (200) for the whole stage, with the claims in the context', async () => {
      const answer = await restGateway(s, bearer(admin()));
      expect(statusOf(answer)).toBe(200);
      const result = (answer as Invocation).result as any;
      expect(result.principalId).toBe('user_123');
      expect(result.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_RESOURCE }]);
      expect(result.context).toMatchObject({ userId: 'user_123', sessionId: 'sess_123', orgId: '' });
      expect(JSON.parse(result.context.claims).metadata).toEqual({ role: 'admin' });
      // logAllowedRequests defaults to false: an allow writes no line.
      expect((answer as Invocation).lines).toEqual([]);
    });

    test('a bare admin token (no Bearer) is allowed too', async () => {
      expect(statusOf(await restGateway(s, admin()))).toBe(200);
    });

    test('a valid token with the wrong role is denied (403)', async () => {
      const answer = await restGateway(s, bearer(member()));
      expect(statusOf(answer)).toBe(403);
      expect(((answer as Invocation).result as any).policyDocument.Statement[0]).toEqual({
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: STAGE_RESOURCE,
      });
      expect((answer as Invocation).logs).toEqual([expect.objectContaining({ decision: 'deny', reason: 'predicate_failed' })]);
    });

    test('no Authorization header: 401 from API Gateway, the function is not invoked', async () => {
      expect(await restGateway(s, undefined)).toBe(401);
    });

    test('a malformed header: 401 from the validation regex, the function is not invoked', async () => {
      expect(await restGateway(s, `Basic ${admin()}`)).toBe(401);
      expect(await restGateway(s, 'Bearer not-a-jwt')).toBe(401);
    });

    test.each([
      ['signed with another key', () => token({ metadata: { role: 'admin' } }, otherKeys), 'signature_invalid'],
      ['expired', () => token({ metadata: { role: 'admin' }, iat: NOW - 120, nbf: NOW - 125, exp: NOW - 60 }), 'expired'],
      ['from another issuer', () => token({ metadata: { role: 'admin' }, iss: 'https://clerk.evil.example' }), 'iss_mismatch'],
      ['minted for another origin', () => token({ metadata: { role: 'admin' }, azp: 'https://evil.example' }), 'azp_mismatch'],
      ['a pending session', () => token({ metadata: { role: 'admin' }, sts: 'pending' }), 'session_pending'],
      [
        'HS256-signed with the public key text',
        () => signJwt({ alg: 'HS256', typ: 'JWT', kid: 'ins_e2e' }, clerkV2Payload({ metadata: { role: 'admin' } }), keys.publicKeyPem),
        'alg_not_allowed',
      ],
    ])('a token %s is refused (401) by the function', async (_name, make, reason) => {
      const answer = await restGateway(s, bearer(make()));
      expect(statusOf(answer)).toBe(401);
      expect((answer as Invocation).error).toEqual(new Error('Unauthorized'));
      expect((answer as Invocation).logs).toEqual([expect.objectContaining({ decision: 'unauthorized', reason })]);
    });
  });

  describe('HTTP API (payload 2.0, simple responses)', () => {
    test('a valid admin token is authorized, with the claims in the context', async () => {
      const answer = await httpGateway(s, bearer(admin()));
      expect(statusOf(answer)).toBe(200);
      expect((answer as Invocation).result).toEqual({
        isAuthorized: true,
        context: expect.objectContaining({ userId: 'user_123', sessionId: 'sess_123' }),
      });
    });

    test('a valid token with the wrong role is not authorized (403)', async () => {
      const answer = await httpGateway(s, bearer(member()));
      expect((answer as Invocation).result).toEqual({ isAuthorized: false });
      expect(statusOf(answer)).toBe(403);
    });

    test('a forged token is not authorized (403: simple responses have no 401)', async () => {
      const answer = await httpGateway(s, bearer(token({ metadata: { role: 'admin' } }, otherKeys)));
      expect((answer as Invocation).result).toEqual({ isAuthorized: false });
      expect((answer as Invocation).logs).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'signature_invalid', event: 'HTTP2' })]);
    });

    test('no Authorization header: 401 from API Gateway, the function is not invoked', async () => {
      expect(await httpGateway(s, undefined)).toBe(401);
    });
  });
});

describe('ClerkLambdaAuthorizer end to end (sessionCookie)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ publicKeyPem: keys.publicKeyPem, sessionCookie: true });
  });
  beforeEach(() => {
    fixTime(NOW + 10);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('REST (REQUEST authorizer): the __session cookie of an admin is allowed', async () => {
    expect(statusOf(await restGateway(s, undefined, `theme=dark; __session=${admin()}`))).toBe(200);
  });

  test('REST: the __session cookie of a member is denied, no credentials at all are refused', async () => {
    expect(statusOf(await restGateway(s, undefined, `__session=${member()}`))).toBe(403);
    expect(statusOf(await restGateway(s, undefined, 'theme=dark'))).toBe(401);
  });

  test('REST: an Authorization header still works, and decides over the cookie', async () => {
    expect(statusOf(await restGateway(s, bearer(admin())))).toBe(200);
    expect(statusOf(await restGateway(s, bearer(member()), `__session=${admin()}`))).toBe(403);
  });

  test('HTTP: the __session cookie (in `cookies`) is read; without any credentials the answer is 403', async () => {
    expect(statusOf(await httpGateway(s, undefined, [`__session=${admin()}`]))).toBe(200);
    expect(statusOf(await httpGateway(s, undefined, [`__session=${member()}`]))).toBe(403);
    expect(statusOf(await httpGateway(s, undefined, []))).toBe(403);
  });
});

describe('ClerkLambdaAuthorizer end to end (JWKS mode, local JWKS server)', () => {
  let server: Server;
  let s: Synthesized;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [keys.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    s = synthesize({ jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json` });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    fixTime(NOW + 10);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('the keys come from the JWKS: admin allowed, member denied, forgery refused', async () => {
    expect(s.environment).not.toHaveProperty('CLERK_PUBLIC_KEY_PEM');
    expect(statusOf(await restGateway(s, bearer(admin())))).toBe(200);
    expect(statusOf(await restGateway(s, bearer(member())))).toBe(403);
    expect(statusOf(await restGateway(s, bearer(token({ metadata: { role: 'admin' } }, otherKeys))))).toBe(401);
    expect(statusOf(await httpGateway(s, bearer(admin())))).toBe(200);
  });
});

test('the function answers an event with an unparsable method ARN without a 500', async () => {
  const s = synthesize({ publicKeyPem: keys.publicKeyPem });
  fixTime(NOW + 10);
  try {
    const answer = await invoke(s.handler, restTokenEvent(bearer(admin()), 'not-an-arn'));
    expect(answer.status).toBe(401);
    expect(answer.logs).toEqual([expect.objectContaining({ decision: 'unauthorized', reason: 'event_unsupported' })]);
  } finally {
    jest.restoreAllMocks();
  }
});

describe('ClerkLambdaAuthorizer end to end: machine callers (OAuth access tokens, M2M tokens)', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({
      publicKeyPem: keys.publicKeyPem,
      acceptsToken: [ClerkTokenType.SESSION_TOKEN, ClerkTokenType.OAUTH_TOKEN, ClerkTokenType.M2M_TOKEN],
      machineId: TEST_MACHINE_ID,
      predicate: ClaimPredicate.anyOf(
        ClaimPredicate.allOf(ClaimPredicate.tokenType(ClerkTokenType.SESSION_TOKEN), ClaimPredicate.role('admin')),
        ClaimPredicate.scope('mcp:read'),
        ClaimPredicate.tokenType(ClerkTokenType.M2M_TOKEN),
      ),
    });
  });
  beforeEach(() => {
    fixTime(NOW + 10);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const oauth = (overrides: Record<string, unknown> = {}) => signJwt(oauthHeader({}, 'ins_e2e'), oauthPayload(overrides), keys.privateKey);
  const m2m = (overrides: Record<string, unknown> = {}) => signJwt(m2mHeader({}, 'ins_e2e'), m2mPayload(overrides), keys.privateKey);
  const gateways = [
    ['REST', (auth: string | undefined) => restGateway(s, auth), 401],
    ['HTTP', (auth: string | undefined) => httpGateway(s, auth), 403],
  ] as const;

  test('the accepted kinds and the machine id come from the template', () => {
    expect(JSON.parse(s.environment.CLERK_ACCEPTS_TOKEN)).toEqual(['session_token', 'oauth_token', 'm2m_token']);
    expect(s.environment.CLERK_MACHINE_ID).toBe(TEST_MACHINE_ID);
  });

  test.each(gateways)('%s: an MCP client\'s OAuth token granting mcp:read is allowed (200), naming the user and the client', async (_name, gateway) => {
    const answer = await gateway(bearer(oauth({ scope: 'mcp:read mcp:write' })));
    expect(statusOf(answer)).toBe(200);
    const context = ((answer as Invocation).result as any).context;
    expect(context).toMatchObject({ tokenType: 'oauth_token', userId: TEST_OAUTH_USER, clientId: TEST_CLIENT_ID, scopes: 'mcp:read mcp:write' });
  });

  test.each(gateways)('%s: an OAuth token without mcp:read is denied (403)', async (_name, gateway) => {
    const answer = await gateway(bearer(oauth({ scope: 'profile email' })));
    expect(statusOf(answer)).toBe(403);
    expect((answer as Invocation).logs).toEqual([expect.objectContaining({ decision: 'deny', reason: 'predicate_failed', tokenType: 'oauth_token' })]);
  });

  test.each(gateways)('%s: an M2M token listing this machine is allowed (200), naming the calling machine', async (_name, gateway) => {
    const answer = await gateway(bearer(m2m()));
    expect(statusOf(answer)).toBe(200);
    expect(((answer as Invocation).result as any).context).toMatchObject({ tokenType: 'm2m_token', machineId: TEST_CALLER_MACHINE, userId: '' });
  });

  test.each(gateways)('%s: an M2M token for another machine is refused', async (_name, gateway, refused) => {
    const answer = await gateway(bearer(m2m({ aud: [OTHER_MACHINE_ID], scopes: OTHER_MACHINE_ID })));
    expect(statusOf(answer)).toBe(refused);
    expect((answer as Invocation).logs).toEqual([expect.objectContaining({ reason: 'machine_id_mismatch' })]);
  });

  test.each(gateways)('%s: a session admin is still allowed, a session member denied', async (_name, gateway) => {
    expect(statusOf(await gateway(bearer(admin())))).toBe(200);
    expect(statusOf(await gateway(bearer(member())))).toBe(403);
  });

  test('an opaque token: REST answers 401 before invoking (not JWT-shaped); HTTP refuses it as token_opaque', async () => {
    expect(await restGateway(s, bearer('oat_8XOIucKvqHVr5tYP123456789abcdefghij'))).toBe(401);
    const answer = await httpGateway(s, bearer('oat_8XOIucKvqHVr5tYP123456789abcdefghij'));
    expect(statusOf(answer)).toBe(403);
    expect((answer as Invocation).logs).toEqual([expect.objectContaining({ reason: 'token_opaque' })]);
  });
});
