import { Annotations, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';
import { corsGatewayHeaders } from './rest-cors';

/** Where RFC 9728 puts the protected resource metadata, below the resource's URL. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The id of the construct, under the REST API, that serves the API's protected resource metadata. */
const STATE_ID = 'ClerkProtectedResource';

/** What a REST API tells MCP clients: the resource, its authorization server, the scopes it understands. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  /** The Clerk Frontend API URL: the authorization server. */
  readonly issuer: string;
  readonly scopesSupported?: string[];
}

/**
 * Makes a REST API an OAuth protected resource (RFC 9728) MCP clients can discover, once per API:
 * - its 401 answers (`UNAUTHORIZED` gateway response) carry
 *   `WWW-Authenticate: Bearer resource_metadata="<resource>/.well-known/oauth-protected-resource"`, together with the
 *   CORS headers the API's other authorizer responses get (decided at synthesis, like them);
 * - `GET /.well-known/oauth-protected-resource` answers the metadata document from a mock integration (no function,
 *   no authorizer, readable from any origin): the resource, the Clerk instance as authorization server, the scopes,
 *   `bearer_methods_supported: ["header"]`.
 * A second authorizer asking for other metadata on the same API is refused (one document per API). A 401 gateway
 * response of the user's own is left alone, with a warning.
 *
 * @see https://datatracker.ietf.org/doc/html/rfc9728
 */
export function addProtectedResource(scope: Construct, api: apigw.IRestApi, metadata: ProtectedResourceMetadata): void {
  const existing = api.node.tryFindChild(STATE_ID) as RestProtectedResource | undefined;
  if (existing === undefined) {
    new RestProtectedResource(api, metadata);
    return;
  }
  if (JSON.stringify(canonical(existing.metadata)) !== JSON.stringify(canonical(metadata))) {
    throw validationError(scope,
      `\`protectedResource\` must be the same for every authorizer of a REST API (it serves one metadata document), got: ${metadata.resource} ` +
        `where ${existing.metadata.resource} is already served`);
  }
}

/** The metadata in a fixed member order, for comparison. */
function canonical(m: ProtectedResourceMetadata): unknown[] {
  return [m.resource, m.issuer, m.scopesSupported ?? null];
}

/** The metadata of one REST API: a construct under the API (found or created), with the method and the header. */
class RestProtectedResource extends Construct {
  constructor(api: apigw.IRestApi, public readonly metadata: ProtectedResourceMetadata) {
    super(api, STATE_ID);
    const stack = Stack.of(api);
    const header = `Bearer resource_metadata="${metadata.resource}${PROTECTED_RESOURCE_METADATA_PATH}"`;
    const challenge = { 'gatewayresponse.header.WWW-Authenticate': `'${header}'` };

    // The 401 gateway response, with the API's CORS headers (computed at synthesis, as the CORS support does; its own
    // 401 response then stands aside). The API's own 401 response, if it has one, wins: two of a type fail a deploy.
    const mine = (c: IConstruct): boolean =>
      c instanceof apigw.CfnGatewayResponse && c.responseType === apigw.ResponseType.UNAUTHORIZED.responseType && c.restApiId === api.restApiId;
    const existing = api.node.findAll().find(mine);
    if (existing === undefined) {
      const response = new apigw.CfnGatewayResponse(api, 'ClerkProtectedResourceUnauthorized', {
        restApiId: api.restApiId,
        responseType: apigw.ResponseType.UNAUTHORIZED.responseType,
        responseParameters: Lazy.any({ produce: () => ({ ...corsGatewayHeaders(api), ...challenge }) }),
      });
      // One added later would fail the deployment: say so at synth instead.
      response.node.addValidation({
        validate: () => Stack.of(api).node.findAll()
          .filter((c) => c !== response && mine(c))
          .map((c) => `${c.node.path} is a second UNAUTHORIZED gateway response of the REST API ${api.node.path}, which ` +
            `already has ${response.node.path} (the protected resource's 401): add the header WWW-Authenticate: ${header} ` +
            'to yours and add it before the first addMethod, and it is left alone'),
      });
      const deployment = api.latestDeployment;
      if (deployment !== undefined) {
        deployment.node.addDependency(response);
        deployment.addToLogicalId({ clerkProtectedResource: header, cors: Lazy.any({ produce: () => corsGatewayHeaders(api) }) });
      }
    } else {
      Annotations.of(api).addWarningV2('cdk-clerk-authorizers:protectedResourceUnauthorizedResponse',
        `${existing.node.path} is the REST API's own 401 gateway response: add the header ` +
          `WWW-Authenticate: ${header} to it, or MCP clients cannot discover the authorization server`);
    }

    const document: Record<string, unknown> = {
      resource: metadata.resource,
      authorization_servers: [metadata.issuer],
      ...(metadata.scopesSupported === undefined ? {} : { scopes_supported: metadata.scopesSupported }),
      bearer_methods_supported: ['header'],
    };
    const resource = api.root.resourceForPath(PROTECTED_RESOURCE_METADATA_PATH);
    const headers = { 'method.response.header.Access-Control-Allow-Origin': "'*'", 'method.response.header.Cache-Control': "'public, max-age=3600'" };
    resource.addMethod('GET', new apigw.MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [{
        statusCode: '200',
        responseTemplates: { 'application/json': Token.asString(stack.toJsonString(document)) },
        responseParameters: headers,
      }],
    }), {
      authorizationType: apigw.AuthorizationType.NONE,
      methodResponses: [{ statusCode: '200', responseParameters: Object.fromEntries(Object.keys(headers).map((k) => [k, true])) }],
    });
    // No preflight method of its own: a preflight with `*` would read, to the API's CORS support, as the whole API
    // allowing any origin. A plain GET is readable from any origin; one with extra headers is preflighted by the
    // API's own CORS configuration, if any.
  }
}
