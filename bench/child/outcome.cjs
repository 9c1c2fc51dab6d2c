'use strict';
// Outcome classification and checks shared by the cold and warm child processes. Nothing here ever prints a token.

const KINDS = ['valid', 'expired', 'badsig', 'forbidden'];

/**
 * Console as the Lambda Node.js runtime sets it up before it loads the handler (aws-lambda-nodejs-runtime-interface-
 * client LogPatch): every console method formats its arguments with util.format, prefixes timestamp, request id and
 * level, and writes the line with one synchronous write (there to the telemetry fd; here to stdout, a pipe). Without
 * this, the first console.log in a bare Node process would also build the process.stdout stream (several ms and
 * extra modules at cold start) that a real Lambda handler never pays for.
 */
function installLambdaConsole() {
  const { writeSync } = require('node:fs');
  const { format } = require('node:util');
  const emit = (level) => (message, ...params) => {
    writeSync(1, `${new Date().toISOString()}\t${lambdaContext.awsRequestId}\t${level}\t${format(message, ...params)}\n`);
  };
  console.trace = emit('TRACE');
  console.debug = emit('DEBUG');
  console.info = emit('INFO');
  console.log = emit('INFO');
  console.warn = emit('WARN');
  console.error = emit('ERROR');
}

/**
 * Peak RSS of this process in KiB: VmHWM from /proc/self/status (Linux). Not process.resourceUsage().maxRSS: on
 * Linux, ru_maxrss survives fork+exec, so a child reports at least its parent's peak (the harness holds all tokens).
 */
function peakRssKB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return Math.round(process.memoryUsage().rss / 1024);
}

/** Lambda-like context object (the guide's handler takes `(event, context, callback)`). */
const lambdaContext = {
  functionName: 'bench-authorizer',
  functionVersion: '$LATEST',
  awsRequestId: '00000000-0000-4000-8000-000000000000',
  memoryLimitInMB: '256',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10000,
};

function tokenEvent(token, methodArn) {
  return { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn };
}

/** `arn:aws:execute-api:R:A:API/STAGE/VERB/path` → `arn:aws:execute-api:R:A:API/STAGE/*` */
function stageArn(methodArn) {
  const i = methodArn.indexOf('/');
  const j = methodArn.indexOf('/', i + 1);
  return `${methodArn.slice(0, j)}/*`;
}

function isScalarMap(o) {
  if (o === undefined) return true;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  return Object.values(o).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
}

/**
 * Checks one outcome. `expect` is the candidate's declared semantics:
 * `{ resource: 'method'|'stage', contextUserId: bool, reject: { expired: <errSpec>, badsig: <errSpec> } }` where an
 * errSpec is `{ message: 'Unauthorized' }` or `{ name: 'TokenExpiredError' }` etc. Returns '' when the outcome is
 * the expected one, else a short description (error names and messages, effects; never tokens).
 */
function check(kind, sub, methodArn, expect, threw, err, res) {
  if (kind === 'expired' || kind === 'badsig') {
    const want = expect.reject[kind];
    if (!threw) return `${kind}: expected a throw (${JSON.stringify(want)}), got ${describe(res)}`;
    const name = err && err.name;
    const message = err && err.message;
    if (want.name !== undefined && name !== want.name) return `${kind}: expected ${want.name}, got ${name}: ${message}`;
    if (want.message !== undefined && message !== want.message) {
      return `${kind}: expected message ${JSON.stringify(want.message)}, got ${name}: ${JSON.stringify(message)}`;
    }
    return '';
  }
  if (threw) return `${kind}: unexpected throw ${err && err.name}: ${err && err.message}`;
  if (expect.resource === 'policy') return checkPolicy(kind, sub, methodArn, expect, res);
  const effect = kind === 'valid' ? 'Allow' : 'Deny';
  const st = res && res.policyDocument && Array.isArray(res.policyDocument.Statement) && res.policyDocument.Statement;
  if (!st || st.length !== 1) return `${kind}: malformed response ${describe(res)}`;
  if (res.policyDocument.Version !== '2012-10-17') return `${kind}: bad policy Version`;
  if (st[0].Effect !== effect) return `${kind}: expected ${effect}, got ${st[0].Effect}`;
  if (st[0].Action !== 'execute-api:Invoke') return `${kind}: bad Action ${st[0].Action}`;
  const resource = expect.resource === 'stage' ? stageArn(methodArn) : methodArn;
  if (st[0].Resource !== resource) return `${kind}: expected Resource ${resource}, got ${st[0].Resource}`;
  if (res.principalId !== sub) return `${kind}: principalId is not the token's sub`;
  if (!isScalarMap(res.context)) return `${kind}: context is not a map of scalars (API Gateway answers 500)`;
  if (kind === 'valid' && expect.contextUserId && (!res.context || res.context.userId !== sub)) {
    return `${kind}: context.userId is not the token's sub`;
  }
  return '';
}

/**
 * Per-route rules: the answer is an IAM policy for every route; what counts is its decision for the requested method
 * ARN (explicit Deny wins, else a matching Allow, else deny; `*` any run of characters, `?` one).
 */
function checkPolicy(kind, sub, methodArn, expect, res) {
  const doc = res && res.policyDocument;
  if (!doc || doc.Version !== '2012-10-17' || !Array.isArray(doc.Statement) || doc.Statement.length === 0) {
    return `${kind}: malformed response ${describe(res)}`;
  }
  const glob = (p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
  let allowed = false;
  for (const st of doc.Statement) {
    if (st.Action !== 'execute-api:Invoke' || (st.Effect !== 'Allow' && st.Effect !== 'Deny')) return `${kind}: bad statement`;
    const resources = typeof st.Resource === 'string' ? [st.Resource] : st.Resource;
    if (!resources.some((r) => glob(r).test(methodArn))) continue;
    if (st.Effect === 'Deny') {
      allowed = false;
      break;
    }
    allowed = true;
  }
  const want = kind === 'valid';
  if (allowed !== want) return `${kind}: expected ${want ? 'allow' : 'deny'} for the method ARN, got ${allowed ? 'allow' : 'deny'}`;
  if (res.principalId !== sub) return `${kind}: principalId is not the token's sub`;
  if (!isScalarMap(res.context)) return `${kind}: context is not a map of scalars (API Gateway answers 500)`;
  if (kind === 'valid' && expect.contextUserId && (!res.context || res.context.userId !== sub)) {
    return `${kind}: context.userId is not the token's sub`;
  }
  return '';
}

function describe(res) {
  if (res === undefined) return 'undefined';
  const st = res && res.policyDocument && res.policyDocument.Statement;
  if (Array.isArray(st) && st[0]) return `policy ${st[0].Effect}`;
  return `a ${typeof res} with keys ${res && typeof res === 'object' ? Object.keys(res).join(',') : ''}`;
}

/**
 * A Lambda-style callback that records its call (the guide's handler answers through it). After the call, `result`
 * gives what the handler answered: the callback's error/result when it was called, else what the promise gave.
 */
function callbackRecorder() {
  const rec = {
    called: false,
    err: undefined,
    res: undefined,
    callback: (e, r) => {
      rec.called = true;
      rec.err = e;
      rec.res = r;
    },
    reset: () => {
      rec.called = false;
    },
    result: (threw, err, res) => (rec.called ? { threw: !!rec.err, err: rec.err, res: rec.res } : { threw, err, res }),
  };
  return rec;
}

module.exports = { KINDS, installLambdaConsole, peakRssKB, lambdaContext, tokenEvent, stageArn, check, callbackRecorder };
