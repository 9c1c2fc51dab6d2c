#!/usr/bin/env node
// Where does a candidate spend its time? CPU-profiles one candidate (default: ours) with readable names and prints
// self time grouped by source module and by function. Diagnostic only, not part of `npm run bench`.
//
//   node bench/profile.mjs [candidate] [--kind=valid|expired|badsig|forbidden] [--tokens=N]   warm loop (measured
//                                                                      calls only, after the warm-up)
//   node bench/profile.mjs [candidate] --cold [--runs=N]                   require + first event, in fresh processes
//   node bench/profile.mjs [candidate] --size                              minified bytes per source module
//
// The profiled bundle is built with the same esbuild options as the real one but NOT minified (names and the
// `// node_modules/...` module markers stay), from src/clerk-authorizer.lambda.ts for `ours`. Profiles and bundles
// go to bench/results/raw/profile/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESBUILD_OPTIONS } from './lib/build.mjs';
import { CANDIDATES, configureOurs } from './lib/candidates.mjs';
import { KINDS, makeKeys, makeTokens } from './lib/tokens.mjs';

const require = createRequire(import.meta.url);
const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const OUT = join(BENCH, 'results', 'raw', 'profile');
const ISSUER = 'https://clerk.bench.example.com';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/admin';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : a.slice(name.length + 3);
};
const id = argv.find((a) => !a.startsWith('--')) ?? 'ours';
const COLD = argv.includes('--cold');
const KIND = opt('kind', '');
const TOKENS = Number(opt('tokens', 3000));
const RUNS = Number(opt('runs', 20));
const cand = CANDIDATES.find((c) => c.id === id);
if (!cand) throw new Error(`unknown candidate ${id}`);
if (KIND && !KINDS.includes(KIND)) throw new Error(`--kind must be one of ${KINDS.join(', ')}`);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// ours: the entry of the shipped asset; the JWKS client (src/private/lambda/jwks.ts) is a second file the entry
// requires only in JWKS mode (see the projen bundle task), so it stays external here too.
const OURS_OPTIONS =
  id === 'ours'
    ? {
        tsconfig: join(ROOT, 'tsconfig.dev.json'),
        ...(existsSync(join(ROOT, 'src', 'private', 'lambda', 'jwks.ts')) ? { external: ['./jwks.js'] } : {}),
      }
    : {};

// Unminified bundle, otherwise the same options as the shipped one.
const entry = id === 'ours' ? join(ROOT, 'src', 'clerk-authorizer.lambda.ts') : join(BENCH, 'candidates', cand.src);
const bundle = join(OUT, id, 'index.js');
require('esbuild').buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile: bundle, minify: false, ...OURS_OPTIONS });

