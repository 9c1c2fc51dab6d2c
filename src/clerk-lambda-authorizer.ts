import { Aspects } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ClaimPredicate } from './claim-predicate';
import { ClerkLambdaAuthorizerProps } from './clerk-lambda-authorizer-props';
import { decisionMetric, DecisionMetricSource, recommendedAlarms } from './private/decision-metrics';
import { authorizerEnvironment } from './private/environment';
import { addProtectedRoutes, PreflightWarning } from './private/http-routes';
import { LambdaApiAuthorizers } from './private/lambda-api-authorizers';
import { createAuthorizerFunction, createLogGroup, createServiceRole } from './private/lambda-authorizer-resources';
import { validateLambdaAuthorizerProps, validateMethodOptions, validatePredicateWire } from './private/lambda-authorizer-validation';
import { RouteRules } from './private/route-rules';

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
  /** The API Gateway authorizers, one per API, created on first use. */
  private readonly apis: LambdaApiAuthorizers;
  /** Per-route rules: recorded by addMethod/addRoutes, rendered at synth. */
  private readonly routeRules: RouteRules;

  constructor(scope: Construct, id: string, props: ClerkLambdaAuthorizerProps) {
    super(scope, id);

    const settings = validateLambdaAuthorizerProps(this, props);
    const environment = authorizerEnvironment(this, { ...props, ...settings });
    this.logGroup = props.logGroup ?? createLogGroup(this, props.logRetention);
    const role = createServiceRole(this, this.logGroup);
    const fn = createAuthorizerFunction(this, {
      architecture: props.architecture,
      memorySize: settings.memorySize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment,
      logGroup: this.logGroup,
      role,
    });

    this.function = fn;
    this.metrics = { scope: this, logGroup: this.logGroup, fn };
    this.jwksMode = settings.publicKeyPem === undefined;
    this.apis = new LambdaApiAuthorizers(this, {
      fn,
      name: settings.authorizerName,
      cacheTtlSeconds: settings.cacheTtlSeconds,
      sessionCookie: settings.sessionCookie,
      tokenValidationRegex: ClerkLambdaAuthorizer.TOKEN_VALIDATION_REGEX,
    }, props.protectedResource === undefined ? undefined : { ...props.protectedResource, issuer: props.issuer });
    // addMethod/addRoutes run after the constructor: the route table is rendered at synth, by an aspect.
    this.routeRules = new RouteRules(this, fn, settings.predicate, () => this.apis.authorized());
    Aspects.of(this).add(this.routeRules);
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
    return this.apis.forRestApi(api);
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
    return this.apis.forHttpApi(api);
  }
}
