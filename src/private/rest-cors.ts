import { Aspects, IAspect, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';

/** The gateway responses an authorizer can cause; they carry CORS headers when the REST API has CORS configured. */
const AUTHORIZER_RESPONSE_TYPES: ReadonlyArray<readonly [string, apigw.ResponseType]> = [
  ['Unauthorized', apigw.ResponseType.UNAUTHORIZED],
  ['AccessDenied', apigw.ResponseType.ACCESS_DENIED],
  ['AuthorizerFailure', apigw.ResponseType.AUTHORIZER_FAILURE],
  ['AuthorizerConfigurationError', apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR],
];

/** The id of the construct, under the REST API, that adds the API's CORS gateway responses. */
const STATE_ID = 'ClerkCorsGatewayResponses';

/**
 * Gives the REST API's authorizer-caused gateway responses (401, 403, authorizer errors) the API's CORS headers, when
 * the API has CORS configured: without them a browser cannot read a 401 or 403 and reports a CORS error instead.
 *
 * Decided at synthesis, once the app is built, so it does not matter how or when CORS was configured
 * (`defaultCorsPreflightOptions` on the API or on any resource, `resource.addCorsPreflight`, before or after the
 * methods) nor how the authorizer was attached. Once per API, whichever ClerkLambdaAuthorizer asks first.
 */
export function addCorsGatewayResponses(api: apigw.IRestApi): void {
  if (api.node.tryFindChild(STATE_ID) === undefined) new RestCorsGatewayResponses(api);
}

/**
 * The CORS headers the API's authorizer-caused gateway responses carry (none when the API has no CORS), for another
 * gateway response of the same kind: the protected resource's 401 (`./rest-protected-resource`), which the aspect
 * below then leaves alone. Call it at synthesis (from a `Lazy`), when every preflight method exists.
 */
export function corsGatewayHeaders(api: apigw.IRestApi): Record<string, string> {
  const cors = corsOf(api);
  return cors === undefined ? {} : corsHeaders(cors);
}

/** The API's CORS configuration, merged over its preflight methods. */
interface RestCors {
  readonly origins: Set<string>;
  /** A preflight allows several origins (it picks the request's in a response template). */
  several: boolean;
  credentials: boolean;
}

/**
 * A construct under the API (`ClerkCorsGatewayResponses`, found or created, so there is one per API where the
 * construct tree shows it) whose aspect adds the gateway responses at synthesis. The responses themselves are children
 * of the API (`ClerkCors<Type>`), where they have always been: their logical ids are in deployed templates.
 */
class RestCorsGatewayResponses extends Construct implements IAspect {
  private done = false;

  constructor(private readonly api: apigw.IRestApi) {
    super(api, STATE_ID);
    Aspects.of(api).add(this);
  }

  public visit(node: IConstruct): void {
    if (node !== this.api || this.done) return;
    this.done = true;
    const cors = corsOf(this.api);
    if (cors === undefined) return;
    const headers = corsHeaders(cors);
    for (const [name, type] of AUTHORIZER_RESPONSE_TYPES) {
      const id = `ClerkCors${name}`;
      // The API's own gateway response of the same type wins: two of one type would fail the deployment.
      if (this.api.node.tryFindChild(id) !== undefined || hasGatewayResponse(this.api, type.responseType)) continue;
      const response = new apigw.CfnGatewayResponse(this.api, id, {
        restApiId: this.api.restApiId,
        responseType: type.responseType,
        responseParameters: headers,
      });
      const deployment = this.api.latestDeployment;
      if (deployment !== undefined) {
        deployment.node.addDependency(response);
        deployment.addToLogicalId({ clerkCorsGatewayResponse: type.responseType, headers });
      }
    }
  }
}

/**
 * The API's CORS configuration as its preflight methods answer it, undefined when it has none. A preflight method is an
 * OPTIONS method whose MOCK integration response sets `Access-Control-Allow-Origin` (what `addCorsPreflight` and
 * `defaultCorsPreflightOptions` create, and what a hand-written one does); with several origins, CDK answers with the
 * first and swaps in the request's origin in a response template.
 */
function corsOf(api: IConstruct): RestCors | undefined {
  let cors: RestCors | undefined;
  for (const method of api.node.findAll()) {
    if (!(method instanceof apigw.Method) || method.httpMethod !== 'OPTIONS') continue;
    const integration = (method.node.defaultChild as apigw.CfnMethod).integration as apigw.CfnMethod.IntegrationProperty | undefined;
    if (integration === undefined || Token.isUnresolved(integration) || integration.type !== 'MOCK') continue;
    const responses = integration.integrationResponses;
    if (!Array.isArray(responses)) continue;
    for (const response of responses as apigw.CfnMethod.IntegrationResponseProperty[]) {
      const params = (Token.isUnresolved(response.responseParameters) ? {} : response.responseParameters ?? {}) as Record<string, unknown>;
      const origin = params['method.response.header.Access-Control-Allow-Origin'];
      if (typeof origin !== 'string' || !/^'.+'$/.test(origin)) continue;
      cors ??= { origins: new Set(), several: false, credentials: false };
      cors.origins.add(origin.slice(1, -1));
      if (response.responseTemplates !== undefined) cors.several = true;
      if (params['method.response.header.Access-Control-Allow-Credentials'] === "'true'") cors.credentials = true;
    }
  }
  return cors;
}

function hasGatewayResponse(api: IConstruct, responseType: string): boolean {
  return api.node.findAll().some((c) => c instanceof apigw.CfnGatewayResponse && c.responseType === responseType);
}

/**
 * The gateway response headers for the merged CORS options: one origin (or `*`) is sent as is; with several, the
 * request's `Origin` is echoed (a gateway response cannot pick from a list), with `Vary: Origin` and without
 * `Access-Control-Allow-Credentials`. The bodies are API Gateway's fixed `{"message": ...}`, so echoing exposes
 * nothing but the status of a request made without credentials.
 */
function corsHeaders(cors: RestCors): Record<string, string> {
  const origins = [...cors.origins];
  const headers: Record<string, string> = {};
  if (origins.includes('*')) {
    headers['gatewayresponse.header.Access-Control-Allow-Origin'] = "'*'";
  } else {
    const one = origins.length === 1 && !cors.several;
    headers['gatewayresponse.header.Access-Control-Allow-Origin'] = one ? `'${origins[0]}'` : 'method.request.header.Origin';
    headers['gatewayresponse.header.Vary'] = "'Origin'";
    // Never together with an echoed origin: that would let any site read credentialed 401/403 answers.
    if (cors.credentials && one) {
      headers['gatewayresponse.header.Access-Control-Allow-Credentials'] = "'true'";
    }
  }
  return headers;
}
