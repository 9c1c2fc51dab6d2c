"""The jsii shapes of the API as a Python user meets them: unions, variadic factories, Python subclasses, structs that
extend aws-cdk-lib structs, aws-cdk-lib enums, and the construct passed where aws-cdk-lib expects its interface.

What each test shows is written up for the README's Python section (Python spelling of the TypeScript API).
"""
import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template
from aws_cdk.aws_apigatewayv2_integrations import HttpUrlIntegration

from cdk_clerk_authorizers import (
    ClaimPredicate,
    ClerkJwtAuthorizer,
    ClerkLambdaAuthorizer,
    ClerkLambdaRouteOptions,
    ClerkProtectedResource,
    ClerkTokenType,
)
from conftest import ISSUER
from test_errors import HandMade


def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Stack")


def environment(s: cdk.Stack) -> dict:
    (fn,) = Template.from_stack(s).find_resources("AWS::Lambda::Function").values()
    return fn["Properties"]["Environment"]["Variables"]


@pytest.mark.parametrize(
    "value, rendered",
    [("gold", '"gold"'), (3, "3"), (2.5, "2.5"), (True, "true"), (False, "false")],
)
def test_union_values_keep_their_json_type(value, rendered):
    # `string | number | boolean`: a Python bool stays a JSON boolean (not 1), an int a number, a str a string.
    assert ClaimPredicate.claim_equals("metadata.tier", value).to_json() == (
        f'{{"op":"eq","claim":"metadata.tier","value":{rendered}}}'
    )


def test_union_lists():
    assert ClaimPredicate.claim_in("metadata.level", ["1", 1, True]).to_json() == (
        '{"op":"in","claim":"metadata.level","values":["1",1,true]}'
    )


def test_variadic_factories_take_positional_arguments_or_a_starred_list():
    roles = ["admin", "owner"]
    assert ClaimPredicate.role("admin", "owner").to_json() == ClaimPredicate.role(*roles).to_json() == (
        '{"op":"in","claim":"metadata.role","values":["admin","owner"]}'
    )
    checks = [ClaimPredicate.org_role("org:admin"), ClaimPredicate.org_permission("org:invoices:read", "org:invoices:write")]
    assert json.loads(ClaimPredicate.any_of(ClaimPredicate.all_of(*checks), ClaimPredicate.role("admin")).to_json()) == {
        "op": "anyOf",
        "of": [
            {
                "op": "allOf",
                "of": [
                    {"op": "orgRole", "roles": ["org:admin"]},
                    {"op": "orgPermission", "permissions": ["org:invoices:read", "org:invoices:write"]},
                ],
            },
            {"op": "in", "claim": "metadata.role", "values": ["admin"]},
        ],
    }


def test_a_python_subclass_with_valid_json_is_accepted_alone_and_combined():
    wire = '{"op":"exists","claim":"metadata.onboarded"}'
    s = stack()
    ClerkLambdaAuthorizer(s, "Clerk", issuer=ISSUER, predicate=ClaimPredicate.none_of(HandMade(wire)))
    assert environment(s)["CLERK_PREDICATE"] == f'{{"op":"noneOf","of":[{wire}]}}'


def test_route_options_extend_aws_cdk_lib_struct_as_keyword_arguments():
    # ClerkLambdaRouteOptions extends apigwv2.BatchHttpRouteOptions: `integration` (inherited) and `path`, `methods`
    # (its own) are all keyword arguments of add_routes; the struct class exists too, for type hints.
    assert {"path", "methods", "integration"} <= set(ClerkLambdaRouteOptions.__init__.__code__.co_varnames)
    s = stack()
    api = apigwv2.HttpApi(s, "Api")
    clerk = ClerkLambdaAuthorizer(s, "Clerk", issuer=ISSUER)
    routes = clerk.add_routes(api, path="/items", integration=HttpUrlIntegration("Url", "https://example.com"))
    # ANY (the default) expands without OPTIONS: GET, POST, PUT, PATCH, DELETE, HEAD.
    assert len(routes) == 6
    Template.from_stack(s).resource_count_is("AWS::ApiGatewayV2::Route", 6)


def test_jwt_route_options_take_authorization_scopes():
    s = stack()
    api = apigwv2.HttpApi(s, "Api")
    clerk = ClerkJwtAuthorizer(s, "Clerk", issuer=ISSUER, audience=["my-api"])
    clerk.add_routes(
        api,
        path="/items",
        methods=[apigwv2.HttpMethod.GET],
        integration=HttpUrlIntegration("Url", "https://example.com"),
        authorization_scopes=["read:items"],
    )
    Template.from_stack(s).has_resource_properties(
        "AWS::ApiGatewayV2::Route", {"RouteKey": "GET /items", "AuthorizationScopes": ["read:items"]}
    )


