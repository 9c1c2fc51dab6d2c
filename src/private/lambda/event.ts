import { isPlainObject } from '../json';
import { reject, Rejection } from './reasons';
import { MAX_TOKEN_LENGTH } from './verify';

/**
 * The three events one handler serves, told apart by their shape, and the token each carries.
 *
 * - `TOKEN`: REST API TOKEN authorizer (`type: 'TOKEN'`, `authorizationToken`, `methodArn`).
 * - `REQUEST`: REST API REQUEST authorizer, and HTTP API payload 1.0, which is the same shape and expects the same
 *   IAM-policy answer (`type: 'REQUEST'`, `headers`, `multiValueHeaders`, `methodArn`).
 * - `HTTP2`: HTTP API payload 2.0 with simple responses (`version: '2.0'`, `headers`, `cookies`, `routeArn`). It also
 *   says `type: 'REQUEST'`, so `version` is checked first.
 */
export type EventKind = 'TOKEN' | 'REQUEST' | 'HTTP2';

/** The kind of an event, or undefined for anything else. */
export function eventKind(event: unknown): EventKind | undefined {
  if (!isPlainObject(event)) return undefined;
  if (event.version === '2.0') return 'HTTP2';
  if (event.type === 'TOKEN') return 'TOKEN';
  if (event.type === 'REQUEST') return 'REQUEST';
  return undefined;
}

/**
 * The policy resource for a REST method ARN: the whole stage, `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/*`.
 * API Gateway caches an authorizer's answer per token for every method of the API, so a policy for one method would
 * deny the next route the same token calls. Undefined for anything that is not a well-formed method ARN.
 */
export function stageResource(methodArn: unknown): string | undefined {
  if (typeof methodArn !== 'string' || methodArn.length > 1600) return undefined;
  const match = METHOD_ARN.exec(methodArn);
  return match === null ? undefined : `${match[1]}/*`;
}

/** `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/...`; group 1 ends after the stage. */
const METHOD_ARN = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[A-Za-z0-9_$-]+)\/.*$/;

/** The token an event carries, or why there is none. `sessionCookie`: fall back to Clerk's `__session` cookie. */
export function extractToken(event: Record<string, unknown>, kind: EventKind, sessionCookie: boolean): string | Rejection {
  if (kind === 'TOKEN') return fromAuthorization(event.authorizationToken);
  const authorization = headerValues(event, kind, 'authorization');
  if (authorization.length > 1) return reject('token_malformed', 'authorization_repeated');
  if (authorization.length === 1 && authorization[0] !== '') return fromAuthorization(authorization[0]);
  if (!sessionCookie) return reject('token_missing', 'authorization_absent');
  return fromCookies(event, kind);
}

/**
 * `Bearer <jwt>` (scheme case-insensitive, exactly one space) or a bare `<jwt>`, as Clerk's SDK accepts it. Anything
 * else (another scheme, extra spaces, surrounding whitespace, two tokens) leaves characters that are not base64url
 * and is refused by the token parser as malformed.
 */
function fromAuthorization(value: unknown): string | Rejection {
  if (value === undefined || value === null || value === '') return reject('token_missing', 'authorization_absent');
  if (typeof value !== 'string') return reject('token_malformed', 'authorization_not_string');
  if (value.length > MAX_TOKEN_LENGTH + 7) return reject('token_too_large', 'authorization_too_long');
  const token = value.length >= 7 && value.charCodeAt(6) === 32 && value.slice(0, 6).toLowerCase() === 'bearer' ? value.slice(7) : value;
  return token === '' ? reject('token_missing', 'bearer_empty') : token;
}

/**
 * The `__session` cookie: from the `Cookie` header(s) on REST, from `cookies` on HTTP API 2.0 (API Gateway moves
 * them there). More than one `__session` is ambiguous and refused.
 */
function fromCookies(event: Record<string, unknown>, kind: EventKind): string | Rejection {
  const pairs: string[] = [];
  if (kind === 'HTTP2') {
    if (Array.isArray(event.cookies)) for (const c of event.cookies) if (typeof c === 'string') pairs.push(c);
  } else {
    for (const header of headerValues(event, kind, 'cookie')) pairs.push(...header.split(';'));
  }
  let found: string | undefined;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== '__session') continue;
    if (found !== undefined) return reject('token_malformed', 'session_cookie_repeated');
    found = pair.slice(eq + 1).trim();
  }
  if (found === undefined || found === '') return reject('token_missing', 'session_cookie_absent');
  return found.length > MAX_TOKEN_LENGTH ? reject('token_too_large', 'session_cookie_too_long') : found;
}

/**
 * Every value of a header, matched case-insensitively over own keys. REST REQUEST events keep header names as the
 * client sent them and carry repeated headers in `multiValueHeaders` (`headers` holds only the last), so both are
 * read and a name that appears with several spellings or values yields several values. HTTP API 2.0 lower-cases
 * names and joins repeated headers with commas (which no token contains).
 */
function headerValues(event: Record<string, unknown>, kind: EventKind, name: string): string[] {
  const multi = kind === 'REQUEST' ? valuesOf(event.multiValueHeaders, name) : [];
  return multi.length > 0 ? multi : valuesOf(event.headers, name);
}

/**
 * The values under every own key of `headers` equal to `name` ignoring case, lists flattened. A value that is not a
 * string stands in as NUL, which no token contains, so it is refused as malformed.
 */
function valuesOf(headers: unknown, name: string): string[] {
  const values: string[] = [];
  if (isPlainObject(headers)) {
    for (const key of Object.keys(headers)) {
      if (key.length === name.length && key.toLowerCase() === name) {
        for (const v of [headers[key]].flat()) values.push(typeof v === 'string' ? v : '\u0000');
      }
    }
  }
  return values;
}
