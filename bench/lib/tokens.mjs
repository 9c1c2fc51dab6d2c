// Test material for the benchmark: one RSA-2048 key pair, Clerk-like v2 session tokens (and, for the machine-token
// rows, OAuth access token and M2M token JWTs) signed RS256 with
// node:crypto, every token distinct (sub, sid, jti). Signing is spread over worker threads.
import { generateKeyPairSync, randomBytes, createPrivateKey, sign } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export const KINDS = ['valid', 'expired', 'badsig', 'forbidden'];

const b64u = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function clerkId(prefix) {
  const bytes = randomBytes(27);
  let s = prefix;
  for (const b of bytes) s += ALNUM[b % 62];
  return s;
}

export function makeKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    kid: clerkId('ins_'),
  };
}

/** The machine this API is (`machineId` of the M2M flavor), and another one an M2M token may also list. */
export const BENCH_MACHINE_ID = 'mch_2xBenchApiTESTtestTESTtestTEST';
const OTHER_MACHINE_ID = 'mch_2yBenchOtherTESTtestTESTtestTE';

/**
 * Unsigned token specs: `{ kind, sub, signingInput }`. Valid and forbidden tokens live an hour (the run must not
 * outlive them), expired ones expired an hour ago (far beyond any skew). `forbidden` = valid but fails the rule (the
 * session and M2M flavors: metadata.role is not admin; the OAuth flavor: the token lacks the mcp:read scope).
 * `badsig` = a valid token whose signature belongs to another token (a well-formed RS256 signature by the right key,
 * over different bytes).
 *
 * Flavors (Clerk's shapes): `session` (a v2 session token), `oauth` (an OAuth access token JWT: typ at+jwt,
 * client_id, scope), `m2m` (an M2M token JWT: cat M2M, sub mch_..., aud and scopes listing BENCH_MACHINE_ID, a custom
 * metadata claim).
 */
function spec(kind, issuer, kid, now, flavor = 'session') {
  const expired = kind === 'expired';
  const iat = expired ? now - 3600 : now - 1;
  const exp = expired ? now - 3540 : now + 3600;
  const role = kind === 'forbidden' ? 'member' : 'admin';
  if (flavor === 'oauth') {
    const sub = clerkId('user_');
    const header = { alg: 'RS256', kid, typ: 'at+jwt' };
    const payload = {
      iss: issuer,
      sub,
      client_id: 'client_2VTWUzvGC5UhdJCNx6xG1D98edc',
      jti: clerkId('oat_'),
      iat,
      nbf: iat - 5,
      exp,
      scope: kind === 'forbidden' ? 'profile email' : 'profile email mcp:read',
    };
    return { kind, sub, signingInput: `${b64u(header)}.${b64u(payload)}` };
  }
  if (flavor === 'm2m') {
    const sub = clerkId('mch_');
    const header = { alg: 'RS256', cat: 'cl_B7d4PD333AAA', kid, typ: 'JWT' };
    const payload = {
      iss: issuer,
      sub,
      aud: [BENCH_MACHINE_ID, OTHER_MACHINE_ID],
      scopes: `${BENCH_MACHINE_ID} ${OTHER_MACHINE_ID}`,
      jti: clerkId('mt_'),
      iat,
      nbf: iat - 5,
      exp,
      metadata: { role },
    };
    return { kind, sub, signingInput: `${b64u(header)}.${b64u(payload)}` };
  }
  const sub = clerkId('user_');
  const header = { alg: 'RS256', cat: 'cl_B7d4PD111AAA', kid, typ: 'JWT' };
  const payload = {
    azp: 'https://app.example.com',
    exp,
    fva: [3, -1],
    iat,
    iss: issuer,
    jti: randomBytes(10).toString('hex'),
    nbf: iat - 5,
    sid: clerkId('sess_'),
    sts: 'active',
    sub,
    v: 2,
    metadata: { role },
  };
  return { kind, sub, signingInput: `${b64u(header)}.${b64u(payload)}` };
}

function signAll(privateKeyPem, inputs) {
  const key = createPrivateKey(privateKeyPem);
  return inputs.map((s) => sign('sha256', Buffer.from(s), key).toString('base64url'));
}

if (!isMainThread && workerData && workerData.role === 'bench-signer') {
  parentPort.postMessage(signAll(workerData.privateKeyPem, workerData.inputs));
}

async function signParallel(privateKeyPem, inputs, threads) {
  if (threads <= 1 || inputs.length < 256) return signAll(privateKeyPem, inputs);
  const per = Math.ceil(inputs.length / threads);
  const parts = [];
  for (let i = 0; i < threads; i++) {
    const slice = inputs.slice(i * per, (i + 1) * per);
    parts.push(
      new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), {
          workerData: { role: 'bench-signer', privateKeyPem, inputs: slice },
        });
        w.once('message', resolve);
        w.once('error', reject);
      }),
    );
  }
  return (await Promise.all(parts)).flat();
}

/**
 * `count` tokens of every kind, of one flavor (`session`, `oauth`, `m2m`): returns `{ valid: [[token, sub], ...], expired: [...], badsig: [...],
 * forbidden: [...] }`.
 */
export async function makeTokens({ issuer, kid, privateKeyPem, count, threads = 2, flavor = 'session' }) {
  const now = Math.floor(Date.now() / 1000);
  const specs = [];
  for (let i = 0; i < count; i++) for (const kind of KINDS) specs.push(spec(kind, issuer, kid, now, flavor));
  const toSign = specs.filter((s) => s.kind !== 'badsig');
  const sigs = await signParallel(privateKeyPem, toSign.map((s) => s.signingInput), threads);
  const out = { valid: [], expired: [], badsig: [], forbidden: [] };
  toSign.forEach((s, i) => out[s.kind].push([`${s.signingInput}.${sigs[i]}`, s.sub]));
  // Bad signatures: the signature of the valid token with the same index (a real signature, wrong bytes).
  let j = 0;
  for (const s of specs) {
    if (s.kind !== 'badsig') continue;
    out.badsig.push([`${s.signingInput}.${out.valid[j][0].slice(out.valid[j][0].lastIndexOf('.') + 1)}`, s.sub]);
    j++;
  }
  return out;
}
