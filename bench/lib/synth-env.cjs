'use strict';
// Prints (stdout, one JSON line) the environment the shipped handler gets, for the benchmark's candidate 1.
// Preferred: synthesize a small stack with the library's `ClerkLambdaAuthorizer` (issuer, publicKeyPem,
// predicate: ClaimPredicate.role('admin')) and read the function's Environment.Variables from the template, so the
// handler is configured exactly as the construct configures it. Fallback while the construct does not exist yet:
// the contract's variables (/work/contract.md) with CLERK_PREDICATE = ClaimPredicate.role('admin').toJson().
// Inputs: BENCH_ISSUER, BENCH_PEM, BENCH_PROPS (extra construct props, JSON), BENCH_ROUTES (a number of REST routes
// with per-route rules to add, 0 for none) and BENCH_OUTDIR (where that stack is synthesized: the route table file
// the environment names is read from its cloud assembly). Run from the repository root.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const issuer = process.env.BENCH_ISSUER;
const publicKeyPem = process.env.BENCH_PEM;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function registerTs() {
  require(require.resolve('ts-node', { paths: [root] })).register({
    transpileOnly: true,
    project: path.join(root, 'tsconfig.dev.json'),
    compilerOptions: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
  });
}

function fromSynth() {
  const cdk = require(require.resolve('aws-cdk-lib', { paths: [root] }));
  const apigw = require(require.resolve('aws-cdk-lib/aws-apigateway', { paths: [root] }));
  const { Template } = require(require.resolve('aws-cdk-lib/assertions', { paths: [root] }));
  const { ClerkLambdaAuthorizer } = require(path.join(root, 'src', 'clerk-lambda-authorizer.ts'));
  const { ClaimPredicate } = require(path.join(root, 'src', 'claim-predicate.ts'));
  const app = new cdk.App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new cdk.Stack(app, 'BenchStack', { env: { account: '123456789012', region: 'us-east-1' } });
  // Props arrive as JSON; a predicate other than the default role rule is named `{ scope: [...] }`.
  const props = JSON.parse(process.env.BENCH_PROPS || '{}');
  const predicate = props.predicate && props.predicate.scope ? ClaimPredicate.scope(...props.predicate.scope) : ClaimPredicate.role('admin');
  const admins = new ClerkLambdaAuthorizer(stack, 'Admins', {
    issuer,
    publicKeyPem,
    ...props,
    predicate,
  });
  const routes = Number(process.env.BENCH_ROUTES || '0');
  if (typeof admins.addMethod === 'function') {
    const api = new apigw.RestApi(stack, 'Api');
    const integration = new apigw.MockIntegration();
    admins.addMethod(api.root.addResource('admin'), 'GET', integration);
    if (routes > 0) {
      // GET /me for any signed-in user, then GET/PUT/DELETE on resources r0, r1, ... with organization rules.
      admins.addMethod(api.root.addResource('me'), 'GET', integration, { predicate: ClaimPredicate.signedIn() });
      const rules = {
        GET: ClaimPredicate.orgPermission('org:reports:read'),
        PUT: ClaimPredicate.orgPermission('org:reports:write'),
        DELETE: ClaimPredicate.orgRole('org:admin'),
      };
      for (let i = 0, n = 2; n < routes; i++) {
        const resource = api.root.addResource(`r${i}`).addResource('{id}');
        for (const method of ['GET', 'PUT', 'DELETE']) {
          if (n++ >= routes) break;
          admins.addMethod(resource, method, integration, { predicate: i % 2 === 0 ? rules[method] : ClaimPredicate.claimEquals('metadata.tier', `t${i}`) });
        }
      }
    }
  }
  const template = Template.fromStack(stack);
  const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (r) => r.Properties && r.Properties.Handler === 'index.handler' && r.Properties.Environment,
  );
  if (fns.length !== 1) throw new Error(`expected one authorizer function in the template, found ${fns.length}`);
  const p = fns[0].Properties;
  const env = p.Environment.Variables || {};
  if (routes > 0) {
    // The API id is a reference resolved at deployment: the benchmark's method ARN names API abcdef1234. The route
    // table is the function's layer (/opt in Lambda): read from the synthesized cloud assembly.
    env.CLERK_ROUTE_APIS = 'abcdef1234';
    const outdir = process.env.BENCH_OUTDIR;
    fs.rmSync(outdir, { recursive: true, force: true });
    const layer = Object.values(template.findResources('AWS::Lambda::LayerVersion'))[0];
    const staged = path.join(app.synth().directory, layer.Metadata['aws:asset:path'], 'clerk-routes.json');
    fs.mkdirSync(outdir, { recursive: true });
    env.CLERK_ROUTES_FILE = path.join(outdir, 'clerk-routes.json');
    fs.copyFileSync(staged, env.CLERK_ROUTES_FILE);
  }
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== 'string') throw new Error(`Environment.Variables.${k} is not a literal string in the template`);
  }
  return {
    source: 'synth',
    env,
    fn: { Runtime: p.Runtime, Architectures: p.Architectures, MemorySize: p.MemorySize, Timeout: p.Timeout },
  };
}

function fromContract() {
  const env = { CLERK_ISSUER: issuer, CLERK_PUBLIC_KEY_PEM: publicKeyPem };
  const { ClaimPredicate } = require(path.join(root, 'src', 'claim-predicate.ts'));
  env.CLERK_PREDICATE = ClaimPredicate.role('admin').toJson();
  return { source: 'contract', env };
}

const notes = [];
try {
  registerTs();
  if (fs.existsSync(path.join(root, 'src', 'clerk-lambda-authorizer.ts'))) {
    try {
      out(fromSynth());
      process.exit(0);
    } catch (e) {
      notes.push(`synth failed: ${e && e.message}`);
    }
  } else {
    notes.push('src/clerk-lambda-authorizer.ts does not exist yet');
  }
  if (fs.existsSync(path.join(root, 'src', 'claim-predicate.ts'))) {
    out({ ...fromContract(), notes });
  } else {
    notes.push('src/claim-predicate.ts does not exist yet');
    out({ source: 'none', env: { CLERK_ISSUER: issuer, CLERK_PUBLIC_KEY_PEM: publicKeyPem }, notes });
  }
} catch (e) {
  notes.push(`${e && e.message}`);
  out({ source: 'none', env: { CLERK_ISSUER: issuer, CLERK_PUBLIC_KEY_PEM: publicKeyPem }, notes });
}