def test_the_construct_is_an_aws_cdk_lib_http_route_authorizer():
    # Passed where aws-cdk-lib expects an IHttpRouteAuthorizer (HttpApi.add_routes); an ANY route warns about
    # browser preflights.
    s = stack()
    api = apigwv2.HttpApi(s, "Api")
    clerk = ClerkLambdaAuthorizer(s, "Clerk", issuer=ISSUER)
    api.add_routes(path="/x", integration=HttpUrlIntegration("Url", "https://example.com"), authorizer=clerk)
    Template.from_stack(s).has_resource_properties(
        "AWS::ApiGatewayV2::Route", {"RouteKey": "ANY /x", "AuthorizationType": "CUSTOM", "AuthorizerId": Match.any_value()}
    )
    Annotations.from_stack(s).has_warning("*", Match.string_like_regexp("sends OPTIONS requests through the Clerk Lambda"))


def test_aws_cdk_lib_enums_durations_and_constants():
    s = stack()
    clerk = ClerkLambdaAuthorizer(
        s,
        "Clerk",
        issuer=ISSUER,
        architecture=lambda_.Architecture.X86_64,
        log_retention=logs.RetentionDays.ONE_WEEK,
        clock_skew=cdk.Duration.seconds(10),
        results_cache_ttl=cdk.Duration.minutes(1),
    )
    api = apigw.RestApi(s, "Api")
    method = clerk.add_method(api.root, "GET", apigw.MockIntegration())
    assert isinstance(method, apigw.Method)
    assert isinstance(clerk.function.function_arn, str) and isinstance(clerk.log_group.log_group_name, str)
    template = Template.from_stack(s)
    template.has_resource_properties("AWS::Lambda::Function", {"Architectures": ["x86_64"]})
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 7})
    template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "AuthorizerResultTtlInSeconds": 60,
            "IdentityValidationExpression": ClerkLambdaAuthorizer.TOKEN_VALIDATION_REGEX,
        },
    )
    assert environment(s)["CLERK_CLOCK_SKEW_SECONDS"] == "10"


def test_error_text_from_constructors_and_from_methods():
    # A constructor's error arrives as the message itself; a method's or a static factory's with the JavaScript
    # error name in front (the jsii runtime reports those as String(error)).
    message = "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://clerk.example.com/"
    with pytest.raises(RuntimeError) as raised:
        ClerkLambdaAuthorizer(stack(), "Clerk", issuer="https://clerk.example.com/")
    assert str(raised.value) == message
    with pytest.raises(RuntimeError) as raised:
        ClaimPredicate.role()
    assert re.fullmatch(r"[A-Za-z]*Error: `roles` must list 1 to 50 entries, got: 0", str(raised.value))


def test_machine_callers_enum_and_struct():
    # ClerkTokenType is a jsii enum (Python members, Clerk's values on the wire); ClerkProtectedResource a struct
    # (keyword arguments); scope/token_type variadic factories.
    s = stack()
    clerk = ClerkLambdaAuthorizer(
        s,
        "Clerk",
        issuer=ISSUER,
        accepts_token=[ClerkTokenType.OAUTH_TOKEN, ClerkTokenType.M2M_TOKEN],
        machine_id="mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
        audience=["https://mcp.example.com"],
        protected_resource=ClerkProtectedResource(resource="https://mcp.example.com", scopes_supported=["mcp:read"]),
        predicate=ClaimPredicate.any_of(ClaimPredicate.scope("mcp:read"), ClaimPredicate.token_type(ClerkTokenType.M2M_TOKEN)),
    )
    api = apigw.RestApi(s, "Api")
    clerk.add_method(api.root.add_resource("mcp"), "POST", apigw.MockIntegration())
    env = environment(s)
    assert env["CLERK_ACCEPTS_TOKEN"] == '["oauth_token","m2m_token"]'
    assert env["CLERK_MACHINE_ID"] == "mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk"
    assert json.loads(env["CLERK_PREDICATE"]) == {
        "op": "anyOf",
        "of": [{"op": "scope", "scopes": ["mcp:read"]}, {"op": "tokenType", "types": ["m2m_token"]}],
    }
    Template.from_stack(s).has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {"ResponseType": "UNAUTHORIZED", "ResponseParameters": {
            "gatewayresponse.header.WWW-Authenticate": "'Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource\"'",
        }},
    )
