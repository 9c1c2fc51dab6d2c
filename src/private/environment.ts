import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EnvVar, IssuerPath } from './contract';
import { validationError } from './errors';

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
const MAX_ENVIRONMENT_BYTES = 4096;

/** The validated settings the construct hands to its function (see `./contract` for what each variable means). */
export interface AuthorizerSettings {
  readonly issuer: string;
  /** Canonical SPKI PEM; PEM mode when set. */
  readonly publicKeyPem?: string;
  /** JWKS mode: the URL, or the issuer's default when unset. */
  readonly jwksUri?: string;
  /** JWKS mode: milliseconds (or a token), default applied. */
  readonly jwksStaleIfErrorMs?: string;
  readonly audience?: string[];
  readonly authorizedParties?: string[];
  /** The predicate's validated wire format. */
  readonly predicate?: string;
  /** Whole seconds, or a token. */
  readonly clockSkewSeconds: string;
  /** @default false */
  readonly allowPendingSessions?: boolean;
  readonly sessionCookie: boolean;
  /** @default false */
  readonly logAllowedRequests?: boolean;
  /** The kinds of token accepted (validated, in `TOKEN_KINDS` order). */
  readonly acceptsToken: readonly string[];
  readonly oauthClientIds?: string[];
  readonly machineId?: string;
}

/**
 * The function's environment: the construct's side of the contract with the handler.
 *
 * Every variable the handler reads is written, defaults included, so the template documents the configuration; the
 * optional checks (aud, azp, predicate) have no "off" value and are written only when configured. Of the JWKS tuning
 * variables only the stale-if-error bound is configurable here (written in JWKS mode); the others keep the handler's
 * defaults. Fails when the result would exceed Lambda's 4 KB limit (only a huge predicate can do that).
 */
export function authorizerEnvironment(scope: IConstruct, settings: AuthorizerSettings): Record<string, string> {
  const stack = Stack.of(scope);
  const environment: Record<string, string> = { [EnvVar.ISSUER]: settings.issuer };
  if (settings.publicKeyPem !== undefined) {
    environment[EnvVar.PUBLIC_KEY_PEM] = settings.publicKeyPem;
  } else {
    environment[EnvVar.JWKS_URI] = settings.jwksUri ?? `${settings.issuer}${IssuerPath.JWKS}`;
    if (settings.jwksStaleIfErrorMs !== undefined) environment[EnvVar.JWKS_STALE_IF_ERROR_MS] = settings.jwksStaleIfErrorMs;
  }
  if (settings.audience !== undefined) environment[EnvVar.AUDIENCE] = stack.toJsonString(settings.audience);
  if (settings.authorizedParties !== undefined) {
    environment[EnvVar.AUTHORIZED_PARTIES] = stack.toJsonString(settings.authorizedParties);
  }
  if (settings.predicate !== undefined) environment[EnvVar.PREDICATE] = settings.predicate;
  environment[EnvVar.CLOCK_SKEW_SECONDS] = settings.clockSkewSeconds;
  environment[EnvVar.ALLOW_PENDING_SESSIONS] = String(settings.allowPendingSessions ?? false);
  environment[EnvVar.SESSION_COOKIE] = String(settings.sessionCookie);
  environment[EnvVar.LOG_ALLOWED] = String(settings.logAllowedRequests ?? false);
  environment[EnvVar.ACCEPTS_TOKEN] = JSON.stringify(settings.acceptsToken);
  if (settings.oauthClientIds !== undefined) environment[EnvVar.OAUTH_CLIENT_IDS] = stack.toJsonString(settings.oauthClientIds);
  if (settings.machineId !== undefined) environment[EnvVar.MACHINE_ID] = settings.machineId;
  checkEnvironmentSize(scope, environment);
  return environment;
}

function checkEnvironmentSize(scope: IConstruct, environment: Record<string, string>): void {
  if (Object.values(environment).some((value) => Token.isUnresolved(value))) return;
  const bytes = Object.entries(environment).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    throw validationError(scope,
      `\`predicate\` must fit the function's environment (Lambda allows ${MAX_ENVIRONMENT_BYTES} bytes in all; simplify the predicate), got: ${bytes} bytes in all`,
    );
  }
}
