import { Aspects, Duration, Names } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ClaimPredicate } from './claim-predicate';
import { ClerkAuthorizerFunction } from './clerk-authorizer-function';
import { ClerkTokenType } from './clerk-token-type';
import { decisionMetric, DecisionMetricSource, recommendedAlarms } from './private/decision-metrics';
import { authorizerEnvironment } from './private/environment';
import { addProtectedRoutes, PreflightWarning } from './private/http-routes';
import { createHttpAuthorizer, createRestAuthorizer, LambdaAuthorizerOptions } from './private/lambda-api-authorizers';
import {
  validateAuthorizedParties,
  validateClockSkew,
  validateJwksStaleIfError,
  validateKeySource,
  validateLogGroupOptions,
  validateMemorySize,
  validateMethodOptions,
  validatePredicateWire,
  validateReservedConcurrency,
  validateResultsCacheTtl,
  validateSameEnvironment,
  warnWeakSettings,
} from './private/lambda-authorizer-validation';
import { validateMachineCallers } from './private/machine-validation';
import { perApiScope } from './private/per-api';
import { addCorsGatewayResponses } from './private/rest-cors';
import { RestPreflightWarning } from './private/rest-preflight';
import { addProtectedResource, ProtectedResourceMetadata } from './private/rest-protected-resource';
import { RouteRules } from './private/route-rules';
import { validateAuthorizerName, validateIssuer, validateStringList } from './private/validation';

/**
 * An OAuth protected resource (RFC 9728): what an MCP client is told about the API it calls.
 */
export interface ClerkProtectedResource {
  /**
   * The resource's URL: the URL clients call (a custom domain with its base path, or the stage URL
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`), https, without query, fragment or trailing slash.
   * The metadata document is served at `<resource>/.well-known/oauth-protected-resource`.
   */
  readonly resource: string;

  /**
   * The OAuth scopes the resource understands, listed in the metadata as `scopes_supported` (1 to 50 names).
   *
   * @default - not listed
   */
  readonly scopesSupported?: string[];
}

/**
 * Properties for a {@link ClerkLambdaAuthorizer}.
 */
export interface ClerkLambdaAuthorizerProps {
  /**
   * The Clerk Frontend API URL: a token's `iss` claim must equal it exactly.
   *
   * Production instances use `https://clerk.<your-domain>`, development instances
   * `https://<slug>.clerk.accounts.dev`. No trailing slash: Clerk's `iss` has none.
   *
   * @see https://clerk.com/docs/backend-requests/resources/session-tokens
   */
  readonly issuer: string;

  /**
   * The instance's public key in PEM form ("PEM Public Key" on the Clerk dashboard's API keys page).
   *
   * With a key the handler verifies tokens without any network access. The key is parsed at synth time: it must be an
   * RSA public key of at least 2048 bits (SPKI `-----BEGIN PUBLIC KEY-----`, or PKCS#1, converted); a private key, a
   * certificate, an EC key or a mangled PEM (literal `\n`, newlines turned into spaces, header removed) is refused.
   * The function receives it in canonical SPKI form. Mutually exclusive with `jwksUri`. Clerk instance keys rarely
   * rotate, but a rotation means a redeploy with the new key.
   *
   * @default - JWKS mode: keys are fetched from `jwksUri` and cached by the function
   */
  readonly publicKeyPem?: string;

  /**
   * Where the function fetches the instance's signing keys (JWKS mode).
   *
   * Must be https; plain http is accepted only for a loopback host (127.0.0.1, localhost, ::1), i.e. for tests.
   * Mutually exclusive with `publicKeyPem`. An unreachable JWKS fails closed (401), never open.
   *
   * @default - `${issuer}/.well-known/jwks.json` (unless `publicKeyPem` is set)
   */
  readonly jwksUri?: string;

