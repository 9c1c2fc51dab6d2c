import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import type { ClerkLambdaAuthorizerProps } from '../clerk-lambda-authorizer-props';
import { Default, Limit, TokenKind } from './contract';
import { validationError } from './errors';
import { validateMachineCallers } from './machine-validation';
import { parsePredicate, showsValue } from './predicate';
import {
  validateAuthorizerName,
  validateDurationSeconds,
  validateIssuer,
  validateJwksUri,
  validatePublicKeyPem,
  validateStringList,
} from './validation';

/**
 * Synth-time checks of the Lambda authorizer's props and method arguments, one `validateX` per concern, each throwing
 * through `validationError` with the construct (`scope`). The checks both constructs share are in `./validation`.
 */

/** The props as the construct uses them once validated: defaults applied, durations in their variables' units. */
export interface ValidatedLambdaAuthorizerProps {
  /** Canonical SPKI PEM; undefined in JWKS mode. */
  readonly publicKeyPem: string | undefined;
  /** The predicate's wire format. */
  readonly predicate: string | undefined;
  /** Whole seconds, or a token. */
  readonly clockSkewSeconds: string;
  readonly sessionCookie: boolean;
  readonly cacheTtlSeconds: number;
  /** JWKS mode: milliseconds (or a token); undefined in PEM mode. */
  readonly jwksStaleIfErrorMs: string | undefined;
  readonly memorySize: number;
  readonly authorizerName: string;
  readonly acceptsToken: TokenKind[];
}

/**
 * Validates every prop of the Lambda authorizer (the first failing check throws), warns about weak settings (see
 * {@link warnWeakSettings}), and returns the values the construct renders.
 */
export function validateLambdaAuthorizerProps(scope: IConstruct, props: ClerkLambdaAuthorizerProps): ValidatedLambdaAuthorizerProps {
  validateIssuer(scope, props.issuer);
  const publicKeyPem = validateKeySource(scope, props.publicKeyPem, props.jwksUri);
  validateStringList(scope, props.audience, 'audience');
  validateAuthorizedParties(scope, props.authorizedParties);
  const clockSkewSeconds = validateClockSkew(scope, props.clockSkew);
  const sessionCookie = props.sessionCookie ?? false;
  const cacheTtlSeconds = validateResultsCacheTtl(scope, props.resultsCacheTtl, sessionCookie);
  const jwksStaleIfErrorMs = validateJwksStaleIfError(scope, props.jwksStaleIfError, publicKeyPem);
  validateReservedConcurrency(scope, props.reservedConcurrentExecutions);
  const memorySize = validateMemorySize(scope, props.memorySize ?? 256);
  validateLogGroupOptions(scope, props.logGroup, props.logRetention);
  const authorizerName = props.authorizerName ?? Names.uniqueResourceName(scope, { maxLength: 128 });
  validateAuthorizerName(scope, authorizerName);
  const predicate = props.predicate === undefined ? undefined : validatePredicateWire(scope, props.predicate);
  const acceptsToken = validateMachineCallers(scope, props);
  warnWeakSettings(scope, cacheTtlSeconds, sessionCookie, props.authorizedParties);
  return {
    publicKeyPem, predicate, clockSkewSeconds, sessionCookie, cacheTtlSeconds, jwksStaleIfErrorMs, memorySize, authorizerName, acceptsToken,
  };
}

/**
 * Validates the key source: a PEM key or a JWKS URL, not both. Returns the PEM in canonical SPKI form (what the
 * function is given), undefined in JWKS mode.
 */
export function validateKeySource(scope: IConstruct, publicKeyPem: string | undefined, jwksUri: string | undefined): string | undefined {
  if (publicKeyPem !== undefined && jwksUri !== undefined) {
    throw validationError(scope,
      `\`jwksUri\` must not be set together with \`publicKeyPem\` (a PEM key means no key fetching: choose one), got: ${jwksUri}`,
    );
  }
  const canonical = publicKeyPem === undefined ? undefined : validatePublicKeyPem(scope, publicKeyPem);
  if (jwksUri !== undefined) validateJwksUri(scope, jwksUri);
  return canonical;
}

/**
 * Validates `authorizedParties`: 1 to 50 origins, each `scheme://host[:port]` and nothing else, written as a browser
 * writes the `Origin` header (and so as Clerk writes `azp`, which is compared exactly): no path, not even a trailing
 * slash, no query, fragment or credentials, and for http(s) a lowercase host without the default port. Any other
 * value would make every token fail `azp_mismatch`.
 */
