/**
 * Runs the handler bundle that ships (assets/clerk-authorizer.lambda/index.js, built by `npx projen bundle`) inside
 * the test: a fresh module instance per `loadHandler(env)`, event builders for the three event kinds, and `invoke`,
 * which captures the decision log line and says what API Gateway would answer.
 *
 * ```ts
 * fixTime();                                                      // Date.now() = NOW (tokens.ts) until restored
 * const handler = loadHandler({ CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: testKeys().publicKeyPem });
 * const out = await invoke(handler, restTokenEvent(bearer(validToken())));
 * expect(out.status).toBe(200);
 * expect(out.logs).toEqual([{ decision: 'allow', reason: 'ok', sub: 'user_123', sid: 'sess_123', kid: 'ins_test', event: 'TOKEN' }]);
 * ```
 *
 * The bundle's exact bytes are evaluated with a CommonJS wrapper in the test's own realm (not through jest's
 * transform), so `jest.spyOn(Date, 'now')` and a replaced `console.log` reach it, and nothing but the shipped
 * code runs. In the jest project `source` (and under `npm run mutation`), `loadHandler` loads the handler's
 * TypeScript source instead (`HANDLER_UNDER_TEST`), so the same suites measure and mutate the handler's own code.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { evaluatePolicy } from './iam-policy';
import { NOW } from './tokens';

/** The shipped handler bundle (`AUTHORIZER_BUNDLE` overrides it, e.g. to run the tests against a mutant). */
export const BUNDLE_PATH = process.env.AUTHORIZER_BUNDLE ?? path.resolve(__dirname, '..', '..', 'assets', 'clerk-authorizer.lambda', 'index.js');

/** The method ARN the REST event builders use. */
export const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items/42';
/** What the handler must put in the policy `Resource` for `METHOD_ARN`: the whole stage. */
export const STAGE_RESOURCE = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*';
/** The route ARN the HTTP API 2.0 event builder uses. */
export const ROUTE_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/items';

/** The handler's signature as API Gateway calls it. */
export type Handler = (event: unknown) => Promise<unknown>;

/** One decision log line, parsed. */
export type DecisionLog = Record<string, unknown>;

/**
 * Loads a fresh instance of the shipped bundle (of the source: `HANDLER_UNDER_TEST`) with exactly `env` as its
 * `CLERK_*` environment (other `CLERK_*` variables are hidden while it loads; `undefined` values are left unset) and
 * returns its `handler`. Throws what the bundle throws at module load (a configuration error naming the variable).
 * The bundle reads its environment only at load time, so the environment is restored right after. A `file` other
 * than `BUNDLE_PATH` (an asset of a synthesized app) is always loaded as it is.
 */
export function loadHandler(env: Record<string, string | undefined>, file = BUNDLE_PATH, exportName = 'handler'): Handler {
  const mode = file === BUNDLE_PATH ? HANDLER_UNDER_TEST : 'bundle';
  const load = (): Handler => {
    const handler = (mode === 'bundle' ? loadModule(file, env) : loadSource(env))[exportName];
    if (typeof handler !== 'function') throw new Error(`${file} does not export a ${exportName} function`);
    return handler as Handler;
  };
  return mode === 'mutation' ? perTestHandler(load) : load();
}

/**
 * What `loadHandler()` loads by default: `bundle`, the shipped bytes (`BUNDLE_PATH`); `source`, the handler's
 * TypeScript source through jest's module registry, so that coverage measures the handler's own code (the jest
 * project `source` in package.json sets the global `HANDLER_UNDER_TEST`); `mutation`, the source loaded per test
 * (stryker.config.mjs sets it). Every other run tests the bundle.
 */
export const HANDLER_UNDER_TEST: 'bundle' | 'source' | 'mutation' =
  (globalThis as { HANDLER_UNDER_TEST?: 'source' | 'mutation' }).HANDLER_UNDER_TEST ?? 'bundle';

/**
 * `mutation` (stryker.config.mjs): the source, loaded afresh in every test that invokes the handler and never
 * outside a test. Stryker runs for each mutant only the tests that executed it, and code run outside any test (a
 * suite's module scope, `beforeAll`) would make it run every test for every mutant there; loading per test also
 * attributes the module-load code (configuration, key import) to each test that depends on it. Called inside a test,
 * the source is loaded at once too, so that a configuration error still throws from `loadHandler`.
 */
