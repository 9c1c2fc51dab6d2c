// Candidate 5: @clerk/backend `verifyToken` with `jwtKey` (networkless), as Clerk's docs recommend for manual
// verification. It checks the signature (RS256), exp/nbf/iat with its 5 s default skew, and `iss` when given.
import { verifyToken } from '@clerk/backend';
import { bearer, isAdmin, policy, unauthorized } from './_common.mjs';

const options = { jwtKey: process.env.CLERK_PUBLIC_KEY_PEM, issuer: process.env.CLERK_ISSUER };

export const handler = async (event) => {
  const token = bearer(event.authorizationToken);
  let claims;
  try {
    claims = await verifyToken(token, options);
  } catch {
    throw unauthorized();
  }
  return isAdmin(claims)
    ? policy(claims.sub, 'Allow', event.methodArn, { userId: claims.sub })
    : policy(claims.sub, 'Deny', event.methodArn);
};