export function validateAuthorizedParties(scope: IConstruct, parties: string[] | undefined): void {
  validateStringList(scope, parties, 'authorizedParties');
  if (parties === undefined || Token.isUnresolved(parties)) return;
  const rule = 'entries must be origins such as https://app.example.com (scheme, host and optional port, exactly as the ' +
    'browser sends Origin: no path or trailing slash, query, fragment or credentials)';
  for (const party of parties) {
    if (Token.isUnresolved(party)) continue;
    const shown = party.replace(/\/\/[^/?#]*@/, '//***@');
    let url: URL | undefined;
    try {
      url = new URL(party);
    } catch {
      url = undefined;
    }
    const special = url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:');
    if (special) {
      // The URL's own origin is the canonical form: it drops a path, query, fragment, credentials and the default
      // port, and lowercases the host.
      if (url!.origin !== party) {
        const hint = url!.hostname === '' ? '' : ` (its origin is ${url!.origin})`;
        throw validationError(scope, `\`authorizedParties\` ${rule}, got: ${shown}${hint}`);
      }
    } else if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+$/.test(party)) {
      // Other schemes (a browser extension's chrome-extension://<id>): scheme and host only.
      throw validationError(scope, `\`authorizedParties\` ${rule}, got: ${shown}`);
    }
  }
}

/**
 * Validates `jwksStaleIfError` (0 to 24 hours, whole seconds; JWKS mode only) and returns its variable's value in
 * milliseconds (a token stays one), undefined in PEM mode.
 */
export function validateJwksStaleIfError(
  scope: IConstruct, staleIfError: Duration | undefined, publicKeyPem: string | undefined,
): string | undefined {
  if (staleIfError !== undefined && publicKeyPem !== undefined) {
    throw validationError(scope,
      `\`jwksStaleIfError\` must not be set together with \`publicKeyPem\` (a PEM key means no key fetching), got: ${staleIfError.toHumanString()}`,
    );
  }
  if (publicKeyPem !== undefined) return undefined;
  const value = staleIfError ?? Duration.millis(Default.JWKS_STALE_IF_ERROR_MS);
  const seconds = validateDurationSeconds(scope, value, 'jwksStaleIfError', Duration.seconds(0),
    Duration.millis(Limit.MAX_JWKS_STALE_IF_ERROR_MS));
  return seconds !== undefined ? String(seconds * 1000) : Token.asString(value.toMilliseconds());
}

/**
 * Validates `reservedConcurrentExecutions`: a whole number of at least 1 (0 would throttle every request, and API
 * Gateway answers a throttled authorizer with a 500).
 */
export function validateReservedConcurrency(scope: IConstruct, reserved: number | undefined): void {
  if (reserved === undefined || Token.isUnresolved(reserved)) return;
  if (!Number.isInteger(reserved) || reserved < 1) {
    throw validationError(scope, `\`reservedConcurrentExecutions\` must be a whole number of at least 1, got: ${reserved}`);
  }
}

/**
 * Warns about settings that work but weaken what the authorizer promises (acknowledgeable, ids in the README's
 * troubleshooting): a results cache TTL longer than a Clerk session token lives, and the session cookie without
 * `authorizedParties`.
 */
export function warnWeakSettings(scope: IConstruct, cacheTtlSeconds: number, sessionCookie: boolean, authorizedParties: string[] | undefined): void {
  if (!Token.isUnresolved(cacheTtlSeconds) && cacheTtlSeconds > SESSION_TOKEN_LIFETIME_SECONDS) {
    Annotations.of(scope).addWarningV2(
      'cdk-clerk-authorizers:resultsCacheTtlAboveTokenLifetime',
      `\`resultsCacheTtl\` is ${cacheTtlSeconds} seconds, longer than the ${SESSION_TOKEN_LIFETIME_SECONDS} seconds a Clerk ` +
        `session token lives: API Gateway's cached Allow outlives the token, and a sign-out, by up to ${cacheTtlSeconds} ` +
        `seconds. Use at most Duration.seconds(${SESSION_TOKEN_LIFETIME_SECONDS}).`,
    );
  }
  if (sessionCookie && authorizedParties === undefined) {
    Annotations.of(scope).addWarningV2(
      'cdk-clerk-authorizers:sessionCookieWithoutAuthorizedParties',
      '`sessionCookie` is true without `authorizedParties`: a `__session` cookie holding a token minted for any origin ' +
        'of the Clerk instance (a cookie leaked or set from another subdomain) is accepted. Set `authorizedParties` to your ' +
        "app's origins, as Clerk recommends.",
    );
  }
}

/** How long Clerk's session tokens live, in seconds. */
const SESSION_TOKEN_LIFETIME_SECONDS = 60;

/**
 * Validates that an API is in the account and region of the construct (and so of its function): its invoke permission
 * is created beside the API, and API Gateway invokes the function in the API's region. Unresolved (environment-agnostic)
 * values are not compared.
 */
export function validateSameEnvironment(scope: IConstruct, api: IConstruct): void {
  const own = Stack.of(scope);
  const theirs = Stack.of(api);
  const differs = (a: string, b: string) => !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
  if (differs(own.account, theirs.account) || differs(own.region, theirs.region)) {
    throw validationError(scope,
      '`api` must be in the account and region of the authorizer (its function is invoked from the API\'s account and ' +
        'region: create one ClerkLambdaAuthorizer per account and region), got: an API in ' +
        `${theirs.account}/${theirs.region}, the authorizer in ${own.account}/${own.region}`,
    );
  }
}

/** Validates the clock skew (0 to 5 minutes, whole seconds) and returns its variable's value (a token stays one). */
export function validateClockSkew(scope: IConstruct, clockSkew: Duration | undefined): string {
  const skew = clockSkew ?? Duration.seconds(Default.CLOCK_SKEW_SECONDS);
  const seconds = validateDurationSeconds(scope, skew, 'clockSkew', Duration.seconds(0), Duration.seconds(Limit.MAX_CLOCK_SKEW_SECONDS));
  return seconds !== undefined ? String(seconds) : Token.asString(skew.toSeconds());
}

/**
 * Validates the results cache TTL (0 to 1 hour, whole seconds; 0 with `sessionCookie`) and returns it in seconds
 * (a token stays one), defaults applied.
 */
export function validateResultsCacheTtl(scope: IConstruct, resultsCacheTtl: Duration | undefined, sessionCookie: boolean): number {
  const ttl = validateDurationSeconds(scope, resultsCacheTtl, 'resultsCacheTtl', Duration.seconds(0), Duration.hours(1));
  // An unresolved TTL cannot be shown to be 0, so it is refused with the cookie too.
  if (sessionCookie && resultsCacheTtl !== undefined && ttl !== 0) {
    throw validationError(scope,
      '`resultsCacheTtl` must be 0 when `sessionCookie` is true (the cache key cannot cover both the cookie and the ' +
        `Authorization header, so a cached answer could be replayed for another caller), got: ${resultsCacheTtl.toHumanString()}`,
    );
  }
  return ttl ?? resultsCacheTtl?.toSeconds() ?? (sessionCookie ? 0 : 30);
}

/** Validates the function's memory size: a whole number of MB from 128 to 10240. */
export function validateMemorySize(scope: IConstruct, memorySize: number): number {
  if (!Token.isUnresolved(memorySize) && (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240)) {
    throw validationError(scope, `\`memorySize\` must be a whole number of MB from 128 to 10240, got: ${memorySize}`);
  }
  return memorySize;
}

/** Validates that a retention is not given for a log group the user brings. */
export function validateLogGroupOptions(scope: IConstruct, logGroup: logs.ILogGroup | undefined, logRetention: logs.RetentionDays | undefined): void {
  if (logGroup !== undefined && logRetention !== undefined) {
    throw validationError(scope,
      `\`logRetention\` must not be set together with \`logGroup\` (set the retention on your log group), got: ${logRetention} days`,
    );
  }
}

/**
 * Validates the predicate's wire format as the handler will validate it at cold start and returns it (the factories
 * already validate; this catches a hand-made subclass from another language), so a bad predicate fails the synth,
 * not the function. The message shows the start of the rendered predicate unless the problem already shows a value.
 */
export function validatePredicateWire(scope: IConstruct, predicate: { toJson(): string }): string {
  const wire = predicate.toJson();
  try {
    parsePredicate(wire);
  } catch (e) {
    const prefix = typeof wire === 'string' && wire.length > 60 ? `${wire.slice(0, 60)}...` : wire;
    throw validationError(scope, `\`predicate\` ${(e as Error).message}${showsValue(e) ? '' : `, got: ${prefix}`}`);
  }
  return wire;
}

/**
 * Validates the arguments of `addMethod`: never `OPTIONS` (CORS preflights carry no credentials), and no
 * authorizer or authorization type of the caller's own.
 */
export function validateMethodOptions(scope: IConstruct, httpMethod: string, options: apigw.MethodOptions | undefined): void {
  if (httpMethod.toUpperCase() === 'OPTIONS') {
    throw validationError(scope,
      '`httpMethod` must not be OPTIONS (browsers send CORS preflight requests without credentials, so an authorized ' +
        'OPTIONS method fails every preflight: use defaultCorsPreflightOptions or resource.addCorsPreflight), got: ' +
        httpMethod,
    );
  }
  if (options?.authorizer !== undefined) {
    throw validationError(scope,
      `\`options.authorizer\` must not be set (addMethod attaches this construct's authorizer), got: ${options.authorizer.authorizerId}`,
    );
  }
  if (options?.authorizationType !== undefined && options.authorizationType !== apigw.AuthorizationType.CUSTOM) {
    throw validationError(scope,
      `\`options.authorizationType\` must be CUSTOM or unset (addMethod attaches a Lambda authorizer), got: ${options.authorizationType}`,
    );
  }
}