function perTestHandler(load: () => Handler): Handler {
  const testName = () => expect.getState().currentTestName;
  let loadedIn = testName();
  let handler = loadedIn === undefined ? undefined : load();
  return (event) => {
    if (handler === undefined || testName() !== loadedIn) {
      loadedIn = testName();
      handler = load();
    }
    return handler(event);
  };
}

/**
 * A fresh module instance of the handler's source (`jest.isolateModules`: its own config, caches and lazily required
 * `./jwks.js`, `./routes.js`, `./machine.js`, which the `source` project maps to their TypeScript files), loaded
 * with exactly `env` as its `CLERK_*` environment.
 */
function loadSource(env: Record<string, string | undefined>): Record<string, unknown> {
  return withClerkEnv(env, () => {
    let exports: Record<string, unknown> = {};
    jest.isolateModules(() => {
      // A literal path, so that jest's dependency graph (`--findRelatedTests`, Stryker) sees what these suites test.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require('../../src/clerk-authorizer.lambda') as Record<string, unknown>;
    });
    return exports;
  });
}

/**
 * Evaluates `file` (a CommonJS module, e.g. a function asset taken from a cloud assembly) as a fresh module instance
 * in this realm, with exactly `env` as its `CLERK_*` environment while it loads, and returns its exports. Used by the
 * tests, the end-to-end test and the demo (which load the asset copies of a synthesized app).
 */
export function loadModule(file: string, env: Record<string, string | undefined>): Record<string, unknown> {
  const source = fs.readFileSync(file, 'utf8');
  return withClerkEnv(env, () => {
    const module = { exports: {} as Record<string, unknown> };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const wrapper = new Function('exports', 'require', 'module', '__filename', '__dirname', source);
    wrapper(module.exports, createRequire(file), module, file, path.dirname(file));
    return module.exports;
  });
}

/** Runs `load` with exactly `env` as the `CLERK_*` environment (`undefined` values unset), then restores it. */
function withClerkEnv<T>(env: Record<string, string | undefined>, load: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('CLERK_')) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  }
  try {
    for (const [key, value] of Object.entries(env)) {
      if (value !== undefined) process.env[key] = value;
    }
    return load();
  } finally {
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('CLERK_')) delete process.env[key];
    }
    Object.assign(process.env, saved);
  }
}

/** `Bearer <jwt>`. */
export function bearer(jwt: string): string {
  return `Bearer ${jwt}`;
}

/** A REST API TOKEN authorizer event; `authorizationToken` is the raw header value (`bearer(jwt)` or anything). */
export function restTokenEvent(authorizationToken: unknown, methodArn: unknown = METHOD_ARN): Record<string, unknown> {
  return { type: 'TOKEN', authorizationToken, methodArn };
}

/**
 * A REST API REQUEST authorizer event with these headers (names as the client sent them); `multiValueHeaders` is
 * derived from `headers` unless given.
 */
export function restRequestEvent(
  headers: Record<string, string> | null,
  options: { methodArn?: unknown; multiValueHeaders?: Record<string, string[]> | null } = {},
): Record<string, unknown> {
  const multiValueHeaders =
    options.multiValueHeaders !== undefined
      ? options.multiValueHeaders
      : headers === null
        ? null
        : Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  return {
    type: 'REQUEST',
    methodArn: options.methodArn ?? METHOD_ARN,
    resource: '/items/{id}',
    path: '/items/42',
    httpMethod: 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    pathParameters: { id: '42' },
    stageVariables: null,
    requestContext: { stage: 'prod', httpMethod: 'GET', path: '/prod/items/42' },
  };
}

/**
 * An HTTP API payload 2.0 authorizer event. API Gateway lower-cases header names and joins repeated headers with
 * commas; cookies arrive in `cookies` (`name=value` strings) and not in the headers.
 */
