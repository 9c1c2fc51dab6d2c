import { Annotations, IAspect, Token } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { IConstruct } from 'constructs';
import { validationError } from './errors';

/**
 * What both constructs share about HTTP API routes: the methods `ANY` stands for without `OPTIONS`, route creation
 * that never puts a CORS preflight behind the authorizer, and a warning for routes added another way that do.
 */

/** The methods `HttpMethod.ANY` stands for, without `OPTIONS` (CORS preflight must never reach an authorizer). */
const ANY_BUT_OPTIONS: readonly apigwv2.HttpMethod[] = [
  apigwv2.HttpMethod.GET,
  apigwv2.HttpMethod.POST,
  apigwv2.HttpMethod.PUT,
  apigwv2.HttpMethod.PATCH,
  apigwv2.HttpMethod.DELETE,
  apigwv2.HttpMethod.HEAD,
];

/** The parts of a route both constructs' `addRoutes` take. */
export interface ProtectedRouteOptions {
  readonly path: string;
  readonly methods?: apigwv2.HttpMethod[];
  readonly integration: apigwv2.HttpRouteIntegration;
  readonly authorizationScopes?: string[];
}

/**
 * Adds one route per method, protected by `authorizer`, in the API's scope with the ids `HttpApi.addRoutes` uses
 * (`<METHOD><path>`), so moving a route from `httpApi.addRoutes` keeps its logical id. `ANY` (the default) is expanded
 * without `OPTIONS`; `OPTIONS` and an empty list are refused.
 */
export function addProtectedRoutes(
  api: apigwv2.IHttpApi,
  authorizer: apigwv2.IHttpRouteAuthorizer & IConstruct,
  options: ProtectedRouteOptions,
): apigwv2.HttpRoute[] {
  return expandMethods(authorizer, options.methods ?? [apigwv2.HttpMethod.ANY]).map(
    (method) =>
      new apigwv2.HttpRoute(api, `${method}${options.path}`, {
        httpApi: api,
        routeKey: apigwv2.HttpRouteKey.with(options.path, method),
        integration: options.integration,
        authorizer,
        authorizationScopes: options.authorizationScopes,
      }),
  );
}

/** Expands `ANY` and refuses `OPTIONS` and empty lists; keeps the first occurrence of each method. */
function expandMethods(scope: IConstruct, methods: apigwv2.HttpMethod[]): apigwv2.HttpMethod[] {
  if (methods.length === 0) {
    throw validationError(scope, '`methods` must list at least one HTTP method, got: []');
  }
  if (methods.includes(apigwv2.HttpMethod.OPTIONS)) {
    throw validationError(scope,
      "`methods` must not include OPTIONS: a browser's CORS preflight carries no token, so the authorizer would " +
        `refuse it (API Gateway answers preflights itself when the HttpApi has corsPreflight), got: ${methods.join(',')}`,
    );
  }
  return [...new Set(methods.flatMap((m) => (m === apigwv2.HttpMethod.ANY ? ANY_BUT_OPTIONS : [m])))];
}

/**
 * Warns, at synthesis, about a route whose key sends `OPTIONS` requests through a Clerk authorizer (`ANY`,
 * `OPTIONS` or `$default`): routes added with `httpApi.addRoutes({ authorizer })` rather than the construct's own
 * `addRoutes`.
 */
export class PreflightWarning implements IAspect {
  /** @param kind `Jwt` or `Lambda`: names the construct in the warning's id and text */
  constructor(private readonly kind: 'Jwt' | 'Lambda') {}

  public visit(node: IConstruct): void {
    if (!(node instanceof apigwv2.CfnRoute) || Token.isUnresolved(node.routeKey)) return;
    const method = node.routeKey.split(' ')[0];
    if (node.routeKey === '$default' || method === 'ANY' || method === 'OPTIONS') {
      Annotations.of(node).addWarningV2(
        `cdk-clerk-authorizers:preflightBehind${this.kind}Authorizer`,
        `Route "${node.routeKey}" sends OPTIONS requests through the Clerk ${this.kind === 'Jwt' ? 'JWT' : 'Lambda'} ` +
          'authorizer, so browser CORS preflights (which carry no token) are refused. List explicit methods, or add ' +
          `the route with Clerk${this.kind}Authorizer.addRoutes, which expands ANY without OPTIONS; for $default, add ` +
          'an unauthenticated OPTIONS /{proxy+} route.',
      );
    }
  }
}
