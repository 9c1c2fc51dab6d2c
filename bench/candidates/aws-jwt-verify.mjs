// Candidate 4: aws-jwt-verify (`JwtVerifier`, formerly `JwtRsaVerifier`) used offline: the JWK derived from the PEM
// is put in the verifier's JWKS cache at module scope (`cacheJwks`), so `verifySync` never fetches.
// aws-jwt-verify insists on a `kid` in the token header that matches a JWK in the cache; Clerk's PEM carries no
// kid, so this candidate is also given the instance's kid (CLERK_KID). It checks exp/nbf (and iat), iss, alg.
import { createPublicKey } from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import { bearer, isAdmin, policy, unauthorized } from './_common.mjs';

const issuer = process.env.CLERK_ISSUER;
const verifier = JwtVerifier.create({
  issuer,
  audience: null,
  jwksUri: `${issuer}/.well-known/jwks.json`,
  graceSeconds: 5,
});
const jwk = createPublicKey(process.env.CLERK_PUBLIC_KEY_PEM).export({ format: 'jwk' });
verifier.cacheJwks({ keys: [{ ...jwk, kid: process.env.CLERK_KID, alg: 'RS256', use: 'sig' }] });

export const handler = async (event) => {
  const token = bearer(event.authorizationToken);
  let claims;
  try {
    claims = verifier.verifySync(token);
  } catch {
    throw unauthorized();
  }
  return isAdmin(claims)
    ? policy(claims.sub, 'Allow', event.methodArn, { userId: claims.sub })
    : policy(claims.sub, 'Deny', event.methodArn);
};