  /**
   * How long the function keeps verifying with the last keys it fetched while the JWKS cannot be fetched (JWKS mode);
   * 0 to 24 hours, whole seconds.
   *
   * The function fetches the JWKS on first use and treats it as fresh for 10 minutes; then the next request refetches
   * it. When that fetch fails (unreachable, slow, not a valid key set), the keys it has keep verifying tokens for up to
   * this long past their 10 minutes, and the function backs off (1 s, doubling up to 30 s) before fetching again: no
   * request waits on the network in between, a token with a known `kid` is answered from the cached keys at once, one
   * with an unknown `kid` is refused at once (401). The trade-off: during an outage a key Clerk has removed (rotated
   * after a compromise) stays trusted for up to this long by the functions that still hold it. A function started
   * during an outage holds no keys and refuses every token until the JWKS answers; only `publicKeyPem` removes the
   * dependency on the JWKS. Set `Duration.seconds(0)` to stop using keys once they are 10 minutes old. Cannot be
   * combined with `publicKeyPem`.
   *
   * @default Duration.hours(1)
   */
  readonly jwksStaleIfError?: Duration;

  /**
   * Audiences a token's `aud` claim must intersect (1 to 50 entries).
   *
   * Clerk session tokens carry no `aud` unless you add one under "Customize session token"; leave this unset then.
   *
   * @default - no `aud` check
   */
  readonly audience?: string[];

  /**
   * Origins a token's `azp` claim must be one of (1 to 50 entries), e.g. `['https://app.example.com']`.
   *
   * Each entry is an origin exactly as a browser sends it in `Origin` (and as Clerk writes it in `azp`): scheme, host
   * and optional port, nothing else, so `https://app.example.com/` (trailing slash), a path or a missing scheme is
   * refused at synth. This is Clerk's defence against tokens minted for another origin (such as a session cookie leaked
   * from another subdomain); Clerk recommends setting it. It is not a CSRF defence: a cookie's token always names the
   * app's own origin. Tokens without `azp` (minted by the Backend API) are refused when it is set.
   *
   * @default - no `azp` check: a session token minted for any origin of the instance is accepted
   * @see https://clerk.com/docs/backend-requests/manual-jwt
   */
  readonly authorizedParties?: string[];

  /**
   * The kinds of Clerk token this authorizer accepts (1 to 3 distinct kinds).
   *
   * Each kind is told apart as Clerk's SDK tells it apart (an `mch_` subject is an M2M token, a `typ` of `at+jwt` an
   * OAuth access token, anything else a session token) and checked with its own rules: the same RS256 signature and
   * `iss`, `exp`, `nbf`/`iat` checks for every kind; `sid`, `sts`, `azp` for session tokens; `client_id`, scopes and
   * `audience` for OAuth access tokens; `machineId` for M2M tokens. A token of a kind not listed is refused (401) with
   * a reason code naming its kind. Only JWT formats are supported: opaque `oat_`, `mt_` and `ak_` tokens need Clerk's
   * Backend API and are refused (`token_opaque`).
   *
   * @default [ClerkTokenType.SESSION_TOKEN]
   * @see https://clerk.com/docs/guides/development/machine-auth/overview
   */
  readonly acceptsToken?: ClerkTokenType[];

  /**
   * The OAuth clients (`client_id`, e.g. `client_2VTWUzvGC5UhdJCNx6xG1D98edc`) whose access tokens are accepted
   * (1 to 50 entries). Only with `ClerkTokenType.OAUTH_TOKEN` in `acceptsToken`.
   *
   * @default - an OAuth access token of any client of the instance is accepted (with dynamic client registration on,
   * anyone can register a client)
   */
  readonly oauthClientIds?: string[];

  /**
   * This API's Clerk machine id (`mch_...`, on the Clerk dashboard's Machines page). Required when `acceptsToken`
   * includes `ClerkTokenType.M2M_TOKEN`, refused otherwise.
   *
   * An M2M token is accepted only if it lists this machine among those it may call (its `aud` and `scopes` claims:
   * every one present must name it). Clerk's SDK does not check this; without it a token minted for any machine of
   * the instance would be accepted.
   *
   * @default - no M2M tokens
   * @see https://clerk.com/docs/guides/development/machine-auth/m2m-tokens
   */
  readonly machineId?: string;

