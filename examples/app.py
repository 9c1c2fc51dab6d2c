"""A consumer's CDK app in Python: the same three APIs as examples/app.ts, secured with Clerk session tokens.

- ``JwtHttpApi`` (HTTP API): ``GET /me`` behind API Gateway's native JWT authorizer (``ClerkJwtAuthorizer``).
- ``AdminRestApi`` (REST API): ``GET /admin`` behind a ``ClerkLambdaAuthorizer`` that requires ``metadata.role`` =
  ``admin``, and ``GET /me`` behind the same authorizer with a rule of its own: any signed-in user.
- ``AppHttpApi`` (HTTP API): ``GET /admin`` behind the same Lambda authorizer (one function serves both APIs), and the
  invoices routes behind a second one whose default rule is the Clerk organization permission ``org:invoices:read``
  (``GET /invoices``), with per-route rules for ``DELETE /invoices`` (``org:admin``) and ``GET /me`` (signed in).

Keep it in step with examples/app.ts, section for section: test/python/test_app.py synthesizes both apps and requires
their templates to be equal, asset hashes and all.

Deploy it with your own Clerk instance (``"app": "python3 app.py"`` in cdk.json, the wheel installed in the venv):

    cdk deploy -c clerkIssuer=https://<your-frontend-api-host> -c clerkPublicKeyPemFile=clerk.pem \\
      -c clerkAudience=my-api -c appOrigin=https://app.example.com
"""
import json
from typing import List, Optional

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from cdk_clerk_authorizers import ClaimPredicate, ClerkJwtAuthorizer, ClerkLambdaAuthorizer


class ClerkExampleStack(cdk.Stack):
    """The example stack.

    :param issuer: the Clerk Frontend API URL (Clerk Dashboard, API keys), e.g. ``https://clerk.example.com``
    :param public_key_pem: the "PEM Public Key" of the Clerk instance
    :param audience: the ``aud`` value added under "Customize session token" for the native JWT authorizer
    :param app_origins: the origins of your frontend: the session token's ``azp`` must be one of them
    :param kwargs: ``cdk.Stack`` props (``env``, ``description``, ...)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        issuer: str,
        public_key_pem: str,
        audience: str,
        app_origins: List[str],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # The backend: echoes what the authorizer passed on (REST: requestContext.authorizer.<key>; HTTP API with a
        # Lambda authorizer: requestContext.authorizer.lambda.<key>; HTTP API with a JWT authorizer:
        # requestContext.authorizer.jwt.claims).
        backend = lambda_.Function(
            self,
            "Backend",
            runtime=lambda_.Runtime.NODEJS_24_X,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_inline(
                'exports.handler = async (event) => ({ statusCode: 200, headers: { "content-type": "application/json" }, '
                "body: JSON.stringify({ route: event.routeKey ?? event.resource, authorizer: event.requestContext.authorizer }) });"
            ),
        )
        cors = apigwv2.CorsPreflightOptions(
            allow_origins=app_origins,
            allow_headers=["authorization", "content-type"],
            allow_methods=[apigwv2.CorsHttpMethod.ANY],
        )

        # 1. Native JWT authorizer (HTTP API): needs `aud` in the session token.
        jwt_api = apigwv2.HttpApi(self, "JwtHttpApi", cors_preflight=cors)
        clerk_jwt = ClerkJwtAuthorizer(self, "ClerkJwt", issuer=issuer, audience=[audience])
        # ClerkJwtRouteOptions extends aws-cdk-lib's BatchHttpRouteOptions: in Python all their fields are keyword
        # arguments of add_routes.
        clerk_jwt.add_routes(
            jwt_api,
            path="/me",
            methods=[apigwv2.HttpMethod.GET],
            integration=HttpLambdaIntegration("Backend", backend),
        )

        # 2. Lambda authorizer with a role predicate, on a REST API and an HTTP API (one function for both).
        admins = ClerkLambdaAuthorizer(
            self,
            "Admins",
            issuer=issuer,
            public_key_pem=public_key_pem,
            authorized_parties=app_origins,
            predicate=ClaimPredicate.role("admin"),
        )
        rest_api = apigw.RestApi(
            self,
            "AdminRestApi",
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=app_origins, allow_headers=["Authorization", "Content-Type"]
            ),
        )
        admins.add_method(rest_api.root.add_resource("admin"), "GET", apigw.LambdaIntegration(backend))
        # A rule of its own: any signed-in user, through the same authorizer and the same cached answer.
        admins.add_method(
            rest_api.root.add_resource("me"),
            "GET",
            apigw.LambdaIntegration(backend),
            predicate=ClaimPredicate.signed_in(),
        )

        app_api = apigwv2.HttpApi(self, "AppHttpApi", cors_preflight=cors)
        # An HTTP API integration belongs to one API: one per API, shared by that API's routes.
        app_backend = HttpLambdaIntegration("Backend", backend)
        admins.add_routes(app_api, path="/admin", methods=[apigwv2.HttpMethod.GET], integration=app_backend)

        # 3. Lambda authorizer with a Clerk organization permission (as `has({ permission })` decides it).
        invoice_readers = ClerkLambdaAuthorizer(
            self,
            "InvoiceReaders",
            issuer=issuer,
            public_key_pem=public_key_pem,
            authorized_parties=app_origins,
            predicate=ClaimPredicate.org_permission("org:invoices:read"),
        )
        invoice_readers.add_routes(
            app_api, path="/invoices", methods=[apigwv2.HttpMethod.GET], integration=app_backend
        )
        # Per-route rules on the same authorizer: the HTTP API's authorizer then answers with IAM policies.
        invoice_readers.add_routes(
            app_api,
            path="/invoices",
            methods=[apigwv2.HttpMethod.DELETE],
            integration=app_backend,
            predicate=ClaimPredicate.org_role("org:admin"),
        )
        invoice_readers.add_routes(
            app_api,
            path="/me",
            methods=[apigwv2.HttpMethod.GET],
            integration=app_backend,
            predicate=ClaimPredicate.signed_in(),
        )

        cdk.CfnOutput(self, "JwtHttpApiUrl", value=jwt_api.api_endpoint)
        cdk.CfnOutput(self, "AdminRestApiUrl", value=rest_api.url)
        cdk.CfnOutput(self, "AppHttpApiUrl", value=app_api.api_endpoint)


def main(app: Optional[cdk.App] = None) -> cdk.App:
    """Builds the app from CDK context (``-c key=value``), as ``cdk synth``/``cdk deploy`` run it."""
    app = app if app is not None else cdk.App()

    def context(key: str) -> str:
        value = app.node.try_get_context(key)
        if not isinstance(value, str) or value == "":
            raise ValueError(
                f"context `{key}` is required (cdk deploy -c {key}=...), got: {json.dumps(value)}"
            )
        return value

    def public_key_pem() -> str:
        pem_file = app.node.try_get_context("clerkPublicKeyPemFile")
        if isinstance(pem_file, str):
            with open(pem_file, encoding="utf-8") as f:
                return f.read()
        return context("clerkPublicKeyPem")

    ClerkExampleStack(
        app,
        "ClerkExample",
        issuer=context("clerkIssuer"),
        public_key_pem=public_key_pem(),
        audience=context("clerkAudience"),
        app_origins=[context("appOrigin")],
    )
    return app


if __name__ == "__main__":
    main().synth()
