import { Lazy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';

/** The gateway responses an authorizer can cause; they carry CORS headers when the REST API has CORS configured. */
const AUTHORIZER_RESPONSE_TYPES: ReadonlyArray<readonly [string, apigw.ResponseType]> = [
  ['Unauthorized', apigw.ResponseType.UNAUTHORIZED],
  ['AccessDenied', apigw.ResponseType.ACCESS_DENIED],
  ['AuthorizerFailure', apigw.ResponseType.AUTHORIZER_FAILURE],
  ['AuthorizerConfigurationError', apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR],
];

/** The id of the construct, under the REST API, that holds the API's CORS origins. */
const STATE_ID = 'ClerkCorsGatewayResponses';

/**
 * Gives the REST API's authorizer-caused gateway responses the API's CORS headers (once per API, whichever
 * ClerkLambdaAuthorizer asks first; origins of every CORS-enabled resource are merged). Without them a browser cannot
 * read a 401 or 403 and reports a CORS error instead.
 */
export function addCorsGatewayResponses(api: apigw.IRestApi, cors: apigw.CorsOptions): void {
  RestCorsGatewayResponses.of(api).addCors(cors);
}

/**
 * The CORS origins seen on one REST API, shared by every ClerkLambdaAuthorizer on it (gateway responses are per API,
 * not per authorizer): a construct under the API (`ClerkCorsGatewayResponses`), found or created, so the state is
 * where the construct tree shows it. The gateway responses themselves are children of the API (`ClerkCors<Type>`),
 * where they have always been: their logical ids are in deployed templates.
 */
class RestCorsGatewayResponses extends Construct {
  /** The one instance under `api`, created (with the gateway responses) on first use. */
  public static of(api: apigw.IRestApi): RestCorsGatewayResponses {
    return (api.node.tryFindChild(STATE_ID) as RestCorsGatewayResponses | undefined) ?? new RestCorsGatewayResponses(api);
  }

  private readonly origins = new Set<string>();
  private credentials = false;

  private constructor(api: apigw.IRestApi) {
    super(api, STATE_ID);
    for (const [name, type] of AUTHORIZER_RESPONSE_TYPES) {
      const id = `ClerkCors${name}`;
      // The user's own gateway response of the same type wins; two of one type would fail the deployment.
      if (api.node.tryFindChild(id) !== undefined || hasGatewayResponse(api, type.responseType)) continue;
      const response = new apigw.CfnGatewayResponse(api, id, {
        restApiId: api.restApiId,
        responseType: type.responseType,
        responseParameters: Lazy.any({ produce: () => this.headers() }),
      });
      // One added later would fail the deployment (two responses of one type): say so at synth instead.
      response.node.addValidation({
        validate: () => Stack.of(api).node.findAll()
          .filter((c) => c !== response && c instanceof apigw.CfnGatewayResponse)
          .filter((c) => (c as apigw.CfnGatewayResponse).responseType === type.responseType)
          .filter((c) => (c as apigw.CfnGatewayResponse).restApiId === api.restApiId)
          .map((c) => `${c.node.path} is a second ${type.responseType} gateway response of the REST API ` +
            `${api.node.path}, which already has ${response.node.path} (the CORS headers ClerkLambdaAuthorizer adds ` +
            'for browsers): add your own gateway responses before the first addMethod and they are left alone'),
      });
      const deployment = api.latestDeployment;
      if (deployment !== undefined) {
        deployment.node.addDependency(response);
        deployment.addToLogicalId({ clerkCorsGatewayResponse: type.responseType, headers: Lazy.any({ produce: () => this.headers() }) });
      }
    }
  }

  /** Merges one resource's CORS options. */
  public addCors(cors: apigw.CorsOptions): void {
    for (const origin of cors.allowOrigins) this.origins.add(origin);
    this.credentials = this.credentials || cors.allowCredentials === true;
  }

  /**
   * The gateway response headers for the merged CORS options: one origin (or `*`) is sent as is; with several, the
   * request's `Origin` is echoed (a gateway response cannot pick from a list), with `Vary: Origin` and without
   * `Access-Control-Allow-Credentials`. The bodies are API Gateway's fixed `{"message": ...}`, so echoing exposes
   * nothing but the status of a request made without credentials.
   */
  private headers(): Record<string, string> {
    const origins = [...this.origins];
    const headers: Record<string, string> = {};
    if (origins.includes('*')) {
      headers['gatewayresponse.header.Access-Control-Allow-Origin'] = "'*'";
    } else {
      headers['gatewayresponse.header.Access-Control-Allow-Origin'] =
        origins.length === 1 ? `'${origins[0]}'` : 'method.request.header.Origin';
      headers['gatewayresponse.header.Vary'] = "'Origin'";
      // Never together with an echoed origin: that would let any site read credentialed 401/403 answers.
      if (this.credentials && origins.length === 1) {
        headers['gatewayresponse.header.Access-Control-Allow-Credentials'] = "'true'";
      }
    }
    return headers;
  }
}

function hasGatewayResponse(api: IConstruct, responseType: string): boolean {
  return api.node.findAll().some((c) => c instanceof apigw.CfnGatewayResponse && c.responseType === responseType);
}