export function httpEvent(headers: Record<string, string>, cookies?: string[]): Record<string, unknown> {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const event: Record<string, unknown> = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: ROUTE_ARN,
    identitySource: lower.authorization !== undefined ? [lower.authorization] : [],
    routeKey: 'GET /items',
    rawPath: '/items',
    rawQueryString: '',
    headers: lower,
    requestContext: { http: { method: 'GET', path: '/items' }, routeKey: 'GET /items', stage: '$default' },
  };
  if (cookies !== undefined) event.cookies = cookies;
  return event;
}

/** The three event kinds the handler serves (its `EventKind`). */
export type Kind = 'TOKEN' | 'REQUEST' | 'HTTP2';
export const KINDS: readonly Kind[] = ['TOKEN', 'REQUEST', 'HTTP2'];

/**
 * An event of `kind` carrying `value` as its Authorization header (the TOKEN event's `authorizationToken`). REST
 * REQUEST events may name the header differently (`headerName`) or repeat it in `multiValueHeaders` (`duplicate`).
 */
export function eventFor(kind: Kind, value: string, headerName = 'Authorization', duplicate = false): Record<string, unknown> {
  if (kind === 'TOKEN') return restTokenEvent(value);
  if (kind === 'HTTP2') return httpEvent({ authorization: value });
  return restRequestEvent({ [headerName]: value }, duplicate ? { multiValueHeaders: { [headerName]: [value, value] } } : {});
}

/** The status API Gateway answers for an unauthorized token: 401 on REST, 403 on HTTP API 2.0 simple responses. */
export function unauthorizedStatus(kind: Kind): number {
  return kind === 'HTTP2' ? 403 : 401;
}

/** What one invocation did: its result or error, the decision log, and API Gateway's resulting status. */
export interface Invocation {
  readonly result?: unknown;
  readonly error?: unknown;
  /**
   * The decision records the function's log group receives: the handler's own JSON lines, and for a thrown error
   * the record the Lambda runtime's `Invoke Error` line carries (`runtimeErrorLine`).
   */
  readonly logs: DecisionLog[];
  /** Every log line of the invocation as written: the handler's own lines, then the runtime's error line if any. */
  readonly lines: string[];
  /**
   * What API Gateway answers: 200 (Allow / isAuthorized true), 403 (Deny / isAuthorized false), 401 (exactly
   * `Error('Unauthorized')` on REST), 500 (anything else: a defect).
   */
  readonly status: 200 | 401 | 403 | 500;
}

/**
 * Invokes the handler with `event`, capturing `console.log` lines (parsed as JSON; a line that is not JSON fails
 * the test) and, when it throws, the line the Lambda runtime writes for the error (`runtimeErrorLine`), and
 * classifies the answer as API Gateway would for that event kind.
 */
export async function invoke(handler: Handler, event: unknown): Promise<Invocation> {
  const lines: string[] = [];
  // Replaced by hand (not jest.spyOn), so that the demo, which runs outside jest, can call this too.
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  let result: unknown;
  let error: unknown;
  let threw = false;
  try {
    result = await handler(event);
  } catch (e) {
    error = e;
    threw = true;
  } finally {
    console.log = log;
  }
  const logs = lines.map((line) => JSON.parse(line) as DecisionLog);
  if (threw) {
    const line = runtimeErrorLine(error);
    lines.push(line);
    const record = decisionInErrorLine(line);
    if (record !== undefined) logs.push(record);
  }
  let http2 = false;
  try {
    http2 = isObject(event) && event.version === '2.0';
  } catch {
    // A hostile test event with a throwing getter: the handler cannot tell its kind either.
  }
  const status = threw
    ? restErrorStatus(error, http2)
    : isPerRouteAnswer(result, http2) ? perRouteStatus(result, event) : http2 ? http2Status(result) : restStatus(result);
  return threw ? { error, logs, lines, status } : { result, logs, lines, status };
}

/**
 * The JSON the Lambda Node.js runtime logs for an error a handler throws (after `Invoke Error`, in the text log
 * format): the error's own enumerable properties beside `errorType`, `errorMessage` and the stack split into lines
 * (aws-lambda-nodejs-runtime-interface-client, `toFormatted`; the JSON log format nests the same members under
 * `message`). Modelled here because the handler's 401 decision record travels in this line.
 */
