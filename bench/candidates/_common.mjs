// Shared by the peer candidates (3-6) so they do the same non-crypto work: extract the bearer token, build the
// policy. Candidate 2 (Clerk's guide) keeps its own code, copied from the guide. Bundled into each candidate.

/** `Bearer <jwt>` (scheme case-insensitive) or a bare `<jwt>`; anything else is an empty string. */
export function bearer(header) {
  if (typeof header !== 'string') return '';
  if (header.startsWith('Bearer ')) return header.slice(7);
  if (header.length > 7 && header.charCodeAt(6) === 32 && header.slice(0, 6).toLowerCase() === 'bearer') {
    return header.slice(7);
  }
  return header.indexOf(' ') === -1 ? header : '';
}

/** API Gateway TOKEN-authorizer policy for the method ARN. */
export function policy(principalId, effect, resource, context) {
  const out = {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
  };
  if (context) out.context = context;
  return out;
}

/** The job's claim check: `metadata.role == 'admin'` (strict, own properties only). */
export function isAdmin(claims) {
  const m = claims.metadata;
  return m !== null && typeof m === 'object' && Object.prototype.hasOwnProperty.call(m, 'role') && m.role === 'admin';
}

export function unauthorized() {
  return new Error('Unauthorized');
}