if (argv.includes('--size')) {
  // What the minified bundle is made of: bytes per source module (esbuild metafile, same options as the shipped one).
  const r = require('esbuild').buildSync({
    ...ESBUILD_OPTIONS,
    entryPoints: [entry],
    outfile: join(OUT, id, 'min.js'),
    metafile: true,
    ...OURS_OPTIONS,
  });
  const [out] = Object.values(r.metafile.outputs);
  console.log(`${id}: ${out.bytes} bytes minified`);
  const rows = Object.entries(out.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  for (const [file, { bytesInOutput }] of rows) {
    console.log(`${String(bytesInOutput).padStart(7)} B ${((100 * bytesInOutput) / out.bytes).toFixed(1).padStart(5)} %  ${file.replace(/^node_modules\//, '')}`);
  }
  process.exit(0);
}

const keys = makeKeys();
let env = { CLERK_ISSUER: ISSUER, CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem, CLERK_KID: keys.kid };
if (id === 'ours') {
  const conf = configureOurs(ISSUER, keys.publicKeyPem);
  console.error(`profile: shipped handler configured from: ${conf.source}`);
  env = conf.env;
}
const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', LANG: 'C.UTF-8', ...env };
const profDir = join(OUT, 'cpuprofiles');

const coldRuns = [];
let measuredCalls = 0;
if (COLD) {
  const t = await makeTokens({ issuer: ISSUER, kid: keys.kid, privateKeyPem: keys.privateKeyPem, count: 1, threads: 1 });
  const spec = join(OUT, 'cold.json');
  writeFileSync(spec, JSON.stringify({ token: t.valid[0][0], sub: t.valid[0][1], methodArn: METHOD_ARN, expect: cand.expect }));
  for (let i = 0; i < RUNS; i++) {
    mkdirSync(profDir, { recursive: true });
    const r = spawnSync(
      process.execPath,
      [join(BENCH, 'child', 'cold.cjs'), bundle, spec, join(profDir, `cold-${i}.cpuprofile`)],
      { env: childEnv, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] },
    );
    const m = JSON.parse(r.output[3].toString());
    if (m.failure) throw new Error(`wrong outcome: ${m.failure}`);
    coldRuns.push(m);
  }
} else {
  const t = await makeTokens({ issuer: ISSUER, kid: keys.kid, privateKeyPem: keys.privateKeyPem, count: TOKENS });
  const w = await makeTokens({ issuer: ISSUER, kid: keys.kid, privateKeyPem: keys.privateKeyPem, count: 200 });
  writeFileSync(join(OUT, 'tokens.json'), JSON.stringify(t));
  writeFileSync(join(OUT, 'warmup.json'), JSON.stringify(w));
  const cfg = {
    bundle,
    warmupFile: join(OUT, 'warmup.json'),
    roundFile: join(OUT, 'tokens.json'),
    methodArn: METHOD_ARN,
    expect: cand.expect,
    out: join(OUT, 'warm.out.json'),
    kinds: KIND ? [KIND] : undefined,
    profileOut: join(profDir, 'warm.cpuprofile'),
    profileIntervalUs: 50,
  };
  mkdirSync(profDir, { recursive: true });
  writeFileSync(join(OUT, 'warm.cfg.json'), JSON.stringify(cfg));
  spawnSync(process.execPath, [join(BENCH, 'child', 'warm.cjs'), join(OUT, 'warm.cfg.json')], {
    env: childEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const out = JSON.parse(readFileSync(cfg.out, 'utf8'));
  if (out.failureCount) throw new Error(`wrong outcomes: ${out.failures.join('; ')}`);
  measuredCalls = out.calls;
  for (const k of KINDS) {
    const s = out.samples[k].sort((a, b) => a - b);
    if (s.length) console.log(`${k}: p50 ${s[Math.floor(s.length / 2)].toFixed(1)} µs over ${s.length} calls (profiler on)`);
  }
}

if (COLD) {
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  console.log(
    `require ${med(coldRuns.map((m) => m.requireMs)).toFixed(2)} ms, first event ${med(coldRuns.map((m) => m.firstEventMs)).toFixed(2)} ms ` +
      `(medians, profiler on, unminified bundle)`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Summaries: self time by module (esbuild's `// path` markers in the unminified bundle) and by function.
const bundleUrl = pathToFileURL(bundle).href;
const markers = []; // [line (0-based), module]
readFileSync(bundle, 'utf8')
  .split('\n')
  .forEach((l, i) => {
    const m = /^\/\/ ((?:node_modules|src|bench)\/\S+)$/.exec(l);
    if (m) markers.push([i, m[1].replace(/^node_modules\//, '')]);
  });
function moduleOf(line) {
  let mod = '(bundle prelude)';
  for (const [l, m] of markers) {
    if (l <= line) mod = m;
    else break;
  }
  return mod;
}
const byModule = new Map();
const byFunction = new Map();
let total = 0;
const harness = /bench\/child\//;
for (const f of readdirSync(profDir)) {
  const prof = JSON.parse(readFileSync(join(profDir, f), 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  prof.samples.forEach((nid, i) => self.set(nid, (self.get(nid) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  for (const [nid, us] of self) {
    const cf = nodes.get(nid).callFrame;
    if (cf.url === '' && cf.functionName === 'dispatch') continue; // the inspector itself (Profiler.stop)
    let mod;
    if (cf.url === bundleUrl) mod = moduleOf(cf.lineNumber);
    else if (harness.test(cf.url)) mod = '(bench harness)';
    else if (cf.url.startsWith('node:')) mod = cf.url;
    else if (cf.url === '') mod = cf.functionName.startsWith('(') ? cf.functionName : '(native)';
    else mod = cf.url;
    const fn = `${cf.functionName || '(anonymous)'}  [${mod}${cf.url === bundleUrl ? `:${cf.lineNumber + 1}` : ''}]`;
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    total += us;
  }
}
const perCall = COLD ? RUNS : measuredCalls; // µs per call (warm) or per process (cold)
const print = (title, map, n) => {
  console.log(`\n${title} (ms sampled, share, µs per ${COLD ? 'process' : 'call'})`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} % ${(us / perCall).toFixed(2).padStart(8)} µs  ${k}`,
    );
  }
};
console.log(`\n${id} ${COLD ? `cold (${RUNS} processes)` : `warm${KIND ? ` (${KIND} only)` : ''}`}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by module', byModule, 25);
print('self time by function', byFunction, 30);
