import { OrganizationClaims } from '../predicate';
import { EventKind } from './event';
import { Reason } from './reasons';
import { Verified } from './verify';

/**
 * The answers API Gateway understands, and the decision log.
 *
 * | decision     | REST TOKEN / REQUEST (and HTTP payload 1.0)  | HTTP API payload 2.0 (simple responses) |
 * |--------------|----------------------------------------------|-----------------------------------------|
 * | allow        | Allow policy + context → integration          | `{ isAuthorized: true, context }`       |
 * | deny         | Deny policy → 403                            | `{ isAuthorized: false }` → 403          |
 * | unauthorized | throw exactly `Error('Unauthorized')` → 401  | `{ isAuthorized: false }` → 403          |
 * Anything else (another error, a malformed answer) is a 500 from API Gateway.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */

/** REST authorizer output. */
export interface PolicyResponse {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: ReadonlyArray<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string }>;
  };
  readonly context?: Readonly<Record<string, string>>;
}

/** HTTP API 2.0 simple response. */
export interface SimpleResponse {
  readonly isAuthorized: boolean;
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * The context passed to the integration: strings only (REST turns an object or array value into a 500). `orgRole`
 * and `orgPermissions` are Clerk's `auth().orgRole` / `auth().orgPermissions`, `''` without an active organization;
 * `claims` is the whole verified payload as one JSON string.
 */
export function context(verified: Verified, org: OrganizationClaims, claims: string): Record<string, string> {
  return {
    userId: verified.sub,
    sessionId: verified.sid,
    orgId: org.id,
    orgRole: org.role,
    orgPermissions: org.permissions.join(','),
    claims,
  };
}

/** An IAM policy answer for `resource` (the whole stage). Deny carries no context. */
export function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string, ctx?: Record<string, string>): PolicyResponse {
  const answer = {
    principalId,
    policyDocument: {
      Version: '2012-10-17' as const,
      Statement: [{ Action: 'execute-api:Invoke' as const, Effect: effect, Resource: resource }],
    },
  };
  return ctx === undefined ? answer : { ...answer, context: ctx };
}

/** The one error message API Gateway turns into a 401; any other error is a 500. */
export function unauthorizedError(): Error {
  // Without a stack trace: API Gateway reads only the message, and capturing a stack would cost more than the rest of
  // refusing an expired token.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Error('Unauthorized');
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Who the decision was about, when known: `sub`/`sid` only from a verified token, `kid` as the header said. */
export interface LogDetails {
  readonly sub?: string;
  readonly sid?: string;
  readonly kid?: string;
}

/**
 * One JSON line per decision, with a stable reason code. Never the token, its signature or the event: a bearer token
 * in a log is a credential anyone with log access can replay until it expires.
 */
export function logDecision(decision: 'allow' | 'deny' | 'unauthorized', reason: Reason, kind: EventKind | undefined, details: LogDetails = {}): void {
  // JSON.stringify leaves out undefined members, so a field is only present when known.
  console.log(JSON.stringify({ decision, reason, sub: details.sub, sid: details.sid, kid: details.kid, event: kind }));
}