  /**
   * Makes the API an OAuth protected resource (RFC 9728) that MCP clients can discover: on every REST API this
   * authorizer protects, 401 answers carry `WWW-Authenticate: Bearer resource_metadata="<resource>/.well-known/oauth-protected-resource"`
   * and that document is served (without authorization) naming the Clerk instance as the authorization server. Only
   * with `ClerkTokenType.OAUTH_TOKEN` in `acceptsToken`. Set `audience` to the resource too: Clerk writes the resource
   * an MCP client asked for in the token's `aud`. HTTP APIs get neither (API Gateway has no gateway responses or mock
   * integrations there).
   *
   * @default - no protected resource metadata
   * @see https://datatracker.ietf.org/doc/html/rfc9728
   */
  readonly protectedResource?: ClerkProtectedResource;

  /**
   * A condition on the verified claims that every allowed token must satisfy (roles, organization permissions, ...).
   *
   * A token that verifies but fails the predicate gets 403 on a REST API (`Deny` policy) and 403 on an HTTP API.
   * This is the default rule: a method or route added with a `predicate` of its own (`addMethod`, `addRoutes`) uses
   * that one instead; every other method or route using this authorizer uses this one.
   *
   * @default - any verified, active session token is allowed
   */
  readonly predicate?: ClaimPredicate;

  /**
   * Tolerance applied to `exp`, `nbf` and `iat` for clock differences; 0 to 5 minutes, whole seconds.
   *
   * The default is Clerk's own. A larger skew lets an expired token through for longer.
   *
   * @default Duration.seconds(5)
   */
  readonly clockSkew?: Duration;

  /**
   * How long API Gateway caches an authorizer answer per token; 0 to 1 hour, whole seconds, 0 disables caching.
   *
   * The cache key is the token (the `Authorization` header), and the answer covers the whole API: a REST policy
   * names the whole stage and an HTTP API simple response applies to every route using this authorizer, so a cached
   * answer never denies a second route. The trade-off: a cached `Allow` outlives the token by up to this TTL (a token
   * first used just before it expires stays accepted for up to the TTL after `exp`), and a signed-out session keeps
   * access until then. Clerk session tokens live 60 s; the default keeps that extra window at half a token lifetime
   * while sparing the function all but about two invocations per token and API. Set `Duration.seconds(0)` to verify
   * every request. With `sessionCookie`, caching must stay off.
   *
   * @default - Duration.seconds(30); Duration.seconds(0) when `sessionCookie` is true
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
   */
  readonly resultsCacheTtl?: Duration;

  /**
   * Accept session tokens whose session is pending (`sts: "pending"`, e.g. an organization must still be chosen).
   *
   * By default pending sessions are refused (401), as Clerk's SDKs treat them as signed out.
   *
   * @default false
   */
  readonly allowPendingSessions?: boolean;

  /**
   * Also log a decision line for every allowed request, not only for refused ones.
   *
   * Every refusal is logged with its reason code, always: that reason exists nowhere else. (A REST 401's record rides
   * in the ERROR line the Lambda runtime writes for every thrown error; a 403 and an HTTP API refusal get a line of
   * their own.) Allowed requests are not logged by default: with the results cache on (`resultsCacheTtl`),
   * API Gateway invokes the function only on a cache miss, so its log could not be a record of every allowed request
   * anyway, while API Gateway's access logs are: log `$context.authorizer.principalId` (REST) or
   * `$context.authorizer.userId` (REST and HTTP APIs) there (the README shows how). Turn this on to have the function
   * record its allow decisions as well; it costs one CloudWatch Logs line per allowing invocation and one log write,
   * the largest part of an allowed call after the signature check (see the README's benchmarks).
   *
   * @default false
   */
  readonly logAllowedRequests?: boolean;

  /**
   * Also read Clerk's `__session` cookie when a request has no `Authorization` header.
   *
   * For APIs served from the app's own origin (the cookie is scoped to the app domain, so an `api.` subdomain never
   * receives it). REST APIs then use a REQUEST authorizer (headers) instead of a TOKEN authorizer, and API Gateway's
   * request checks change: there is no identity source and no validation regex, so every request invokes the
   * function, and caching is disabled (`resultsCacheTtl` must be 0): with the cookie as cache key, a cached answer
   * for a request whose `Authorization` header decided could be replayed for another request with the same cookies.
   * Cookie-authenticated requests are exposed to CSRF like any cookie session, and `azp` cannot help there (the
   * cookie's token always names the app's own origin): keep state-changing routes behind non-simple requests (JSON
   * bodies, custom headers), which browsers preflight, or your own CSRF check; the cookie's `SameSite=Lax` keeps it off
   * cross-site subrequests. Set `authorizedParties` too (a synthesis warning says when it is missing): it refuses a
   * token minted for another origin, such as a cookie leaked from another subdomain.
   *
   * @default false
   */
  readonly sessionCookie?: boolean;

