// Candidate 2: the Lambda authorizer from Clerk's guide "How to secure API Gateway using JWT and Lambda Authorizers
// with Clerk" (see /work/shared/reference/clerk-api-gateway-guide.txt), copied faithfully, defects included:
// - `jwt.verify(token, publicKey)` with no options: no `algorithms`, no `issuer`, no clock tolerance; jsonwebtoken
//   re-parses the PEM string into a KeyObject on every call;
// - an invalid/expired token makes `jwt.verify` throw a JsonWebTokenError/TokenExpiredError out of the handler
//   (API Gateway answers 500, not 401);
// - `claims.metadata.role` throws a TypeError when the token has no `metadata` claim (500 again);
// - the whole `metadata` object becomes the policy context, `Resource` is the method ARN.
// Only change: the guide pastes the PEM into the source; every candidate here reads the same PEM from the same
// environment variable the shipped handler uses, so none has an advantage.
import jwt from 'jsonwebtoken'

const publicKey = process.env.CLERK_PUBLIC_KEY_PEM

export async function handler(event, context, callback) {
  // Extract the token from the Authorization header
  const token = event.authorizationToken.split(' ')[1]

  // Verifies and decodes the JWT
  const claims = jwt.verify(token, publicKey)

  // Check if the user is an admin
  if (claims.metadata.role === 'admin') {
    callback(null, generatePolicy(claims.metadata, claims.sub, 'Allow', event.methodArn))
  } else {
    callback(null, generatePolicy(null, claims.sub, 'Deny', event.methodArn))
  }
}

function generatePolicy(metadata, principalId, effect, resource) {
  const authResponse = {
    principalId: principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: effect,
          Resource: resource,
        },
      ],
    },
  }
  if (metadata) {
    authResponse.context = metadata
  }
  return authResponse
}
