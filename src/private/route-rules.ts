import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Annotations, Fn, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { EnvVar, Limit } from './contract';
import { validationError } from './errors';
import { PredicateNode } from './predicate';
import { ApiRouteTable, buildApiTable, routePattern, RouteSpec, RouteTable, SIGNED_IN, validateRouteTable } from './route-table';

/**
 * Construct side of per-route rules: records which route has which rule, and at synth (an aspect, because
 * `addMethod`/`addRoutes` are called after the constructor) renders the route table into a layer of the function,
 * names it in the function's environment, switches the HTTP authorizers concerned to IAM answers, and warns about
 * overlapping routes. Does nothing when no route has a rule of its own.
 */

/** The wire format of `ClaimPredicate.signedIn()`: any token the authorizer verifies. */
export const SIGNED_IN_JSON = '{"op":"signedIn"}';

/** Where the layer puts the table, and the file's name in the layer. */
export const ROUTES_FILE = '/opt/clerk-routes.json';

/** One API this construct has an authorizer on. */
export interface AuthorizedApi {
  readonly api: IConstruct;
  readonly apiId: string;
  readonly authorizerId: string;
  /** The HTTP API authorizer's L1, to switch it to IAM answers; undefined for REST. */
  readonly http?: apigwv2.CfnAuthorizer;
}

export class RouteRules implements IAspect {
  /** Route constructs (Method or HttpRoute) with a rule of their own → the rule's wire JSON. */
  private readonly own = new Map<IConstruct, string>();
  private readonly apisWithRules = new Set<IConstruct>();
  private rendered = false;

  /**
   * @param owner the ClerkLambdaAuthorizer
   * @param fn its function
   * @param defaultRule the construct's predicate (wire JSON), undefined for any verified token
   * @param apis the APIs the construct has authorizers on, when synth asks
   */
  constructor(
    private readonly owner: Construct,
    private readonly fn: lambda.Function,
    private readonly defaultRule: string | undefined,
    private readonly apis: () => AuthorizedApi[],
  ) {}

  /** Records routes added by `addMethod`/`addRoutes` with their own rule (wire JSON), after checking the API. */
  public record(api: IConstruct, apiId: string, routes: readonly IConstruct[], rule: string): void {
    if (Stack.of(api) !== Stack.of(this.owner) && Token.isUnresolved(apiId)) {
      throw validationError(this.owner,
        '`predicate` on a route needs the API in the stack of the ClerkLambdaAuthorizer (the function must know the ' +
          `API's id, and the authorizer in the API's stack already depends on the function), got: ${api.node.path}`,
      );
    }
    for (const route of routes) this.own.set(route, rule);
    this.apisWithRules.add(api);
  }

  public visit(node: IConstruct): void {
    if (node !== this.owner || this.rendered) return;
    this.rendered = true;
    if (this.apisWithRules.size === 0) return;
    this.render();
  }

  private render(): void {
    const rules: string[] = [];
    const ruleIndex = (json: string | undefined): number => {
      if (json === undefined || json === SIGNED_IN_JSON) return SIGNED_IN;
      let i = rules.indexOf(json);
      if (i < 0) i = rules.push(json) - 1;
      return i;
    };
    const all = this.owner.node.root.node.findAll();
    const tables: ApiRouteTable[] = [];
    const ids: string[] = [];
    let worstBytes = 0;
    // By API id: the same API reached through two constructs (an imported copy) is one table.
    const byId = new Map<string, AuthorizedApi[]>();
    for (const api of this.apis()) byId.set(api.apiId, [...(byId.get(api.apiId) ?? []), api]);
    for (const [apiId, apis] of byId) {
      if (!apis.some((a) => this.apisWithRules.has(a.api))) continue;
      const authorizerIds = new Set(apis.map((a) => a.authorizerId));
      const routes: Array<RouteSpec & { construct: IConstruct }> = [];
      for (const c of all) {
        if (c instanceof apigw.Method && authorizerIds.has((c.node.defaultChild as apigw.CfnMethod).authorizerId!)) {
          const rule = ruleIndex(this.own.get(c) ?? this.defaultRule);
          routes.push({ pattern: routePattern(c.httpMethod, c.resource.path), rule, label: `${c.httpMethod} ${c.resource.path}`, construct: c });
        } else if (c instanceof apigwv2.HttpRoute && authorizerIds.has((c.node.defaultChild as apigwv2.CfnRoute).authorizerId!)) {
          const key = (c.node.defaultChild as apigwv2.CfnRoute).routeKey;
          const rule = ruleIndex(this.own.get(c) ?? this.defaultRule);
          const [method, routePath] = key === '$default' ? ['ANY', '$default'] : key.split(' ');
          routes.push({ pattern: routePattern(method, routePath), rule, label: key, construct: c });
        }
      }
      const { groups, overlaps } = buildApiTable(routes);
      const reported = new Set<string>();
      for (const { denied, deniedBy } of overlaps) {
        const pair = [denied.label, deniedBy.label].sort().join('\u0000');
        if (reported.has(pair)) continue;
        reported.add(pair);
        const construct = (denied as (typeof routes)[number]).construct;
        Annotations.of(construct).addWarningV2(
          'cdk-clerk-authorizers:perRouteRulesOverlap',
          `Routes "${deniedBy.label}" and "${denied.label}" have different Clerk rules and overlap: in the authorizer's ` +
            'policy a path parameter is *, which also matches /, so a token that passes one rule but not the other is ' +
            'denied on both (never allowed). Give them the same rule, or move one of them to a path the other cannot reach.',
        );
      }
      // Worst case for one answer: every cover listed (the prefix is at most about 80 characters).
      worstBytes = Math.max(worstBytes, groups.reduce((sum, g) => sum + g.c.reduce((s, c) => s + c.length + 84, 0), 0));
      const http = apis.filter((a) => a.http !== undefined);
      const d = ruleIndex(this.defaultRule);
      tables.push({ ...(http.length === 0 ? {} : { iam: true }), ...(d === SIGNED_IN ? {} : { d }), groups });
      ids.push(apiId);
      // Answered with IAM policies from now on: simple responses cannot allow one route and deny another.
      for (const a of http) a.http!.enableSimpleResponses = false;
    }
    if (worstBytes + 2048 > Limit.MAX_AUTHORIZER_RESULT_BYTES) {
      Annotations.of(this.owner).addWarningV2(
        'cdk-clerk-authorizers:perRouteAnswerSize',
        `The authorizer's answer can exceed API Gateway's ${Limit.MAX_AUTHORIZER_RESULT_BYTES}-byte limit for some tokens (up to about ` +
          `${worstBytes} bytes of policy): it then answers for the requested route only, and API Gateway's cache denies ` +
          "that token's other routes until resultsCacheTtl ends. Use fewer distinct rules per API, or set resultsCacheTtl to 0.",
      );
    }
    const table: RouteTable = validateRouteTable({ v: 1, rules: rules.map((r) => JSON.parse(r) as PredicateNode), apis: tables });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clerk-routes-'));
    fs.writeFileSync(path.join(dir, path.basename(ROUTES_FILE)), JSON.stringify(table));
    this.fn.addLayers(new lambda.LayerVersion(this.owner, 'Routes', {
      code: lambda.Code.fromAsset(dir),
      description: 'Route table of a Clerk Lambda authorizer (cdk-clerk-authorizers)',
    }));
    this.fn.addEnvironment(EnvVar.ROUTES_FILE, ROUTES_FILE);
    this.fn.addEnvironment(EnvVar.ROUTE_APIS, Fn.join(',', ids));
  }
}
