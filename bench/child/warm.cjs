'use strict';
// Warm latency for one candidate, in its own process (no JIT or heap state shared with other candidates): require
// the bundle, warm up on a separate token set, settle the heap, then time every call on the measured tokens. Every
// outcome is checked. Kinds are interleaved call by call (valid, expired, badsig, forbidden, valid, ...).
//
// Two modes:
// - under the harness (an IPC channel): after the warm-up it sends `{ ready }`, then runs the measured calls in the
//   batches the harness asks for (`{ run: [from, to], batch }` → `{ done }`), so the harness can interleave all candidates
//   batch by batch while the others wait idle; `{ finish }` writes the results and exits;
// - standalone (bench/profile.mjs): runs all measured calls at once, then writes the results.
//
// Usage: node --expose-gc warm.cjs <config.json>; results go to config.out.
const { readFileSync, writeFileSync } = require('node:fs');
const { KINDS, installLambdaConsole, peakRssKB, lambdaContext, tokenEvent, check } = require('./outcome.cjs');

installLambdaConsole();

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function load(file) {
  const t = JSON.parse(readFileSync(file, 'utf8'));
  const n = Math.min(...KINDS.map((k) => t[k].length));
  const events = [];
  const subs = [];
  const kinds = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < KINDS.length; k++) {
      if (cfg.kinds && !cfg.kinds.includes(KINDS[k])) continue; // profiling one kind (bench/profile.mjs)
      events.push(tokenEvent(t[KINDS[k]][i][0], cfg.methodArn));
      subs.push(t[KINDS[k]][i][1]);
      kinds.push(k);
    }
  }
  return { events, subs, kinds, n };
}

const warm = load(cfg.warmupFile);
const measured = load(cfg.roundFile);
if (typeof gc === 'function') gc();
const rssBeforeRequireKB = Math.round(process.memoryUsage().rss / 1024);
const { handler } = require(cfg.bundle);

let cbCalled = false;
let cbErr;
let cbRes;
const callback = (e, r) => {
  cbCalled = true;
  cbErr = e;
  cbRes = r;
};
const failures = [];
let failureCount = 0;
// Samples in call order per kind (µs), and the batch each belongs to (for per-batch statistics).
const samples = KINDS.map(() => new Float64Array(measured.n));
const sampleBatch = KINDS.map(() => new Int32Array(measured.n));
const fill = new Int32Array(KINDS.length);
const hr = process.hrtime.bigint;

async function runCalls(set, from, to, timed, batch) {
  const { events, subs, kinds } = set;
  for (let i = from; i < to; i++) {
    const event = events[i];
    cbCalled = false;
    let res;
    let err;
    let threw = false;
    const t0 = hr();
    try {
      res = await handler(event, lambdaContext, callback);
    } catch (e) {
      threw = true;
      err = e;
    }
    const t1 = hr();
    if (cbCalled) {
      threw = !!cbErr;
      err = cbErr;
      res = cbRes;
    }
    const k = kinds[i];
    const f = check(KINDS[k], subs[i], cfg.methodArn, cfg.expect, threw, err, res);
    if (f) {
      failureCount++;
      if (failures.length < 5) failures.push(`${timed ? 'measured' : 'warm-up'} call ${i}: ${f}`);
    }
    if (timed) {
      sampleBatch[k][fill[k]] = batch;
      samples[k][fill[k]++] = Number(t1 - t0) / 1000;
    }
  }
}

// bench/profile.mjs: CPU-profile the measured calls only (not the token loading, the require or the warm-up).
const session = cfg.profileOut ? new (require('node:inspector').Session)() : undefined;
const post = (method, params) =>
  new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));

function finish() {
  const out = {
    calls: measured.events.length,
    warmupCalls: warm.events.length,
    samples: Object.fromEntries(KINDS.map((k, i) => [k, Array.from(samples[i].subarray(0, fill[i]))])),
    sampleBatch: Object.fromEntries(KINDS.map((k, i) => [k, Array.from(sampleBatch[i].subarray(0, fill[i]))])),
    rssBeforeRequireKB,
    maxRssKB: peakRssKB(),
    failureCount,
    failures,
  };
  writeFileSync(cfg.out, JSON.stringify(out));
}

async function main() {
  await runCalls(warm, 0, warm.events.length, false, -1);
  // Start the measured calls from a settled heap: the token files make a large old generation, and while V8 is
  // still marking it incrementally, allocations pay for marking steps. The harness runs this with --expose-gc.
  if (typeof gc === 'function') {
    gc();
    gc();
  }
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: cfg.profileIntervalUs || 50 });
    await post('Profiler.start');
  }
  if (typeof process.send !== 'function') {
    await runCalls(measured, 0, measured.events.length, true, 0);
    if (session) writeFileSync(cfg.profileOut, JSON.stringify((await post('Profiler.stop')).profile));
    finish();
    return;
  }
  process.on('message', (msg) => {
    if (msg.run) {
      runCalls(measured, msg.run[0], Math.min(msg.run[1], measured.events.length), true, msg.batch).then(
        () => process.send({ done: true }),
        (e) => {
          failureCount++;
          failures.push(`crashed: ${e && e.name}: ${e && e.message}`);
          process.send({ done: true });
        },
      );
    } else if (msg.finish) {
      finish();
      process.disconnect();
    }
  });
  process.send({ ready: true, calls: measured.events.length });
}

main().catch((e) => {
  writeFileSync(cfg.out, JSON.stringify({ failureCount: 1, failures: [`crashed: ${e && e.name}: ${e && e.message}`] }));
  if (typeof process.send === 'function') process.send({ crashed: true });
  process.exit(0);
});
