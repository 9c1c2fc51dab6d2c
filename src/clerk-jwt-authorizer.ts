import { Aspects, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { validationError } from './private/errors';
import { addProtectedRoutes, PreflightWarning } from './private/http-routes';
import { perApiPlacement } from './private/per-api';
import { validateAuthorizerName, validateIssuer, validateStringList } from './private/validation';

/**
 * Properties of a {@link ClerkJwtAuthorizer}.
 */
export interface ClerkJwtAuthorizerProps {
  /**
   * The Clerk Frontend API URL, which Clerk puts in the `iss` claim of every session token.
   *
   * `https://clerk.<your-domain>` in production, `https://<slug>.clerk.accounts.dev` in development (Clerk Dashboard →
   * API keys → "Frontend API URL"). API Gateway compares it with `iss` exactly, character for character, and reads
   * `<issuer>/.well-known/openid-configuration` to find the signing keys. It must be an absolute https URL without
   * credentials, query or fragment, and without a trailing slash: Clerk's `iss` has none, so
   * `https://clerk.example.com/` would reject every token.
   *
   * @see https://clerk.com/docs/backend-requests/resources/session-tokens
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
   */
  readonly issuer: string;

  /**
   * The accepted audiences: a token is accepted only when its `aud` claim (or `client_id`) matches one of them.
   *
   * API Gateway's JWT authorizer requires an audience, and Clerk session tokens carry no `aud` unless you add one:
   * Clerk Dashboard → Sessions → Customize session token, add for example `{"aud": "my-api"}`. 1 to 50 non-empty
   * strings. Choose a value no other consumer of your Clerk instance uses (for example not the audience of a
   * Supabase or Convex JWT template): any token from your instance that carries a listed `aud` is accepted.
   *
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
   * @see https://clerk.com/docs/backend-requests/custom-session-token
   */
  readonly audience: string[];

  /**
   * The name of the `AWS::ApiGatewayV2::Authorizer` resources, as shown in the API Gateway console.
   *
   * @default - the id of this construct
   */
  readonly authorizerName?: string;

  /**
   * Where API Gateway reads the token: exactly one `$request.header.<name>` or `$request.querystring.<name>` selection.
   *
   * The header may hold `Bearer <token>` or the bare token. A JWT authorizer cannot read cookies, so Clerk's
   * `__session` cookie cannot be used here. A query-string token ends up in access logs and browser history; prefer a
   * header.
   *
   * @default ['$request.header.Authorization']
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-authorizer.html#cfn-apigatewayv2-authorizer-identitysource
   */
  readonly identitySource?: string[];
}

/**
 * Options of {@link ClerkJwtAuthorizer.addRoutes}: the routes to create and protect.
 */
export interface ClerkJwtRouteOptions extends apigwv2.BatchHttpRouteOptions {
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
   * @default - GET, POST, PUT, PATCH, DELETE and HEAD (`HttpMethod.ANY` without `OPTIONS`)
   */
  readonly methods?: apigwv2.HttpMethod[];

  /**
   * OAuth scopes of which the token must grant at least one (in its `scope` or `scp` claim).
   *
   * Merged with the HttpApi's `defaultAuthorizationScopes`. Clerk session tokens carry no `scope` claim unless you add
   * one under "Customize session token"; with scopes listed, tokens without any of them are refused. At most 10.
   *
   * @default - the HttpApi's `defaultAuthorizationScopes`, or no scope check
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
   */
  readonly authorizationScopes?: string[];
}

/** API Gateway's limit on the authorization scopes of one route. */
const MAX_ROUTE_SCOPES = 10;

const DEFAULT_IDENTITY_SOURCE = '$request.header.Authorization';

/** A JWT authorizer reads one header or one query-string parameter. */
const JWT_IDENTITY_SOURCE = /^\$request\.(header|querystring)\.[^\s.]+$/;

/**
 * Protects HTTP API routes with Clerk session tokens, using API Gateway's native JWT authorizer (no Lambda).
 *
 * API Gateway verifies the token's RSA signature with the keys of your Clerk instance (found through
 * `<issuer>/.well-known/openid-configuration` and cached), then checks `iss` (exactly equal to `issuer`), `aud`
 * (one of `audience`), `exp`, `nbf` and `iat`, and the route's authorization scopes. A missing, invalid or expired
 * token gets 401 with a `www-authenticate` header naming the reason; the integration is not called.
 *
 * Add routes with {@link ClerkJwtAuthorizer.addRoutes} (recommended: it keeps `OPTIONS` out of the authorizer), or
 * pass the authorizer to `httpApi.addRoutes({ ..., authorizer })`, since it is an `IHttpRouteAuthorizer`. One
 * instance protects any number of HttpApis: each API gets its own `AWS::ApiGatewayV2::Authorizer`, created the
 * first time one of its routes is bound (aws-cdk's own JWT authorizer binds every API to the first API's authorizer).
 *
 * Where the backend finds the verified claims:
 * - Lambda integration, payload format 2.0: `event.requestContext.authorizer.jwt.claims` (`sub` is the Clerk user
 *   id, `sid` the session id), and `event.requestContext.authorizer.jwt.scopes`. API Gateway passes every claim
 *   value as a string: numbers arrive as `"1713158460"`, and arrays and objects (Clerk's `o`, your `metadata`) arrive
 *   flattened into a string whose format AWS does not document, so do not parse them; {@link ClerkLambdaAuthorizer}
 *   passes the whole payload as JSON instead.
 * - Parameter mapping (HTTP and private integrations): `$context.authorizer.claims.<name>`, for example
 *   `new ParameterMapping().appendHeader('x-clerk-user-id', MappingValue.contextVariable('authorizer.claims.sub'))`.
 *
 * What the native JWT authorizer does NOT check, and Clerk's own SDKs do:
 * - `azp` (the origin the token was minted for, Clerk's CSRF defence): a token minted for any of your instance's
 *   origins is accepted.
 * - the token kind: any token of your Clerk instance with a listed `aud` is accepted, including JWT-template tokens
 *   (no `sid`, lifetimes up to years) and tokens whose `cat` header is not the session category.
 * - `sts: "pending"`: sessions that have not finished choosing an organization are accepted.
 * - roles, organization roles and permissions, metadata: no claim besides `scope`/`scp` can be required.
 * - revocation: a signed-out session's token stays valid until its `exp` (Clerk session tokens live 60 s).
 * When you need any of these, use {@link ClerkLambdaAuthorizer}, which verifies the token itself and checks `azp`,
 * `sid`, `sts` and claim predicates.
 *
 * CORS: `addRoutes` never routes `OPTIONS` through the authorizer. `HttpMethod.ANY` (the default) is expanded into
 * GET, POST, PUT, PATCH, DELETE and HEAD, so no route of this authorizer matches a preflight:
 * - with `corsPreflight` on the HttpApi, API Gateway answers every preflight itself (it does so only when no route
 *   matches the `OPTIONS` request), for plain and `{proxy+}` paths alike, without calling the authorizer or the
 *   integration;
 * - without `corsPreflight`, a preflight matches no route (404, or the API's `$default` route if it has one); if your
 *   backend answers CORS itself, add an unauthenticated `OPTIONS` route to it with `httpApi.addRoutes`.
 * Adding an unauthenticated `OPTIONS` route instead of expanding `ANY` was rejected: it would take preflights away
 * from API Gateway's CORS handling and call the integration without a token. A `$default` route protected by this
 * authorizer still catches preflights; add an unauthenticated `OPTIONS /{proxy+}` route next to it. A route bound
 * through `httpApi.addRoutes({ authorizer })` keeps the method it was given; when that is `ANY` or `OPTIONS` (or the
 * route is `$default`), synthesis emits a warning, because such a route answers preflights with 401.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 * @see https://clerk.com/docs/backend-requests/manual-jwt
 */
export class ClerkJwtAuthorizer extends Construct implements apigwv2.IHttpRouteAuthorizer {
  /** The `authorizationType` of the routes this authorizer protects. */
  public readonly authorizationType: string = 'JWT';

  /** The Clerk Frontend API URL that `iss` must equal. */
  public readonly issuer: string;

  /** The accepted `aud` values. */
  public readonly audience: string[];

  private readonly authorizerName: string;
  private readonly identitySource: string[];
  private readonly authorizers = new Map<apigwv2.IHttpApi, apigwv2.HttpAuthorizer>();

  constructor(scope: Construct, id: string, props: ClerkJwtAuthorizerProps) {
    super(scope, id);
    validateIssuer(this, props.issuer);
    validateAudience(this, props.audience);
    const identitySource = props.identitySource ?? [DEFAULT_IDENTITY_SOURCE];
    validateIdentitySource(this, identitySource);
    const authorizerName = props.authorizerName ?? id;
    validateAuthorizerName(this, authorizerName);
    this.issuer = props.issuer;
    this.audience = [...props.audience];
    this.authorizerName = authorizerName;
    this.identitySource = [...identitySource];
  }

  /**
   * Adds routes to an HttpApi, each protected by this authorizer; `OPTIONS` is never one of them.
   *
   * One route per method, created in the API's scope with the ids `HttpApi.addRoutes` uses (`<METHOD><path>`), so
   * moving a route from `httpApi.addRoutes` to this method keeps its logical id. `HttpMethod.ANY` (the default) is
   * expanded into GET, POST, PUT, PATCH, DELETE and HEAD, so that CORS preflights reach API Gateway's CORS handling
   * instead of the authorizer; see the class documentation.
   *
   * @param api the HttpApi (or an imported one) to add the routes to
   * @param options path, methods, integration and authorization scopes of the routes
   * @returns the routes created, in the order of their methods
   */
  public addRoutes(api: apigwv2.IHttpApi, options: ClerkJwtRouteOptions): apigwv2.HttpRoute[] {
    validateStringList(this, options.authorizationScopes, 'authorizationScopes', MAX_ROUTE_SCOPES);
    return addProtectedRoutes(api, this, options);
  }

  /**
   * The `AWS::ApiGatewayV2::Authorizer` of this authorizer on the given HttpApi, created on first use.
   *
   * It lives in the API's stack: as a child of this construct (id `Authorizer<id of the API>`) when both are in the
   * same stack, otherwise as a child of the API (id `ClerkJwtAuthorizer<id of this construct>`), so a shared
   * authorizer defined in one stack can protect APIs of other stacks without a cyclic reference. The `<id of ...>`
   * part is derived from the construct path below the enclosing Stage (readable part plus hash), so it, and the
   * authorizer's logical id, stay the same when the app is deployed as several stages.
   *
   * @param api the HttpApi
   */
  public authorizerForHttpApi(api: apigwv2.IHttpApi): apigwv2.IHttpAuthorizer {
    let authorizer = this.authorizers.get(api);
    if (authorizer === undefined) {
      const { scope, id } = perApiPlacement(this, api, 'Authorizer', 'ClerkJwtAuthorizer');
      authorizer = new apigwv2.HttpAuthorizer(scope, id, {
        httpApi: api,
        type: apigwv2.HttpAuthorizerType.JWT,
        authorizerName: this.authorizerName,
        identitySource: this.identitySource,
        jwtIssuer: this.issuer,
        jwtAudience: this.audience,
      });
      this.authorizers.set(api, authorizer);
    }
    return authorizer;
  }

  /**
   * Binds this authorizer to a route; called by `HttpRoute`, not by you.
   *
   * The route gets the authorizer of its own HttpApi. A route whose key lets `OPTIONS` through the authorizer
   * (`ANY`, `OPTIONS` or `$default`) gets a synthesis warning.
   */
  public bind(options: apigwv2.HttpRouteAuthorizerBindOptions): apigwv2.HttpRouteAuthorizerConfig {
    const authorizer = this.authorizerForHttpApi(options.route.httpApi);
    Aspects.of(options.route).add(new PreflightWarning('Jwt'));
    return { authorizerId: authorizer.authorizerId, authorizationType: this.authorizationType };
  }
}

/** The audience is required by the type, but jsii callers in other languages can still omit it. */
function validateAudience(scope: Construct, audience: string[] | undefined): void {
  if (audience === undefined) {
    throw validationError(scope, '`audience` must list 1 to 50 values (API Gateway requires it), got: undefined');
  }
  validateStringList(scope, audience, 'audience');
}

function validateIdentitySource(scope: Construct, identitySource: string[]): void {
  if (Token.isUnresolved(identitySource)) return;
  const entry = identitySource[0];
  if (identitySource.length !== 1 || (!Token.isUnresolved(entry) && !JWT_IDENTITY_SOURCE.test(entry))) {
    throw validationError(scope,
      '`identitySource` must be exactly one $request.header.<name> or $request.querystring.<name> selection (a JWT ' +
        `authorizer reads the token from one place), got: ${JSON.stringify(identitySource)}`,
    );
  }
}
