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
const { openSync, readFileSync, writeFileSync, writeSync } = require('node:fs');
const { KINDS, installLambdaConsole, peakRssKB, lambdaContext, check, callbackRecorder } = require('./outcome.cjs');

installLambdaConsole();

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));

/**
 * The tokens of a file, kept off the JS heap: every `Authorization` value ('Bearer <jwt>') and every `sub` as
 * latin1 bytes in one Buffer each, with offsets. A heap holding tens of thousands of token strings and event objects
 * (nothing a Lambda process ever holds) makes V8 run long incremental-marking cycles over it while the calls are
 * measured, which slowed candidates unevenly (a tight loop ran ~1.6x slower for seconds at a time). The event of a
 * call is built right before the call, outside the timed region, as fresh flat strings, like the runtime's
 * JSON.parse of the invocation.
 */
function load(file) {
  const t = JSON.parse(readFileSync(file, 'utf8'));
  const n = Math.min(...KINDS.map((k) => t[k].length));
  const auth = [];
  const subs = [];
  const kinds = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < KINDS.length; k++) {
      if (cfg.kinds && !cfg.kinds.includes(KINDS[k])) continue; // profiling one kind (bench/profile.mjs)
      auth.push(`Bearer ${t[KINDS[k]][i][0]}`);
      subs.push(t[KINDS[k]][i][1]);
      kinds.push(k);
    }
  }
  const pack = (strings) => {
    const offsets = new Int32Array(strings.length + 1);
    for (let i = 0; i < strings.length; i++) offsets[i + 1] = offsets[i] + strings[i].length;
    return { buf: Buffer.from(strings.join(''), 'latin1'), offsets };
  };
  return { auth: pack(auth), subs: pack(subs), kinds: Int8Array.from(kinds), length: kinds.length, n };
}
const at = (packed, i) => packed.buf.toString('latin1', packed.offsets[i], packed.offsets[i + 1]);

const warm = load(cfg.warmupFile);
const measured = load(cfg.roundFile);
if (typeof gc === 'function') gc();
// Reset the peak-RSS mark (Linux: "5" > /proc/self/clear_refs) so that the peak reported at the end is what the
// candidate added on top of the loaded tokens (its code, its heap), not the JSON parsing of the token files.
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  // not Linux, or not allowed: the peak then includes the token loading
}
const rssBeforeRequireKB = Math.round(process.memoryUsage().rss / 1024);
const { handler } = require(cfg.bundle);

const cb = callbackRecorder();
const failures = [];
let failureCount = 0;
// Samples in call order per kind (µs), and the batch each belongs to (for per-batch statistics).
const samples = KINDS.map(() => new Float64Array(measured.n));
const sampleBatch = KINDS.map(() => new Int32Array(measured.n));
const fill = new Int32Array(KINDS.length);
const hr = process.hrtime.bigint;

// Between two invocations the Lambda runtime enters the kernel (it posts the answer and fetches the next event over
// HTTP, blocking until one arrives), so no invocation starts with the previous one's TLB and caches intact. One
// 1-byte write to /dev/null before every call, outside the timed region, stands in for that, for every candidate
// alike (`--runtime-io=none` leaves it out). Without it, a candidate's system call (a log line) in one call is
// billed to the next call (where this VM's page-table isolation makes it refill its TLB), while a candidate
// that never enters the kernel runs every call warm, which no Lambda invocation does.
const runtimeIoFd = cfg.runtimeIo ? openSync('/dev/null', 'w') : -1;
const RUNTIME_IO_BYTE = Buffer.from('\n');

async function runCalls(set, from, to, timed, batch) {
  const { kinds } = set;
  for (let i = from; i < to; i++) {
    const event = { type: 'TOKEN', authorizationToken: at(set.auth, i), methodArn: cfg.methodArn };
    const sub = at(set.subs, i);
    if (runtimeIoFd >= 0) writeSync(runtimeIoFd, RUNTIME_IO_BYTE);
    cb.reset();
    let res;
    let err;
    let threw = false;
    const t0 = hr();
    try {
      res = await handler(event, lambdaContext, cb.callback);
    } catch (e) {
      threw = true;
      err = e;
    }
    const t1 = hr();
    ({ threw, err, res } = cb.result(threw, err, res));
    const k = kinds[i];
    const f = check(KINDS[k], sub, cfg.methodArn, cfg.expect, threw, err, res);
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
    calls: measured.length,
    warmupCalls: warm.length,
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
  await runCalls(warm, 0, warm.length, false, -1);
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
    await runCalls(measured, 0, measured.length, true, 0);
    if (session) writeFileSync(cfg.profileOut, JSON.stringify((await post('Profiler.stop')).profile));
    finish();
    return;
  }
  process.on('message', (msg) => {
    if (msg.run) {
      runCalls(measured, msg.run[0], Math.min(msg.run[1], measured.length), true, msg.batch).then(
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
  process.send({ ready: true, calls: measured.length });
}

main().catch((e) => {
  writeFileSync(cfg.out, JSON.stringify({ failureCount: 1, failures: [`crashed: ${e && e.name}: ${e && e.message}`] }));
  if (typeof process.send === 'function') process.send({ crashed: true });
  process.exit(0);
});
