import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ClaimPredicate } from './claim-predicate';
// For the {@link} below only: jsii writes an unresolved link differently into the docs (API.md).
import type { ClerkLambdaAuthorizer } from './clerk-lambda-authorizer';
import { ClerkTokenType } from './clerk-token-type';

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
