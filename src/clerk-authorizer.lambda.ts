'use strict';
/**
 * The Clerk authorizer: one handler for REST TOKEN, REST REQUEST (and HTTP API payload 1.0) and HTTP API payload
 * 2.0 events. It reads like its five steps; the work lives in `./private/lambda`.
 *
 * 1. extract the token from the event, 2. verify it (structure, header, claims, RS256 signature), 3. decode the
 * organization claims and evaluate the predicate, 4. log the decision, 5. answer as API Gateway expects (a REST 401
 * is a thrown error that carries its decision record: the Lambda runtime logs it).
 */
import { TokenKind } from './private/contract';
import { hasNonFiniteNumber } from './private/json';
import { loadConfig } from './private/lambda/config';
import { evaluatePredicate } from './private/lambda/evaluate';
import { EventKind, eventKind, extractToken, stageResource } from './private/lambda/event';
import { decodeOrganization } from './private/lambda/organization';
import { Detail, Reason, reject, Rejection } from './private/lambda/reasons';
import { context, decisionRecord, LogDetails, logDecision, policy, PolicyResponse, SimpleResponse, unauthorizedError } from './private/lambda/respond';
import type { RouteTarget } from './private/lambda/routes';
import { Seen, verifyToken } from './private/lambda/verify';

// Module scope, so it happens once per cold start and warm invocations reuse it: the configuration is validated
// (a bad variable throws here, naming it), the PEM is imported or the JWKS cache created.
const config = loadConfig(process.env);

/** What was decided, and for REST/HTTP, what to answer. */
interface Decision {
  readonly decision: 'allow' | 'deny' | 'unauthorized';
  readonly reason: Reason;
  readonly detail?: Detail;
  readonly details?: LogDetails;
  readonly answer?: PolicyResponse | SimpleResponse;
  /** The API's per-route rules, when it has some: an HTTP API then takes IAM answers only, refusals included. */
  readonly target?: RouteTarget;
}

/**
 * The Lambda entry point (`index.handler`). Any input yields an Allow/Deny answer, `{ isAuthorized }`, or
 * `Error('Unauthorized')`.
 */
async function handler(event: unknown): Promise<PolicyResponse | SimpleResponse> {
  let kind: EventKind | undefined;
  let outcome: Decision;
  try {
    kind = eventKind(event);
    outcome = await decide(event as Record<string, unknown>, kind);
  } catch {
    // Unreachable for anything API Gateway sends; if a defect (or a hostile object with throwing getters) ever
    // throws, the request is refused (401), never a 500.
    outcome = { decision: 'unauthorized', reason: 'internal_error' };
  }
  if (outcome.decision === 'unauthorized' && kind !== 'HTTP2') {
    // REST: exactly this error, the only one API Gateway answers with 401 (any other is a 500). The Lambda runtime
    // logs a thrown error with its own enumerable properties: that line is this decision's log line.
    throw unauthorizedError(decisionRecord(outcome.decision, outcome.reason, outcome.detail, kind, outcome.details));
  }
  // Refusals are always logged (their reason exists nowhere else); allows only if CLERK_LOG_ALLOWED is true.
  if (outcome.decision !== 'allow' || config.logAllowed) {
    try {
      logDecision(decisionRecord(outcome.decision, outcome.reason, outcome.detail, kind, outcome.details), config.jsonLogs);
    } catch {
      // A failing log write must not change the answer.
    }
  }
  if (outcome.answer !== undefined) return outcome.answer;
  // An HTTP API with per-route rules takes IAM policies only: a refused token is denied the whole stage.
  return outcome.target === undefined ? { isAuthorized: false } : policy('unauthorized', 'Deny', `${outcome.target.prefix}*`);
}

