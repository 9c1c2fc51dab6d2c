import { Duration, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { Default, Limit } from './contract';
import { validationError } from './errors';
import { parsePredicate, showsValue } from './predicate';
import { validateDurationSeconds, validateJwksUri, validatePublicKeyPem } from './validation';

/**
 * Synth-time checks of the Lambda authorizer's props and method arguments, one `validateX` per concern, each throwing
 * through `validationError` with the construct (`scope`). The checks both constructs share are in `./validation`.
 */

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