  /**
   * Memory of the function in MB (128 to 10240); Lambda allots CPU in proportion.
   *
   * The default buys twice the CPU share of 128 MB for the CPU-bound parts of an invocation (module load and key
   * import at a cold start, RSA verification); the handler itself needs far less memory than that.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Concurrent executions reserved for the function, which are also the most it may run at once (a whole number,
   * at least 1).
   *
   * Caps what the authorizer can take from the account's concurrency, so that a flood of token-shaped garbage (a REST
   * TOKEN authorizer is invoked for every request whose header passes its pattern, unless the answer is cached) cannot
   * starve the account's other functions; the reserved executions are also withheld from them. When requests need more
   * concurrent executions than this, Lambda throttles the excess invocations and API Gateway answers those requests
   * with a 500 (REST: the `AUTHORIZER_CONFIGURATION_ERROR` gateway response, `{"message": null}`; HTTP APIs: 500
   * `Internal Server Error`), never with an allow; cached answers keep being served.
   *
   * @default - no reservation: the function shares the account's unreserved concurrency
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * The instruction set of the function.
   *
   * The handler is plain JavaScript without native code, so it runs on either; arm64 costs less per GB-second.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Retention of the log group this construct creates for the function (its decision log: a record per refusal).
   *
   * Cannot be combined with `logGroup`.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A log group for the function, instead of the one this construct creates.
   *
   * The log group this construct creates has the retention `logRetention` and the removal policy RETAIN (the CDK
   * default, kept on purpose: the decision log is audit data and outlives the stack; delete it by hand, or pass your
   * own log group with the removal policy you want). The metric filters of the `metric*` methods go on whichever log
   * group the function writes to: give the function a log group of its own, or other functions' lines of the same
   * shape are counted too.
   *
   * @default - a log group created by this construct
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The name of the API Gateway authorizers (one per API).
   *
   * @default - a name derived from this construct's path, unique in the app
   */
  readonly authorizerName?: string;
}

/**
 * Options of {@link ClerkLambdaAuthorizer.addRoutes}: the routes to create and protect.
 */
export interface ClerkLambdaRouteOptions extends apigwv2.BatchHttpRouteOptions {
  /**
   * The route path, for example `/items` or `/items/{proxy+}`.
   */
  readonly path: string;

  /**
   * The HTTP methods to route, each with the authorizer.
   *
   * `HttpMethod.ANY` is expanded into GET, POST, PUT, PATCH, DELETE and HEAD, so that `OPTIONS` (a browser's CORS
   * preflight, which never carries a token) is not put behind the authorizer. `HttpMethod.OPTIONS` is refused.
   *
   * @default [HttpMethod.ANY], i.e. GET, POST, PUT, PATCH, DELETE and HEAD
   */
  readonly methods?: apigwv2.HttpMethod[];

  /**
   * The rule of these routes, instead of the construct's `predicate`.
   *
   * The authorizer answers each token once for every route of the API (API Gateway caches one answer per token), with
   * an IAM policy that allows the routes whose rule the token passes; an HTTP API with such a route gets IAM answers
   * (simple responses off). `ClaimPredicate.signedIn()` opens the routes to any token this authorizer verifies.
   * Routes whose paths overlap in IAM patterns (`/items/{id}` reaches `/items/{id}/comments`) and have different
   * rules get a synth warning: a token that passes one rule and fails the other is denied on both. The API must be in
   * the stack of this construct (the function must know its id).
   *
   * @default - the construct's `predicate`
   */
  readonly predicate?: ClaimPredicate;
}

/**
 * Options of {@link ClerkLambdaAuthorizer.addMethod}: the method options, and the method's own rule.
 */
