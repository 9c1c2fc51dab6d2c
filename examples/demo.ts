/**
 * `npm run demo`: synthesizes the example app (examples/app.ts) and exercises its authorizers the way API Gateway
 * would, with no AWS account, no Clerk instance and no network.
 *
 * 1. A demo RSA key pair stands in for the Clerk instance key; its public PEM goes into the app as `publicKeyPem`.
 * 2. The app is synthesized in-process into a temporary cloud assembly.
 * 3. For every Lambda authorizer route, the demo reads from the synthesized template which function API Gateway
 *    would invoke, loads that function's code from the cloud assembly (the asset that `cdk deploy` would upload) with
 *    the environment the template gives it, and applies the API Gateway checks that happen before any invocation
 *    (identity source present, REST identity validation expression).
 * 4. It signs tokens like Clerk's (session token v2 claims, `azp`, `sid`, `sts`, organization claims `o.rol`/`o.per`/
 *    `o.fpm` with `fea`, custom `metadata.role`), plus the tokens an attacker or a misconfiguration produces, sends
 *    REST TOKEN and HTTP API 2.0 events, and prints what API Gateway would answer with the reason code from the
 *    function's own decision log line. Tokens are never printed.
 * 5. For the native JWT authorizer there is no code to run: it prints what the template configures and what API
 *    Gateway does with it.
 *
 * Exits 1 if any outcome differs from the expected one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ClerkExampleStack } from './app';
import { bearer, httpEvent, invoke, loadHandler, restTokenEvent } from '../test/util/handler';
import { evaluatePolicy } from '../test/util/iam-policy';
import { m2mHeader, m2mPayload, oauthHeader, oauthPayload } from '../test/util/machine-tokens';
import { clerkV1Payload, clerkV2Payload, makeKeys, sessionHeader, signJwt, TEMPLATE_CATEGORY } from '../test/util/tokens';

/** The demo Clerk instance and app. */
const ISSUER = 'https://clerk.example.com';
const APP_ORIGIN = 'https://app.example.com';
const AUDIENCE = 'example-api';
const KID = 'ins_demo';
/** The demo MCP server's URL (RFC 8707 resource) and the demo API's Clerk machine id. */
const MCP_RESOURCE = 'https://mcp.example.com';
const MACHINE_ID = 'mch_2demoApiMachine';
/** Where the demo pretends the stack is deployed (only used to build ARNs in events). */
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

type Status = 200 | 401 | 403 | 500;

/** A CloudFormation resource, as much of it as the demo reads. */
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** One row of the table: a request, the token it carries, and what API Gateway must answer. */
interface Scenario {
  readonly api: string;
  readonly route: string;
  readonly token: string;
  /** The Authorization header, or undefined for none. */
  readonly authorization?: string;
  readonly expect: Status;
  readonly reason: string;
}

/** What happened to a scenario. */
interface Outcome {
  readonly status: Status;
  readonly reason: string;
  readonly backend: string;
}

