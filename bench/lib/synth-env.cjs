'use strict';
// Prints (stdout, one JSON line) the environment the shipped handler gets, for the benchmark's candidate 1.
// Preferred: synthesize a small stack with the library's `ClerkLambdaAuthorizer` (issuer, publicKeyPem,
// predicate: ClaimPredicate.role('admin')) and read the function's Environment.Variables from the template, so the
// handler is configured exactly as the construct configures it. Fallback while the construct does not exist yet:
// the contract's variables (/work/contract.md) with CLERK_PREDICATE = ClaimPredicate.role('admin').toJson().
// Inputs: BENCH_ISSUER, BENCH_PEM, BENCH_PROPS (extra construct props, JSON). Run from the repository root.
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
  const app = new cdk.App();
  const stack = new cdk.Stack(app, 'BenchStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const admins = new ClerkLambdaAuthorizer(stack, 'Admins', {
    issuer,
    publicKeyPem,
    predicate: ClaimPredicate.role('admin'),
    ...JSON.parse(process.env.BENCH_PROPS || '{}'),
  });
  if (typeof admins.addMethod === 'function') {
    const api = new apigw.RestApi(stack, 'Api');
    admins.addMethod(api.root.addResource('admin'), 'GET', new apigw.MockIntegration());
  }
  const fns = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter(
    (r) => r.Properties && r.Properties.Handler === 'index.handler' && r.Properties.Environment,
  );
  if (fns.length !== 1) throw new Error(`expected one authorizer function in the template, found ${fns.length}`);
  const p = fns[0].Properties;
  const env = p.Environment.Variables || {};
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
