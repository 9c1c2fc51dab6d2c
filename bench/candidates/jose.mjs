// Candidate 3: jose `jwtVerify` straight (WebCrypto under the hood), key imported once at module scope.
import { importSPKI, jwtVerify } from 'jose';
import { bearer, isAdmin, policy, unauthorized } from './_common.mjs';

const issuer = process.env.CLERK_ISSUER;
const keyPromise = importSPKI(process.env.CLERK_PUBLIC_KEY_PEM, 'RS256');
const options = { issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'sub'], clockTolerance: 5 };

export const handler = async (event) => {
  const token = bearer(event.authorizationToken);
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(token, await keyPromise, options));
  } catch {
    throw unauthorized();
  }
  return isAdmin(claims)
    ? policy(claims.sub, 'Allow', event.methodArn, { userId: claims.sub })
    : policy(claims.sub, 'Deny', event.methodArn);
};
