'use strict';
// One warm round for one candidate, in its own process (no JIT or heap state shared with other candidates):
// require the bundle, warm up on a separate token set, then time every call on this round's tokens. Every outcome
// is checked. Kinds are interleaved call by call (valid, expired, badsig, forbidden, valid, ...).
// Usage: node warm.cjs <config.json>; writes the result JSON to config.out.
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

async function main() {
  const warm = load(cfg.warmupFile);
  const round = load(cfg.roundFile);
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
  const samples = KINDS.map(() => new Float64Array(round.n));
  const fill = new Int32Array(KINDS.length);
  const hr = process.hrtime.bigint;

  // bench/profile.mjs: CPU-profile the measured loop only (not the token loading, the require or the warm-up).
  const session = cfg.profileOut ? new (require('node:inspector').Session)() : undefined;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: cfg.profileIntervalUs || 50 });
  }

  for (const [set, timed] of [[warm, false], [round, true]]) {
    const { events, subs, kinds } = set;
    // Start the measured calls from a settled heap: the token files make a large old generation, and while V8 is
    // still marking it incrementally, every allocation pays for marking steps (the floor ran ~1.6x slower for the
    // first few thousand calls). Run with --expose-gc (the harness does).
    if (timed && typeof gc === 'function') {
      gc();
      gc();
    }
    if (timed && session) await post('Profiler.start');
    for (let i = 0; i < events.length; i++) {
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
      if (timed) samples[k][fill[k]++] = Number(t1 - t0) / 1000; // µs
    }
  }
  if (session) {
    const { profile } = await post('Profiler.stop');
    writeFileSync(cfg.profileOut, JSON.stringify(profile));
    session.disconnect();
  }
  const out = {
    calls: round.events.length,
    warmupCalls: warm.events.length,
    samples: Object.fromEntries(KINDS.map((k, i) => [k, Array.from(samples[i].subarray(0, fill[i]))])),
    rssBeforeRequireKB,
    maxRssKB: peakRssKB(),
    failureCount,
    failures,
  };
  writeFileSync(cfg.out, JSON.stringify(out));
}

main().catch((e) => {
  writeFileSync(cfg.out, JSON.stringify({ failureCount: 1, failures: [`crashed: ${e && e.name}: ${e && e.message}`] }));
});