export interface ClerkLambdaMethodOptions extends apigw.MethodOptions {
  /**
   * The rule of this method, instead of the construct's `predicate`.
   *
   * The authorizer answers each token once for every method of the API (API Gateway caches one answer per token),
   * with an IAM policy that allows the methods whose rule the token passes. `ClaimPredicate.signedIn()` opens the
   * method to any token this authorizer verifies. Methods whose paths overlap in IAM patterns (`/items/{id}` reaches
   * `/items/{id}/comments`) and have different rules get a synth warning: a token that passes one rule and fails the
   * other is denied on both. The API must be in the stack of this construct (the function must know its id).
   *
   * @default - the construct's `predicate`
   */
  readonly predicate?: ClaimPredicate;
}

/**
 * Options of {@link ClerkLambdaAuthorizer.metricRefusals}: the metric's options, and optionally one reason code.
 */
export interface ClerkRefusalMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Count only the refusals with this reason code, e.g. `expired` or `signature_invalid` (the codes are listed in the
   * README's "Reading the decision log").
   *
   * Read through a `Reason` dimension, from the JSON log format the construct gives the function. Each reason code
   * actually seen becomes one CloudWatch custom metric (at most one per code, whatever callers send).
   *
   * @default - all refusals
   */
  readonly reason?: string;
}

/**
 * A Lambda authorizer that verifies Clerk session tokens for API Gateway REST and HTTP APIs.
 *
 * One construct creates one function (the prebundled handler: nothing is bundled at synth) and, per API it protects,
 * one API Gateway authorizer and one invoke permission scoped to that API's authorizers. Attach it with `addMethod`
 * (REST) or `addRoutes` (HTTP), or pass it as the `authorizer` of an HTTP route.
 *
 * Answers: no, malformed, expired or forged token → 401 on REST (403 on HTTP APIs, whose simple responses have no
 * 401); a valid token that fails `predicate` → 403; otherwise the request proceeds with the claims in the authorizer
 * context (`userId`, `sessionId`, `orgId`, `orgRole`, `orgPermissions`, `claims`).
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 */
export class ClerkLambdaAuthorizer extends Construct implements apigwv2.IHttpRouteAuthorizer {
  /**
   * The validation regex of the REST TOKEN authorizer.
   *
   * `Bearer <jwt>` (scheme in any case, one space) or a bare `<jwt>`, where a JWT is three base64url segments. API
   * Gateway answers 401 to any other `Authorization` header without invoking the function. It is no stricter than
   * the handler's own parsing, so it never refuses a token the handler would accept.
   */
  public static readonly TOKEN_VALIDATION_REGEX =
    '^(?:[Bb][Ee][Aa][Rr][Ee][Rr] )?[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';

  /** The function that verifies tokens. */
  public readonly function: lambda.IFunction;

  /** The log group the function writes its decisions to. */
  public readonly logGroup: logs.ILogGroup;

  /** Where the decision metrics come from. */
  private readonly metrics: DecisionMetricSource;
  /** Whether keys are fetched (no `publicKeyPem`): only then can the JWKS be unavailable. */
  private readonly jwksMode: boolean;

  /** What each API's authorizer is made of (one per API, created on first use). */
  private readonly perApi: LambdaAuthorizerOptions;
  /** The RFC 9728 metadata every REST API of this authorizer serves, when `protectedResource` is set. */
  private readonly protectedResource?: ProtectedResourceMetadata;
  private readonly restAuthorizers = new Map<apigw.IRestApi, apigw.IAuthorizer>();
  private readonly httpAuthorizers = new Map<apigwv2.IHttpApi, apigwv2.IHttpAuthorizer>();
  /** Per-route rules: recorded by addMethod/addRoutes, rendered at synth. */
  private readonly routeRules: RouteRules;

