// Candidate 6, the floor: node:crypto only. The KeyObject is imported once at module scope, the signature is
// checked with crypto.verify (RSASSA-PKCS1-v1_5 / SHA-256), then the same claim checks as the peers: alg RS256,
// iss exact, exp required, exp/nbf with 5 s skew, sub required, metadata.role == 'admin'.
import { createPublicKey, verify } from 'node:crypto';
import { bearer, isAdmin, policy, unauthorized } from './_common.mjs';

const issuer = process.env.CLERK_ISSUER;
const key = createPublicKey(process.env.CLERK_PUBLIC_KEY_PEM);
const SKEW = 5;

function verifyToken(token) {
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a < 1 || b < 0 || token.indexOf('.', b + 1) !== -1) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, a), 'base64url').toString());
  } catch {
    return null;
  }
  if (header === null || header.alg !== 'RS256') return null;
  const ok = verify('sha256', Buffer.from(token.slice(0, b)), key, Buffer.from(token.slice(b + 1), 'base64url'));
  if (!ok) return null;
  try {
    claims = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString());
  } catch {
    return null;
  }
  if (claims === null || typeof claims !== 'object') return null;
  const now = Date.now() / 1000;
  if (claims.iss !== issuer) return null;
  if (typeof claims.exp !== 'number' || claims.exp + SKEW <= now) return null;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf - SKEW > now)) return null;
  if (typeof claims.sub !== 'string' || claims.sub === '') return null;
  return claims;
}

export const handler = async (event) => {
  const claims = verifyToken(bearer(event.authorizationToken));
  if (claims === null) throw unauthorized();
  return isAdmin(claims)
    ? policy(claims.sub, 'Allow', event.methodArn, { userId: claims.sub })
    : policy(claims.sub, 'Deny', event.methodArn);
};
