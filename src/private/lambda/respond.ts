import { TokenKind } from '../contract';
import { EventKind } from './event';
import { OrganizationClaims } from './organization';
import { Detail, Reason } from './reasons';
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
    readonly Statement: ReadonlyArray<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string | readonly string[] }>;
  };
  readonly context?: Readonly<Record<string, string>>;
}

/** HTTP API 2.0 simple response. */
export interface SimpleResponse {
  readonly isAuthorized: boolean;
  readonly context?: Readonly<Record<string, string>>;
}

/**
 * The context passed to the integration: strings only (REST turns an object or array value into a 500).
 *
 * Every kind: `tokenType` (`session_token`, `oauth_token`, `m2m_token`), `userId`, `sessionId`, `orgId`, `orgRole`,
 * `orgPermissions` and `claims` (the whole verified payload as one JSON string). A session token: `orgRole` and
 * `orgPermissions` are Clerk's `auth().orgRole` / `auth().orgPermissions`, `''` without an active organization. An
 * OAuth access token: `userId` is the user the client acts for, `sessionId` `''`, `orgId` the `org_id` claim (the
 * `user:org:read` scope) or `''`, and `clientId` and `scopes` (space-separated) are added. An M2M token: `userId` is
 * `''` (a machine is not a user) and `machineId` (the calling machine) is added.
 */
export function context(verified: Verified, org: OrganizationClaims, claims: string): Record<string, string> {
  const ctx: Record<string, string> = {
    tokenType: verified.kind,
    userId: verified.kind === TokenKind.M2M ? '' : verified.sub,
    sessionId: verified.sid,
    orgId: org.id,
    orgRole: org.role,
    orgPermissions: org.permissions.join(','),
    claims,
  };
  if (verified.kind === TokenKind.OAUTH) {
    ctx.clientId = verified.machine?.clientId ?? '';
    ctx.scopes = (verified.machine?.scopes ?? []).join(' ');
  } else if (verified.kind === TokenKind.M2M) {
    ctx.machineId = verified.sub;
  }
  return ctx;
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

/**
 * Who the decision was about, when known: `sub`/`sid` only from a verified token, `kid` as the header said,
 * `tokenType` for a verified machine token (a record without it is about a session token or none).
 */
export interface LogDetails {
  readonly sub?: string;
  readonly sid?: string;
  readonly kid?: string;
  readonly tokenType?: string;
}

/**
 * One decision as it is logged: the decision, its stable reason code, which cause within the reason (`detail`, when
 * it has several), who it was about, the event kind.
 */
export interface DecisionRecord extends LogDetails {
  readonly decision: 'allow' | 'deny' | 'unauthorized';
  readonly reason: Reason;
  readonly detail?: Detail;
  readonly event?: EventKind;
}

/**
 * The record with only its known members (a field is present only when known), in a fixed order: decision, reason,
 * detail first, so that the first `"reason":` of a log line is always the record's own (the README's Logs Insights
 * queries read it that way).
 */
export function decisionRecord(
  decision: DecisionRecord['decision'],
  reason: Reason,
  detail: Detail | undefined,
  kind: EventKind | undefined,
  details: LogDetails = {},
): DecisionRecord {
  const record: { -readonly [K in keyof DecisionRecord]: DecisionRecord[K] } = { decision, reason };
  if (detail !== undefined) record.detail = detail;
  if (details.sub !== undefined) record.sub = details.sub;
  if (details.sid !== undefined) record.sid = details.sid;
  if (details.kid !== undefined) record.kid = details.kid;
  if (details.tokenType !== undefined) record.tokenType = details.tokenType;
  if (kind !== undefined) record.event = kind;
  return record;
}

/**
 * The one error API Gateway turns into a 401 (any other error is a 500), carrying the decision record as its own
 * enumerable properties.
 *
 * The Lambda Node.js runtime logs every error a handler throws, as one ERROR line that includes the error's own
 * enumerable properties (Text format: `Invoke Error` and the error as JSON; JSON format: the error as the line's
 * `message` object), and posts only its name, message and stack as the invocation error (API Gateway reads the
 * message). So a refused REST request's decision record travels in that line, which the runtime writes
 * anyway, instead of a second line of ours: one line per decision, one log write less per 401.
 */
export function unauthorizedError(record: DecisionRecord): Error {
  // Without a stack trace: API Gateway reads only the message, and capturing a stack would cost more than the rest of
  // refusing an expired token.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let error: Error;
  try {
    error = new Error('Unauthorized');
  } finally {
    Error.stackTraceLimit = limit;
  }
  return Object.assign(error, record);
}

/**
 * Logs a decision that is answered (not thrown) as one line with its stable reason code. Never the token, its
 * signature or the event: a bearer token in a log is a credential anyone with log access can replay until it
 * expires.
 *
 * `asObject` (the function's log format is JSON): the record itself, which the runtime nests as the line's `message`
 * object, as it does with the REST 401's error, so that metric filters read `$.message.reason` from every record. In
 * the Text format, the record as a JSON string (an object would be printed by `util.inspect`, not as JSON). Either way
 * the record's members appear unescaped in the line (`"reason":"expired"`).
 */
export function logDecision(record: DecisionRecord, asObject: boolean): void {
  console.log(asObject ? record : JSON.stringify(record));
}
