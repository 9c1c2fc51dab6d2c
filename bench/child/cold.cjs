'use strict';
// One cold start: a fresh Node process that requires the bundle and handles one valid-token event, as the Lambda
// runtime would. Prints nothing itself on stdout (stdout belongs to the handler's logs); the measurements go to
// fd 3 as one JSON line. Usage: node cold.cjs <bundle.js> <spec.json>
const { readFileSync, writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const { installLambdaConsole, peakRssKB, lambdaContext, tokenEvent, check, callbackRecorder } = require('./outcome.cjs');

installLambdaConsole();

const spec = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const event = tokenEvent(spec.token, spec.methodArn);
const cb = callbackRecorder();

// bench/profile.mjs --cold: CPU-profile the require and the first event only (argv[4] = where the profile goes).
const profileOut = process.argv[4];
const session = profileOut ? new (require('node:inspector').Session)() : undefined;
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));

async function main() {
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 20 });
    await post('Profiler.start');
  }
  const bootMs = performance.now(); // process start → here (node bootstrap + this script)
  const loaded0 = process.moduleLoadList.length;
  const t0 = performance.now();
  const mod = require(process.argv[2]);
  const t1 = performance.now();
  const loaded1 = process.moduleLoadList.length;
  let res;
  let err;
  let threw = false;
  try {
    res = await mod.handler(event, lambdaContext, cb.callback);
  } catch (e) {
    threw = true;
    err = e;
  }
  const t2 = performance.now();
  const loaded2 = process.moduleLoadList.length;
  if (session) require('node:fs').writeFileSync(profileOut, JSON.stringify((await post('Profiler.stop')).profile));
  ({ threw, err, res } = cb.result(threw, err, res));
  const failure = check('valid', spec.sub, spec.methodArn, spec.expect, threw, err, res);
  const out = {
    bootMs,
    requireMs: t1 - t0,
    firstEventMs: t2 - t1,
    maxRssKB: peakRssKB(),
    // Node-internal modules (builtins and their internals) first loaded by the require and by the first event.
    internalsByRequire: loaded1 - loaded0,
    internalsByFirstEvent: loaded2 - loaded1,
    failure,
  };
  writeSync(3, `${JSON.stringify(out)}\n`);
  process.exit(0);
}

main().catch((e) => {
  writeSync(3, `${JSON.stringify({ failure: `cold start crashed: ${e && e.name}: ${e && e.message}` })}\n`);
  process.exit(0);
});