async function main(): Promise<number> {
  const started = Date.now();
  const now = Math.floor(started / 1000);

  // 1. The key pair standing in for the Clerk instance's, and an attacker's key.
  const clerk = makeKeys(KID);
  const attacker = makeKeys(KID);

  // 2. Synthesize the consumer app in-process.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerk-demo-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
    new ClerkExampleStack(app, 'ClerkExample', {
      issuer: ISSUER,
      publicKeyPem: clerk.publicKeyPem,
      audience: AUDIENCE,
      appOrigins: [APP_ORIGIN],
      mcpResource: MCP_RESOURCE,
      machineId: MACHINE_ID,
    });
    const assembly = app.synth();
    const stack = assembly.getStackByName('ClerkExample');
    const template = new Template(stack);

    console.log(`Synthesized examples/app.ts in ${Date.now() - started} ms: ${Object.keys(template.resources).length} resources in stack ${stack.stackName}.`);
    console.log(`Demo Clerk instance: issuer ${ISSUER}, key ${KID} (RSA-2048, generated now), app origin ${APP_ORIGIN}.\n`);

    // 3. The native JWT authorizer: configuration only.
    describeJwtAuthorizers(template);

    // 4. The Lambda authorizers: run the synthesized functions.
    const sign = (payload: Record<string, unknown>, header = sessionHeader(KID), key = clerk.privateKey) =>
      bearer(signJwt(header, payload, key));
    const session = (overrides: Record<string, unknown> = {}) =>
      clerkV2Payload({ iss: ISSUER, azp: APP_ORIGIN, sub: 'user_2admin', sid: 'sess_2admin', ...overrides }, now);
    const admin = sign(session({ metadata: { role: 'admin' } }));
    const member = sign(session({ sub: 'user_2member', sid: 'sess_2member', metadata: { role: 'member' } }));
    const expired = sign(session({ metadata: { role: 'admin' }, iat: now - 120, nbf: now - 125, exp: now - 60 }));
    const hs256 = bearer(signJwt({ alg: 'HS256', kid: KID, typ: 'JWT' }, session({ metadata: { role: 'admin' } }), clerk.publicKeyPem));
    const otherKey = sign(session({ metadata: { role: 'admin' } }), sessionHeader(KID), attacker.privateKey);
    const otherOrigin = sign(session({ metadata: { role: 'admin' }, azp: 'https://evil.example.net' }));
    const template60 = sign(
      session({ metadata: { role: 'admin' }, sid: undefined, sts: undefined, v: undefined, exp: now + 3600 }),
      { alg: 'RS256', cat: TEMPLATE_CATEGORY, kid: KID, typ: 'JWT' },
    );
    const pending = sign(session({ metadata: { role: 'admin' }, sts: 'pending' }));
    const bare = signJwt(sessionHeader(KID), session({ metadata: { role: 'admin' } }), clerk.privateKey);
    // Organization claims, v2: `fea` lists the org features, `o.per` the permission names, `o.fpm` one bitmask per
    // feature (bit i = per[i]). fpm "1" on feature invoices = org:invoices:read; "2" = org:invoices:write only.
    const accountant = sign(session({
      sub: 'user_2accountant',
      sid: 'sess_2accountant',
      fea: 'o:invoices',
      o: { id: 'org_2acme', slg: 'acme', rol: 'accountant', per: 'read,write', fpm: '1' },
    }));
    const writerOnly = sign(session({
      sub: 'user_2clerk',
      sid: 'sess_2clerk',
      fea: 'o:invoices',
      o: { id: 'org_2acme', slg: 'acme', rol: 'clerk', per: 'read,write', fpm: '2' },
    }));
    const noOrg = sign(session({ sub: 'user_2solo', sid: 'sess_2solo' }));
    const v1Org = sign(clerkV1Payload({
      iss: ISSUER,
      azp: APP_ORIGIN,
      sub: 'user_1legacy',
      sid: 'sess_1legacy',
      org_id: 'org_2acme',
      org_role: 'org:accountant',
      org_slug: 'acme',
      org_permissions: ['org:invoices:read'],
    }, now));

    // Machine callers, Clerk's JWT shapes: an MCP client's OAuth access token (typ at+jwt, bound to the MCP resource by
    // aud), and an M2M token from another machine listing this API's machine.
    const mcpToken = (overrides: Record<string, unknown>) =>
      sign(oauthPayload({ iss: ISSUER, sub: 'user_2admin', client_id: 'client_2claude', aud: MCP_RESOURCE, ...overrides }, now), oauthHeader({}, KID));
    const mcpReader = mcpToken({ scope: 'openid profile mcp:read' });
    const mcpProfileOnly = mcpToken({ scope: 'openid profile' });
    const mcpOtherResource = mcpToken({ scope: 'mcp:read', aud: 'https://other-mcp.example.com' });
    const m2m = (overrides: Record<string, unknown> = {}) =>
      sign(m2mPayload({ iss: ISSUER, sub: 'mch_2billing', aud: [MACHINE_ID], scopes: MACHINE_ID, ...overrides }, now), m2mHeader({}, KID));
    const m2mForUs = m2m();
    const m2mForAnother = m2m({ aud: ['mch_2reports'], scopes: 'mch_2reports' });

    const rest = 'AdminRestApi';
    const mcp = 'McpRestApi';
    const http = 'AppHttpApi';
    const scenarios: Scenario[] = [
      { api: rest, route: 'GET /admin', token: 'admin session', authorization: admin, expect: 200, reason: NOT_LOGGED },
      { api: rest, route: 'GET /admin', token: 'bare token, no "Bearer "', authorization: bare, expect: 200, reason: NOT_LOGGED },
      { api: rest, route: 'GET /admin', token: 'member session (role member)', authorization: member, expect: 403, reason: 'predicate_failed' },
      { api: rest, route: 'GET /admin', token: 'no Authorization header', expect: 401, reason: 'gateway: identity source missing' },
      { api: rest, route: 'GET /admin', token: '"Bearer hello" (not a JWT)', authorization: 'Bearer hello', expect: 401, reason: 'gateway: validation regex' },
      { api: rest, route: 'GET /admin', token: 'expired a minute ago', authorization: expired, expect: 401, reason: 'expired' },
      { api: rest, route: 'GET /admin', token: 'forged: HS256, public key as secret', authorization: hs256, expect: 401, reason: 'alg_not_allowed' },
      { api: rest, route: 'GET /admin', token: 'forged: signed by another key', authorization: otherKey, expect: 401, reason: 'signature_invalid' },
      { api: rest, route: 'GET /admin', token: 'minted for another origin (azp)', authorization: otherOrigin, expect: 401, reason: 'azp_mismatch' },
      { api: rest, route: 'GET /admin', token: 'JWT-template token, 1 h, no sid', authorization: template60, expect: 401, reason: 'category_not_session' },
      { api: rest, route: 'GET /admin', token: 'pending session (sts pending)', authorization: pending, expect: 401, reason: 'session_pending' },
      // Per-route rules: one authorizer, one answer per token; GET /me is open to any signed-in user, GET /admin is not.
      { api: rest, route: 'GET /me', token: 'member session (role member)', authorization: member, expect: 200, reason: NOT_LOGGED },
      { api: rest, route: 'GET /admin', token: 'member session, same answer as GET /me', authorization: member, expect: 403, reason: 'predicate_failed' },
      { api: rest, route: 'GET /me', token: 'expired a minute ago', authorization: expired, expect: 401, reason: 'expired' },
      { api: http, route: 'GET /admin', token: 'admin session', authorization: admin, expect: 200, reason: NOT_LOGGED },
      { api: http, route: 'GET /admin', token: 'member session (role member)', authorization: member, expect: 403, reason: 'predicate_failed' },
      { api: http, route: 'GET /admin', token: 'no Authorization header', expect: 401, reason: 'gateway: identity source missing' },
      { api: http, route: 'GET /admin', token: 'expired a minute ago', authorization: expired, expect: 403, reason: 'expired' },
      { api: http, route: 'GET /admin', token: 'forged: signed by another key', authorization: otherKey, expect: 403, reason: 'signature_invalid' },
      { api: http, route: 'GET /invoices', token: 'org accountant, invoices:read (v2)', authorization: accountant, expect: 200, reason: NOT_LOGGED },
      { api: http, route: 'GET /invoices', token: 'org accountant, invoices:read (v1)', authorization: v1Org, expect: 200, reason: NOT_LOGGED },
      { api: http, route: 'GET /invoices', token: 'org member, invoices:write only', authorization: writerOnly, expect: 403, reason: 'predicate_failed' },
      { api: http, route: 'GET /invoices', token: 'no active organization', authorization: noOrg, expect: 403, reason: 'predicate_failed' },
      { api: http, route: 'GET /invoices', token: 'admin session (no org)', authorization: admin, expect: 403, reason: 'predicate_failed' },
      // Per-route rules on the invoices authorizer (IAM answers): reading needs invoices:read, deleting org:admin.
      { api: http, route: 'DELETE /invoices', token: 'org accountant, invoices:read (v2)', authorization: accountant, expect: 403, reason: 'predicate_failed' },
      { api: http, route: 'GET /me', token: 'no active organization', authorization: noOrg, expect: 200, reason: NOT_LOGGED },
      { api: http, route: 'GET /invoices', token: 'no active organization, same answer as GET /me', authorization: noOrg, expect: 403, reason: 'predicate_failed' },
      { api: http, route: 'GET /me', token: 'forged: signed by another key', authorization: otherKey, expect: 403, reason: 'signature_invalid' },
      { api: mcp, route: 'POST /mcp', token: 'MCP client OAuth token, mcp:read', authorization: mcpReader, expect: 200, reason: NOT_LOGGED },
      { api: mcp, route: 'POST /mcp', token: 'MCP client OAuth token, no mcp:read', authorization: mcpProfileOnly, expect: 403, reason: 'predicate_failed' },
      { api: mcp, route: 'POST /mcp', token: 'OAuth token for another resource', authorization: mcpOtherResource, expect: 401, reason: 'aud_mismatch' },
      { api: mcp, route: 'POST /mcp', token: 'admin session (not an OAuth token)', authorization: admin, expect: 401, reason: 'session_token_not_accepted' },
      { api: mcp, route: 'POST /mcp', token: 'no Authorization header', expect: 401, reason: 'gateway: identity source missing' },
      { api: http, route: 'POST /internal/sync', token: 'M2M token listing this machine', authorization: m2mForUs, expect: 200, reason: NOT_LOGGED },
      { api: http, route: 'POST /internal/sync', token: 'M2M token for another machine', authorization: m2mForAnother, expect: 403, reason: 'machine_id_mismatch' },
      { api: http, route: 'POST /internal/sync', token: 'opaque M2M token (mt_...)', authorization: bearer('mt_8XOIucKvqHVr5tYP123456789abcdefghij'), expect: 403, reason: 'token_opaque' },
      { api: http, route: 'POST /internal/sync', token: 'admin session', authorization: admin, expect: 403, reason: 'session_token_not_accepted' },
    ];

    const gateway = new Gateway(template, stack, assembly.directory);
    gateway.describeFunctions();
    const rows: string[][] = [];
    let failures = 0;
    for (const s of scenarios) {
      const out = await gateway.request(s);
      const pass = out.status === s.expect && out.reason === s.reason;
      if (!pass) failures += 1;
      rows.push([
        pass ? 'ok' : 'FAIL',
        `${s.api} ${s.route}`,
        s.token,
        pass ? String(out.status) : `${out.status} (expected ${s.expect})`,
        pass ? out.reason : `${out.reason} (expected ${s.reason})`,
        out.backend,
      ]);
    }
    printTable(['', 'request', 'token', 'status', 'reason', 'backend receives'], rows);
    console.log(
      '\nstatus: what API Gateway answers. reason: the decision record in the function\'s log (`{"decision":...,"reason":...}`, ' +
        'for a REST 401 inside the Lambda runtime\'s "Invoke Error" line), "gateway: ..." when API Gateway answers ' +
        `without invoking the function, or "${NOT_LOGGED}" (allowed requests are logged only with logAllowedRequests: true).\n` +
        'HTTP APIs answer 403 for every refused token: simple responses have no 401 (a missing header is still 401).\n' +
        'Per-route rules: one answer per token covers every route of the API (API Gateway caches it); a "same answer" row ' +
        'gets the very policy of the row above (the demo invokes again; the answer does not depend on the route asked).',
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failures > 0) {
      console.log(`\n${failures} of ${scenarios.length} outcomes differ from the expected ones (${seconds} s).`);
      return 1;
    }
    console.log(`\nAll ${scenarios.length} outcomes as expected (${seconds} s, no AWS, no Clerk, no network).`);
    return 0;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A synthesized template, with lookups by type and by construct path. */
class Template {
  public readonly resources: Record<string, Resource>;

  constructor(stack: cxapi.CloudFormationStackArtifact) {
    this.resources = stack.template.Resources;
  }

  /** The logical ids of the resources of `type`. */
  public ofType(type: string): string[] {
    return Object.keys(this.resources).filter((id) => this.resources[id].Type === type);
  }

  /** The construct path of a resource, without the stack name (`AdminRestApi/Resource`). */
  public pathOf(logicalId: string): string {
    const p = this.resources[logicalId].Metadata?.['aws:cdk:path'];
    return typeof p === 'string' ? p.split('/').slice(1).join('/') : logicalId;
  }

  /** The logical id of the resource of `type` whose construct is `constructId` (the API's own resource). */
  public byConstruct(type: string, constructId: string): string {
    const found = this.ofType(type).filter((id) => this.pathOf(id) === `${constructId}/Resource`);
    if (found.length !== 1) throw new Error(`expected one ${type} for ${constructId}, found ${found.length}`);
    return found[0];
  }
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` names, or the first such id inside `value`. */
function referenced(value: unknown, type?: string, template?: Template): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const direct = typeof v.Ref === 'string' ? v.Ref : Array.isArray(v['Fn::GetAtt']) ? String(v['Fn::GetAtt'][0]) : undefined;
  if (direct !== undefined && (type === undefined || template?.resources[direct]?.Type === type)) return direct;
  for (const child of Object.values(v)) {
    const found = referenced(child, type, template);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The native JWT authorizers: what the template configures, and what API Gateway does with it. */
function describeJwtAuthorizers(template: Template): void {
  for (const id of template.ofType('AWS::ApiGatewayV2::Authorizer')) {
    const props = template.resources[id].Properties!;
    if (props.AuthorizerType !== 'JWT') continue;
    const apiId = referenced(props.ApiId)!;
    const routes = template
      .ofType('AWS::ApiGatewayV2::Route')
      .filter((r) => referenced(template.resources[r].Properties!.AuthorizerId) === id)
      .map((r) => String(template.resources[r].Properties!.RouteKey));
    const preflightBehind = routes.some((r) => r === '$default' || /^(ANY|OPTIONS) /.test(r));
    const cors = template.resources[apiId].Properties!.CorsConfiguration;
    console.log(`Native JWT authorizer ${template.pathOf(id).split('/')[0]} on ${template.pathOf(apiId).replace(/\/Resource$/, '')} (HTTP API): no code runs, API Gateway checks the token itself.`);
    console.log(`  issuer         ${props.JwtConfiguration.Issuer}  (keys from ${props.JwtConfiguration.Issuer}/.well-known/openid-configuration)`);
    console.log(`  audience       ${JSON.stringify(props.JwtConfiguration.Audience)}  (add {"aud": "${props.JwtConfiguration.Audience[0]}"} under Clerk's "Customize session token")`);
    console.log(`  identity       ${props.IdentitySource.join(', ')}`);
    console.log(`  routes         ${routes.join(', ')}`);
    console.log(`  OPTIONS        ${preflightBehind ? 'BEHIND THE AUTHORIZER (preflights get 401)' : 'open: no authorized route matches a preflight'}` +
      `${cors ? `; corsPreflight answers it (origins ${JSON.stringify(cors.AllowOrigins)})` : ''}`);
    console.log('  API Gateway:   RS256 signature with the issuer\'s keys, iss exact, aud in the list, exp/nbf/iat; any failure or no token');
    console.log('                 → 401 with a www-authenticate header, integration not called. Claims reach the backend in');
    console.log('                 event.requestContext.authorizer.jwt.claims. NOT checked: azp, sid/token kind, sts, roles.\n');
    if (preflightBehind) throw new Error(`${template.pathOf(id)} puts OPTIONS behind the authorizer`);
  }
}

/** The function behind a Lambda authorizer, loaded from the cloud assembly. */
interface LoadedFunction {
  readonly path: string;
  readonly asset: string;
  readonly env: Record<string, string>;
  readonly handler: (event: unknown) => Promise<unknown>;
}

/** API Gateway, as far as the authorizer is concerned, for the synthesized template. */
class Gateway {
  private readonly functions = new Map<string, LoadedFunction>();
  private readonly assetSources: Record<string, string>;

  constructor(
    private readonly template: Template,
    stack: cxapi.CloudFormationStackArtifact,
    private readonly assemblyDir: string,
  ) {
    // The assets manifest says which directory of the assembly becomes which S3 object: the same lookup `cdk deploy`
    // does before uploading.
    const manifest = stack.dependencies.find((d): d is cxapi.AssetManifestArtifact => d instanceof cxapi.AssetManifestArtifact);
    if (manifest === undefined) throw new Error('the stack has no assets manifest');
    const files: Record<string, any> = JSON.parse(fs.readFileSync(manifest.file, 'utf8')).files ?? {};
    this.assetSources = Object.fromEntries(
      Object.values(files).flatMap((f: any) => Object.values(f.destinations).map((d: any) => [d.objectKey, f.source.path])),
    );
  }

  /** Prints each Lambda authorizer function as the template configures it. */
  public describeFunctions(): void {
    for (const id of this.template.ofType('AWS::Lambda::Function')) {
      const props = this.template.resources[id].Properties!;
      const env = props.Environment?.Variables;
      if (env?.CLERK_ISSUER === undefined) continue;
      const fn = this.load(id);
      const size = fs.statSync(path.join(this.assemblyDir, fn.asset, 'index.js')).size;
      console.log(`Lambda authorizer function ${fn.path}: ${props.Runtime} ${props.Architectures?.join(',') ?? 'x86_64'} ${props.MemorySize ?? 128} MB, ` +
        `code ${fn.asset}/index.js (${(size / 1024).toFixed(1)} KB, from the cloud assembly)`);
      for (const [k, v] of Object.entries(fn.env)) {
        const shown = k === 'CLERK_PUBLIC_KEY_PEM' ? `<RSA public key, ${v.length} chars>` : v;
        console.log(`  ${k.padEnd(30)} ${shown}`);
      }
    }
    console.log('');
  }

  /** What API Gateway answers to `GET <route>` on `api` with this Authorization header. */
  public async request(s: Scenario): Promise<Outcome> {
    return this.template.resources[this.apiLogicalId(s.api)].Type === 'AWS::ApiGateway::RestApi'
      ? this.restRequest(s)
      : this.httpRequest(s);
  }

  private apiLogicalId(api: string): string {
    const rest = this.template.ofType('AWS::ApiGateway::RestApi').filter((id) => this.template.pathOf(id) === `${api}/Resource`);
    return rest[0] ?? this.template.byConstruct('AWS::ApiGatewayV2::Api', api);
  }

  /** REST API: the method's TOKEN authorizer, its identity source and validation expression, then the function. */
  private async restRequest(s: Scenario): Promise<Outcome> {
    const apiId = this.apiLogicalId(s.api);
    const [verb, routePath] = s.route.split(' ');
    const method = this.template.ofType('AWS::ApiGateway::Method').find((id) => {
      const p = this.template.resources[id].Properties!;
      const resourceId = referenced(p.ResourceId);
      return p.HttpMethod === verb && resourceId !== undefined && this.restPath(resourceId) === routePath && referenced(p.RestApiId) === apiId;
    });
    if (method === undefined) throw new Error(`no ${s.route} method on ${s.api}`);
    const m = this.template.resources[method].Properties!;
    if (m.AuthorizationType !== 'CUSTOM') throw new Error(`${s.api} ${s.route} is not behind a Lambda authorizer`);
    const authorizer = this.template.resources[referenced(m.AuthorizerId)!].Properties!;
    if (authorizer.Type !== 'TOKEN' || authorizer.IdentitySource !== 'method.request.header.Authorization') {
      throw new Error(`${s.api} ${s.route}: the demo runs TOKEN authorizers on the Authorization header, got ${authorizer.Type}`);
    }
    // API Gateway answers 401 itself, without invoking the function, when the identity source is missing or does
    // not match the identity validation expression.
    if (s.authorization === undefined || s.authorization === '') return { status: 401, reason: 'gateway: identity source missing', backend: '' };
    if (authorizer.IdentityValidationExpression !== undefined && !new RegExp(authorizer.IdentityValidationExpression).test(s.authorization)) {
      return { status: 401, reason: 'gateway: validation regex', backend: '' };
    }
    const fn = this.load(referenced(authorizer.AuthorizerUri, 'AWS::Lambda::Function', this.template)!);
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${fakeApiId(apiId)}/prod/${verb}${routePath}`;
    const { result, error, reason } = await invokeCapturing(fn, restTokenEvent(s.authorization, methodArn));
    if (error !== undefined) {
      return { status: error instanceof Error && error.message === 'Unauthorized' ? 401 : 500, reason, backend: '' };
    }
    const r = result as any;
    const context = r?.context ?? {};
    if (Object.values(context).some((v) => typeof v === 'object')) return { status: 500, reason: `${reason} (object in context)`, backend: '' };
    const status = policyStatus(r?.policyDocument, methodArn);
    return { status, reason, backend: status === 200 ? backendView('requestContext.authorizer', context) : '' };
  }

  /**
   * HTTP API: the route's Lambda authorizer (payload 2.0: simple responses, or IAM policies with per-route rules), its
   * identity source, then the function.
   */
  private async httpRequest(s: Scenario): Promise<Outcome> {
    const apiId = this.apiLogicalId(s.api);
    const route = this.template.ofType('AWS::ApiGatewayV2::Route').find((id) => {
      const p = this.template.resources[id].Properties!;
      return p.RouteKey === s.route && referenced(p.ApiId) === apiId;
    });
    if (route === undefined) throw new Error(`no ${s.route} route on ${s.api}`);
    const r = this.template.resources[route].Properties!;
    if (r.AuthorizationType !== 'CUSTOM') throw new Error(`${s.api} ${s.route} is not behind a Lambda authorizer`);
    const authorizer = this.template.resources[referenced(r.AuthorizerId)!].Properties!;
    if (authorizer.AuthorizerPayloadFormatVersion !== '2.0' || typeof authorizer.EnableSimpleResponses !== 'boolean') {
      throw new Error(`${s.api} ${s.route}: expected payload 2.0`);
    }
    // A missing identity source is a 401 from API Gateway, without invoking the function.
    if ((authorizer.IdentitySource ?? []).includes('$request.header.Authorization') && !s.authorization) {
      return { status: 401, reason: 'gateway: identity source missing', backend: '' };
    }
    const fn = this.load(referenced(authorizer.AuthorizerUri, 'AWS::Lambda::Function', this.template)!);
    const [verb, routePath] = s.route.split(' ');
    const event = {
      ...httpEvent(s.authorization === undefined ? {} : { Authorization: s.authorization }),
      routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${fakeApiId(apiId)}/$default/${verb}${routePath}`,
      routeKey: s.route,
      rawPath: routePath,
    };
    const { result, error, reason } = await invokeCapturing(fn, event);
    if (error !== undefined) return { status: 500, reason, backend: '' };
    const answer = result as any;
    if (authorizer.EnableSimpleResponses === false) {
      // IAM answers (per-route rules): the policy decides for this route's ARN.
      const status = policyStatus(answer?.policyDocument, event.routeArn);
      return { status, reason, backend: status === 200 ? backendView('requestContext.authorizer.lambda', answer.context ?? {}) : '' };
    }
    if (answer?.isAuthorized === true) return { status: 200, reason, backend: backendView('requestContext.authorizer.lambda', answer.context ?? {}) };
    return { status: answer?.isAuthorized === false ? 403 : 500, reason, backend: '' };
  }

  /** `/admin` for a REST resource, walking ParentId up to the root. */
  private restPath(resourceId: string): string {
    const p = this.template.resources[resourceId]?.Properties;
    if (p === undefined || this.template.resources[resourceId].Type !== 'AWS::ApiGateway::Resource') return '';
    const parent = referenced(p.ParentId, 'AWS::ApiGateway::Resource', this.template);
    return `${parent === undefined ? '' : this.restPath(parent)}/${p.PathPart}`;
  }

  /** The function's code from the cloud assembly, loaded with the template's environment (once per function). */
  private load(logicalId: string): LoadedFunction {
    const cached = this.functions.get(logicalId);
    if (cached !== undefined) return cached;
    const props = this.template.resources[logicalId].Properties!;
    const objectKey = props.Code?.S3Key;
    const asset = typeof objectKey === 'string' ? this.assetSources[objectKey] : undefined;
    if (asset === undefined) throw new Error(`${this.template.pathOf(logicalId)}: no file asset for its code`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(props.Environment?.Variables ?? {})) {
      // The API ids of per-route rules are references, resolved at deployment: the demo's fake ids stand in.
      const value = resolveIds(v);
      if (typeof value !== 'string') throw new Error(`${k} is not a plain string in the template: ${JSON.stringify(v)}`);
      env[k] = value;
    }
    // The route table of per-route rules is a layer (/opt in Lambda): read it from the layer's asset.
    for (const layer of props.Layers ?? []) {
      const content = this.template.resources[referenced(layer)!].Properties!.Content;
      const dir = this.assetSources[content.S3Key];
      const file = env.CLERK_ROUTES_FILE;
      if (dir !== undefined && file?.startsWith('/opt/')) env.CLERK_ROUTES_FILE = path.join(this.assemblyDir, dir, file.slice('/opt/'.length));
    }
    const [file, exportName] = String(props.Handler).split('.');
    const handler = loadHandler(env, path.join(this.assemblyDir, asset, `${file}.js`), exportName);
    const fn = { path: this.template.pathOf(logicalId).replace(/\/Resource$/, ''), asset, env, handler: handler as LoadedFunction['handler'] };
    this.functions.set(logicalId, fn);
    return fn;
  }
}