  constructor(scope: Construct, id: string, props: ClerkLambdaAuthorizerProps) {
    super(scope, id);

    validateIssuer(this, props.issuer);
    const publicKeyPem = validateKeySource(this, props.publicKeyPem, props.jwksUri);
    validateStringList(this, props.audience, 'audience');
    validateAuthorizedParties(this, props.authorizedParties);
    const clockSkewSeconds = validateClockSkew(this, props.clockSkew);
    const sessionCookie = props.sessionCookie ?? false;
    const cacheTtlSeconds = validateResultsCacheTtl(this, props.resultsCacheTtl, sessionCookie);
    const jwksStaleIfErrorMs = validateJwksStaleIfError(this, props.jwksStaleIfError, publicKeyPem);
    validateReservedConcurrency(this, props.reservedConcurrentExecutions);
    const memorySize = validateMemorySize(this, props.memorySize ?? 256);
    validateLogGroupOptions(this, props.logGroup, props.logRetention);
    const authorizerName = props.authorizerName ?? Names.uniqueResourceName(this, { maxLength: 128 });
    validateAuthorizerName(this, authorizerName);
    const predicate = props.predicate === undefined ? undefined : validatePredicateWire(this, props.predicate);
    const acceptsToken = validateMachineCallers(this, props);

    const environment = authorizerEnvironment(this, {
      ...props, publicKeyPem, predicate, clockSkewSeconds, sessionCookie, jwksStaleIfErrorMs, acceptsToken,
    });
    warnWeakSettings(this, cacheTtlSeconds, sessionCookie, props.authorizedParties);

    this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy: the function may write to its log
    // group and nothing else.
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Clerk authorizer function: writes its own log group, nothing else',
    });
    this.logGroup.grantWrite(role);

    const fn = new ClerkAuthorizerFunction(this, 'Function', {
      description: 'Verifies Clerk session tokens for API Gateway (cdk-clerk-authorizers)',
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      memorySize,
      // Only when set: an explicit undefined would still show up in the construct's metadata.
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      // The handler answers well within this: a cold start plus one JWKS fetch, whose own timeout is 1.5 s. API
      // Gateway waits at most 10 s for an authorizer.
      timeout: Duration.seconds(5),
      environment,
      logGroup: this.logGroup,
      // Every line a JSON event (the decision records under `message`): what lets a metric filter read the reason code
      // (`metricRefusals({ reason })`); JSON patterns do not apply to the Text format's prefixed lines.
      loggingFormat: lambda.LoggingFormat.JSON,
      role,
    });
    this.function = fn;
    this.metrics = { scope: this, logGroup: this.logGroup, fn: this.function };
    this.jwksMode = publicKeyPem === undefined;
    const tokenValidationRegex = ClerkLambdaAuthorizer.TOKEN_VALIDATION_REGEX;
    this.perApi = { fn: this.function, name: authorizerName, cacheTtlSeconds, sessionCookie, tokenValidationRegex };
    // addMethod/addRoutes run after the constructor: the route table is rendered at synth, by an aspect.
    this.routeRules = new RouteRules(this, fn, predicate, () => [
      ...[...this.restAuthorizers].map(([api, a]) => ({ api, apiId: api.restApiId, authorizerId: a.authorizerId })),
      ...[...this.httpAuthorizers].map(([api, a]) => ({
        api,
        apiId: api.apiId,
        authorizerId: a.authorizerId,
        http: (a as apigwv2.HttpAuthorizer).node.defaultChild as apigwv2.CfnAuthorizer,
      })),
    ]);
    Aspects.of(this).add(this.routeRules);
    if (props.protectedResource !== undefined) {
      this.protectedResource = { ...props.protectedResource, issuer: props.issuer };
    }
  }

  /**
   * The number of refused requests: tokens that are missing, malformed, expired, forged or otherwise not acceptable
   * (401 on REST APIs, 403 on HTTP APIs), all of them or those of one reason code (`reason`).
   *
   * Read from the decision log by a metric filter on the function's log group, created on first use (each metric is
   * a CloudWatch custom metric once it has data). Sum over 5 minutes by default. Not `function.metricErrors()`: Lambda
   * counts every REST 401 (a thrown `Unauthorized`) as a function error.
   *
   * @param props metric options, and optionally the reason code to count
   */
  public metricRefusals(props: ClerkRefusalMetricOptions = {}): cloudwatch.Metric {
    const { reason, ...options } = props;
    return decisionMetric(this.metrics, 'Refusals', options, reason);
  }

  /**
   * The number of denied requests: verified tokens whose predicate does not hold (403).
   *
   * Read from the decision log by a metric filter, created on first use. Sum over 5 minutes by default.
   *
   * @param props metric options
   */
  public metricDenials(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return decisionMetric(this.metrics, 'Denials', props);
  }

  /**
   * The number of requests refused because the issuer's JWKS could not be fetched (`jwks_unavailable`).
   *
   * Each is a valid user refused: the function fails closed. Always zero with `publicKeyPem`. Read from the decision
   * log by a metric filter, created on first use. Sum over 5 minutes by default.
   *
   * @param props metric options
   */
  public metricJwksUnavailable(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return decisionMetric(this.metrics, 'JwksUnavailable', props);
  }

  /**
   * The number of requests the handler refused because of a defect of its own (`internal_error`, answered 401).
   *
   * Never expected. Read from the decision log by a metric filter, created on first use. Sum over 5 minutes by
   * default.
   *
   * @param props metric options
   */
  public metricInternalErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return decisionMetric(this.metrics, 'InternalErrors', props);
  }

  /**
   * The number of forged or tampered tokens: a signature that does not verify (`signature_invalid`), an algorithm
   * other than RS256 (`alg_not_allowed`, e.g. `none` or HS256 with the public key as secret), a header that carries
   * or points to a key (`header_key_not_trusted`).
   *
   * All refused. Read from the decision log by a metric filter, created on first use. Sum over 5 minutes by default.
   *
   * @param props metric options
   */
  public metricForgeryAttempts(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return decisionMetric(this.metrics, 'ForgeryAttempts', props);
  }

  /**
   * Creates the recommended alarms and returns them, without actions (add yours: `alarm.addAlarmAction(...)`).
   *
   * - JWKS unavailable (JWKS mode only): at least one `jwks_unavailable` in 3 of the last 5 minutes. Each refused a
   *   valid user; one failed fetch is a blip, three minutes out of five an outage of Clerk or of the route to it.
   * - Internal errors: at least one `internal_error` in 5 minutes. Never expected: each is a handler defect.
   * - Throttles: at least one throttled invocation in 5 minutes. API Gateway answers a throttled authorizer with 500.
   * - Forgery attempts: at least 10 in 5 minutes (`metricForgeryAttempts`). Legitimate clients never send these; a
   *   few are scanners or a developer's token from another Clerk instance, ten in five minutes is someone trying.
   *
   * Missing data is not breaching (no log line: nothing happened). Calling it again returns the same alarms.
   *
   * @returns the alarms
   */
  public addRecommendedAlarms(): cloudwatch.Alarm[] {
    return recommendedAlarms(this.metrics, this.jwksMode);
  }

  /**
   * Adds a method to a REST API resource, protected by this authorizer.
   *
   * Equivalent to `resource.addMethod(httpMethod, integration, options)` with this construct's authorizer for that
   * API (a TOKEN authorizer, or a REQUEST authorizer with `sessionCookie`). `OPTIONS` is refused: CORS preflight
   * requests carry no credentials, so an authorized `OPTIONS` method would fail every preflight; configure CORS with
   * `defaultCorsPreflightOptions` instead, which also makes an `ANY` method leave `OPTIONS` to the preflight method
   * (an `ANY` method on a resource without a CORS preflight gets a synthesis warning). When the API has CORS
   * configured anywhere, the API's 401, 403 and authorizer-error gateway responses get the CORS headers (see
   * {@link authorizerForRestApi}), so browsers can read them.
   *
   * @param resource the resource to add the method to
   * @param httpMethod the HTTP method, e.g. `GET` or `ANY`
   * @param integration the integration (default: the resource's default integration)
   * @param options method options; `authorizer` and `authorizationType` are set by this construct; `predicate` is the
   * method's own rule
   */
  public addMethod(
    resource: apigw.IResource,
    httpMethod: string,
    integration?: apigw.Integration,
    options?: ClerkLambdaMethodOptions,
  ): apigw.Method {
    const { predicate, ...methodOptions } = options ?? {};
    validateMethodOptions(this, httpMethod, methodOptions);
    const rule = predicate === undefined ? undefined : validatePredicateWire(this, predicate);
    const authorizer = this.authorizerForRestApi(resource.api);
    const method = resource.addMethod(httpMethod, integration, {
      ...methodOptions,
      authorizationType: apigw.AuthorizationType.CUSTOM,
      authorizer,
    });
    if (rule !== undefined) this.routeRules.record(resource.api, resource.api.restApiId, [method], rule);
    return method;
  }

  /**
   * Adds routes to an HTTP API, each protected by this authorizer (payload 2.0; simple responses, or IAM policies once
   * a route of the API has a `predicate` of its own).
   *
   * One route per method, created in the API's scope with the ids `HttpApi.addRoutes` uses (`<METHOD><path>`).
   * `HttpMethod.ANY` (the default) is expanded into GET, POST, PUT, PATCH, DELETE and HEAD, so that browser CORS
   * preflights reach API Gateway's CORS handling (`corsPreflight` on the HttpApi answers them when no route matches
   * `OPTIONS`) instead of the authorizer; `OPTIONS` is refused.
   *
   * @param api the HttpApi (or an imported one) to add the routes to
   * @param options path, methods and integration of the routes
   * @returns the routes created, in the order of their methods
   */
  public addRoutes(api: apigwv2.IHttpApi, options: ClerkLambdaRouteOptions): apigwv2.HttpRoute[] {
    const rule = options.predicate === undefined ? undefined : validatePredicateWire(this, options.predicate);
    const routes = addProtectedRoutes(api, this, options);
    if (rule !== undefined) this.routeRules.record(api, api.apiId, routes, rule);
    return routes;
  }

  /**
   * Binds this authorizer to an HTTP API route (`IHttpRouteAuthorizer`).
   *
   * Lets the construct be used as the `authorizer` of `httpApi.addRoutes(...)` or as an HTTP API's
   * `defaultAuthorizer`. Prefer {@link addRoutes}: routed this way, an `ANY` route also puts browser CORS preflight
   * (`OPTIONS`) requests behind the authorizer, so a route whose key lets `OPTIONS` through (`ANY`, `OPTIONS` or
   * `$default`) gets a synthesis warning.
   */
  public bind(options: apigwv2.HttpRouteAuthorizerBindOptions): apigwv2.HttpRouteAuthorizerConfig {
    Aspects.of(options.route).add(new PreflightWarning('Lambda'));
    return {
      authorizerId: this.authorizerForHttpApi(options.route.httpApi).authorizerId,
      authorizationType: 'CUSTOM',
    };
  }

  /**
   * The API Gateway authorizer this construct uses on a REST API, created on first use.
   *
   * The authorizer and its invoke permission live in the API's stack (so one construct can protect APIs of other
   * stacks without a cyclic reference), and their ids do not depend on the enclosing Stage. The API must be in this
   * construct's account and region.
   *
   * For methods added without {@link addMethod}: `resource.addMethod('GET', integration, { authorizer })`. At synthesis,
   * a method of the API that puts `OPTIONS` behind this authorizer (an `OPTIONS` method, or `ANY` on a resource
   * without a CORS preflight) gets a warning, and when the API has CORS configured (`defaultCorsPreflightOptions` on
   * the API or any resource, or `addCorsPreflight`, in any order) its 401, 403 and authorizer-error gateway responses
   * get the CORS headers, unless the API defines those gateway responses itself.
   *
   * @param api the REST API
   */
  public authorizerForRestApi(api: apigw.IRestApi): apigw.IAuthorizer {
    const existing = this.restAuthorizers.get(api);
    if (existing !== undefined) return existing;
    validateSameEnvironment(this, api);
    const authorizer = createRestAuthorizer(perApiScope(this, api, 'Rest', 'ClerkLambdaAuthorizerRest'), api, this.perApi);
    if (this.protectedResource !== undefined) addProtectedResource(this, api, this.protectedResource);
    this.restAuthorizers.set(api, authorizer);
    addCorsGatewayResponses(api);
    Aspects.of(api).add(new RestPreflightWarning(authorizer.authorizerId));
    return authorizer;
  }

  /**
   * The API Gateway authorizer this construct uses on an HTTP API, created on first use.
   *
   * Placed like the REST authorizers (see {@link authorizerForRestApi}); the API must be in this construct's account
   * and region.
   *
   * @param api the HTTP API
   */
  public authorizerForHttpApi(api: apigwv2.IHttpApi): apigwv2.IHttpAuthorizer {
    const existing = this.httpAuthorizers.get(api);
    if (existing !== undefined) return existing;
    validateSameEnvironment(this, api);
    const authorizer = createHttpAuthorizer(perApiScope(this, api, 'Http', 'ClerkLambdaAuthorizerHttp'), api, this.perApi);
    this.httpAuthorizers.set(api, authorizer);
    return authorizer;
  }
}