export function runtimeErrorLine(error: unknown): string {
  return JSON.stringify(error instanceof Error ? error : new Error(String(error)), (_key, value: unknown) => {
    if (!(value instanceof Error)) return value;
    const out: Record<string, unknown> = { errorType: value.name, errorMessage: value.message, ...value };
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  });
}

/**
 * What the runtime posts to the Lambda Runtime API for a thrown error, i.e. all API Gateway sees of it
 * (`formatError`): name, message and stack, no other property.
 */
export function postedError(error: Error): { errorType: string; errorMessage: string; trace: string[] } {
  return { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
}

/** The decision record inside a runtime error line: its members other than the runtime's own; undefined if none. */
function decisionInErrorLine(line: string): DecisionLog | undefined {
  const { errorType: _type, errorMessage: _message, stack: _stack, ...rest } = JSON.parse(line) as DecisionLog;
  return 'decision' in rest ? rest : undefined;
}

function restErrorStatus(error: unknown, http2: boolean): 401 | 500 {
  // API Gateway answers 401 only for an error whose message is exactly 'Unauthorized', and only on REST (and payload
  // 1.0); an HTTP API 2.0 authorizer that throws is a 500.
  if (http2) return 500;
  return error instanceof Error && error.message === 'Unauthorized' ? 401 : 500;
}

function restStatus(result: unknown): 200 | 403 | 500 {
  if (!isObject(result) || typeof result.principalId !== 'string' || !isObject(result.policyDocument)) return 500;
  const doc = result.policyDocument;
  if (doc.Version !== '2012-10-17' || !Array.isArray(doc.Statement) || doc.Statement.length !== 1) return 500;
  const statement = doc.Statement[0];
  if (!isObject(statement) || statement.Action !== 'execute-api:Invoke' || typeof statement.Resource !== 'string') return 500;
  if (result.context !== undefined && !isFlatContext(result.context)) return 500;
  if (statement.Effect === 'Allow') return 200;
  if (statement.Effect === 'Deny') return 403;
  return 500;
}

/**
 * An answer of per-route rules: an IAM policy on an HTTP API 2.0 event (simple responses off), or a policy with
 * several statements or a list of resources.
 */
function isPerRouteAnswer(result: unknown, http2: boolean): boolean {
  if (!isObject(result) || !isObject(result.policyDocument)) return false;
  const statements = result.policyDocument.Statement;
  return http2 || (Array.isArray(statements) && (statements.length !== 1 || Array.isArray(statements[0]?.Resource)));
}

/** What API Gateway answers for the event's own request (its method or route ARN) under a per-route policy. */
function perRouteStatus(result: any, event: any): 200 | 403 | 500 {
  if (typeof result.principalId !== 'string') return 500;
  if (result.context !== undefined && !isFlatContext(result.context)) return 500;
  try {
    return evaluatePolicy(result.policyDocument, String(event.version === '2.0' ? event.routeArn : event.methodArn)) === 'allow' ? 200 : 403;
  } catch {
    return 500;
  }
}

function http2Status(result: unknown): 200 | 403 | 500 {
  if (!isObject(result) || typeof result.isAuthorized !== 'boolean') return 500;
  if (result.context !== undefined && !isObject(result.context)) return 500;
  return result.isAuthorized ? 200 : 403;
}

/** REST context: values only strings, numbers, booleans (an object or array makes the whole answer a 500). */
function isFlatContext(context: unknown): boolean {
  return isObject(context) && Object.values(context).every((v) => ['string', 'number', 'boolean'].includes(typeof v));
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A clock the tests move: `Date.now()` (which the bundle reads) returns `seconds * 1000` until `restore()`. */
export interface TestClock {
  /** Sets the current time, in seconds since the epoch. */
  set(seconds: number): void;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Puts the real `Date.now` back (also done by `jest.restoreAllMocks()`). */
  restore(): void;
}

/** Fixes `Date.now()` at `seconds` (default `NOW` from tokens.ts), for the handler and for jose's JWKS cache. */
export function fixTime(seconds = NOW): TestClock {
  let current = seconds * 1000;
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => current);
  return {
    set: (s) => {
      current = s * 1000;
    },
    advance: (ms) => {
      current += ms;
    },
    restore: () => spy.mockRestore(),
  };
}