async function decide(event: Record<string, unknown>, kind: EventKind | undefined): Promise<Decision> {
  if (kind === undefined) return refused(reject('event_unsupported', 'event_shape'));
  // REST policies cover the whole stage; an event without a well-formed method ARN cannot be answered with one.
  const resource = kind === 'HTTP2' ? '' : stageResource(event.methodArn);
  if (resource === undefined) return refused(reject('event_unsupported', 'method_arn'));
  // Per-route rules, for an API that has a route table (its id in CLERK_ROUTE_APIS); any other answers as before.
  const target = config.routes?.target(kind === 'HTTP2' ? event.routeArn : event.methodArn);

  // 1. Extract.
  const token = extractToken(event, kind, config.sessionCookie);
  if (typeof token !== 'string') return refused(token, undefined, target);

  // 2. Verify.
  const seen: Seen = {};
  const verified = await verifyToken(token, config, Date.now(), seen);
  if ('reason' in verified) return refused(verified, seen, target);
  const session = verified.kind === TokenKind.SESSION;
  const details: LogDetails = session
    ? { sub: verified.sub, sid: verified.sid, kid: seen.kid }
    : { sub: verified.sub, kid: seen.kid, tokenType: verified.kind };

  // 3. Organization claims (also the context) and the predicate. Claims nobody can decode are refused rather than
  // read as "no organization", so that a `noneOf(...)` predicate cannot pass on them. Machine tokens have none.
  const org = session ? decodeOrganization(verified.payload) : config.machineRules!.machineOrganization(verified.kind, verified.payload);
  const claims = org === undefined ? undefined : jsonOf(verified.payload);
  if (org === undefined) return refused(reject('token_malformed', 'organization_claims'), details, target);
  if (claims === undefined) return refused(reject('token_malformed', 'claims_not_serializable'), details, target);
  if (target !== undefined) {
    // One answer for every route of the API (API Gateway caches it per token); the decision logged is this request's.
    const { allowed, answer } = config.routes!.answer(target, verified.payload, org, verified.sub, context(verified, org, claims), verified);
    return { decision: allowed ? 'allow' : 'deny', reason: allowed ? 'ok' : 'predicate_failed', details, answer, target };
  }
  if (config.predicate !== undefined && !evaluatePredicate(config.predicate, verified.payload, org, verified)) {
    return {
      decision: 'deny',
      reason: 'predicate_failed',
      details,
      answer: kind === 'HTTP2' ? { isAuthorized: false } : policy(verified.sub, 'Deny', resource),
    };
  }

  // 4-5. Allow.
  const ctx = context(verified, org, claims);
  return {
    decision: 'allow',
    reason: 'ok',
    details,
    answer: kind === 'HTTP2' ? { isAuthorized: true, context: ctx } : policy(verified.sub, 'Allow', resource, ctx),
  };
}

function refused(rejection: Rejection, details?: LogDetails, target?: RouteTarget): Decision {
  return { decision: 'unauthorized', reason: rejection.reason, detail: rejection.detail, details, target };
}

/**
 * The payload as one JSON string for the context; undefined if it cannot be (nested too deep to stringify, or holding
 * a number too large for a double). Not the signed text itself: re-serialized, it holds exactly what the predicate
 * evaluated (one member per key, the last of any duplicates, as JSON.parse reads them), so a backend parser that keeps
 * the first duplicate cannot see another value than the one that was checked. A literal such as `1e400` parses to
 * Infinity, which the predicate would compare as Infinity but JSON writes as `null`: such a token is refused
 * (`token_malformed`; Clerk never signs one). Infinity only ever serializes as `null`, so only a payload whose JSON
 * contains `null` is searched.
 */
function jsonOf(payload: unknown): string | undefined {
  try {
    const json = JSON.stringify(payload);
    return json.includes('null') && hasNonFiniteNumber(payload) ? undefined : json;
  } catch {
    return undefined;
  }
}

// A CommonJS export (not `export function`): esbuild then emits no ESM-interop helpers, about 500 bytes of the
// bundle that every cold start would parse.
export = { handler };