/** What API Gateway answers under an IAM policy answer for the request's ARN: 200, 403, or 500 if malformed. */
function policyStatus(policyDocument: unknown, arn: string): Status {
  try {
    return evaluatePolicy(policyDocument, arn) === 'allow' ? 200 : 403;
  } catch {
    return 500;
  }
}

/** A template value with `{ Ref }` to an API replaced by its fake id and `Fn::Join` applied. */
function resolveIds(value: unknown): unknown {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  const v = value as Record<string, any>;
  if (typeof v.Ref === 'string') return fakeApiId(v.Ref);
  if (Array.isArray(v['Fn::Join'])) {
    const parts = (v['Fn::Join'][1] as unknown[]).map(resolveIds);
    return parts.every((p) => typeof p === 'string') ? parts.join(v['Fn::Join'][0]) : value;
  }
  return value;
}

/** The reason column of an allowed request: by default (`logAllowedRequests: false`) it writes no line. */
const NOT_LOGGED = 'allowed, no line';

/** Invokes the function, returning the reason code of its decision record. */
async function invokeCapturing(fn: LoadedFunction, event: unknown): Promise<{ result?: unknown; error?: unknown; reason: string }> {
  // `invoke` collects the decision records as the log group receives them (a REST 401's from the runtime's line).
  const { result, error, logs } = await invoke(fn.handler, event);
  if (logs.length === 0 && error === undefined) return { result, error, reason: NOT_LOGGED };
  if (logs.length !== 1) return { result, error, reason: `(${logs.length} decision log lines)` };
  return { result, error, reason: String(logs[0].reason) };
}

/** The context keys a backend reads, in short, where it reads them. */
function backendView(where: string, context: Record<string, unknown>): string {
  const parts = context.tokenType === 'm2m_token' ? [`machineId=${context.machineId}`] : [`userId=${context.userId}`];
  if (context.tokenType === 'oauth_token') parts.push(`clientId=${context.clientId}`, `scopes=${context.scopes}`);
  if (context.orgId) parts.push(`orgRole=${context.orgRole}`, `orgPermissions=${context.orgPermissions}`);
  return `${where}: ${parts.join(' ')}`;
}

/** A stable, fake API id for ARNs (the real one exists only after deployment). */
function fakeApiId(logicalId: string): string {
  return logicalId.replace(/[^a-z0-9]/gi, '').slice(-10).toLowerCase();
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
