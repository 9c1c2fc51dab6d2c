import { Annotations, IAspect } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';

/**
 * Warns, at synthesis, about a REST method that sends `OPTIONS` requests through a Clerk Lambda authorizer, so that
 * browser CORS preflights (which carry no token) are refused: an `OPTIONS` method with the authorizer (attached with
 * `authorizerForRestApi` or `defaultMethodOptions`), or an `ANY` method with it on a resource that has no `OPTIONS`
 * method of its own (no CORS preflight), which then answers `OPTIONS` too. Same id as the HTTP API routes' warning.
 * Added to the API, so methods added in any order, and in any way, are seen.
 */
export class RestPreflightWarning implements IAspect {
  /** @param authorizerId the `authorizerId` of the REST authorizer whose methods are checked */
  constructor(private readonly authorizerId: string) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof apigw.Method)) return;
    if ((node.node.defaultChild as apigw.CfnMethod).authorizerId !== this.authorizerId) return;
    const method = node.httpMethod;
    const hasPreflight = node.resource.node.children.some((c) => c instanceof apigw.Method && c.httpMethod === 'OPTIONS');
    if (method !== 'OPTIONS' && (method !== 'ANY' || hasPreflight)) return;
    Annotations.of(node).addWarningV2(
      'cdk-clerk-authorizers:preflightBehindLambdaAuthorizer',
      `Method "${method} ${node.resource.path}" sends OPTIONS requests through the Clerk Lambda authorizer, so browser ` +
        'CORS preflights (which carry no token) are refused. ' +
        (method === 'ANY'
          ? 'Give the resource a CORS preflight (defaultCorsPreflightOptions or resource.addCorsPreflight), which answers ' +
            'OPTIONS instead of ANY, or list explicit methods.'
          : 'Leave OPTIONS to the CORS preflight that defaultCorsPreflightOptions or resource.addCorsPreflight creates, ' +
            'without an authorizer.'),
    );
  }
}
