"""examples/app.py, the Python twin of examples/app.ts: what it synthesizes, and that it is what TypeScript synthesizes."""
import importlib.metadata
import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from app import ClerkExampleStack, main
from cdk_clerk_authorizers import ClaimPredicate
from conftest import ISSUER, ROOT, example_context

ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def py_app(keys) -> cdk.App:
    return main(cdk.App(context=example_context(keys)))


@pytest.fixture(scope="module")
def py_templates(py_app) -> dict:
    """Every stack of the Python app, as `aws_cdk.assertions.Template` renders it."""
    return {
        stack.stack_name: Template.from_stack(stack).to_json()
        for stack in py_app.node.find_all()
        if cdk.Stack.is_stack(stack)
    }


@pytest.fixture(scope="module")
def template(py_app) -> Template:
    stack = py_app.node.find_child("ClerkExample")
    assert isinstance(stack, ClerkExampleStack)
    return Template.from_stack(stack)


def logical_id(template: Template, type_: str, props: dict) -> str:
    found = template.find_resources(type_, {"Properties": props})
    assert len(found) == 1, f"expected one {type_} with {props}, found {list(found)}"
    return next(iter(found))


MISSING = "<missing>"


def differences(py, ts, path="$") -> list:
    """Where two JSON values differ, as readable paths (`$.Resources.X.Properties.Y: <py> != <ts>`)."""
    if isinstance(py, dict) and isinstance(ts, dict):
        keys = sorted(set(py) | set(ts), key=str)
        return [d for k in keys for d in differences(py.get(k, MISSING), ts.get(k, MISSING), f"{path}.{k}")]
    if isinstance(py, list) and isinstance(ts, list) and len(py) == len(ts):
        return [d for i, (a, b) in enumerate(zip(py, ts)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if py == ts and type(py) is type(ts) else [f"{path}: {json.dumps(py)[:200]} != {json.dumps(ts)[:200]}"]


def test_same_templates_as_the_typescript_app(py_templates, ts_templates):
    # Same aws-cdk-lib on both sides, or a difference below could be aws-cdk-lib's rather than ours.
    ts_cdk = json.loads((ROOT / "node_modules" / "aws-cdk-lib" / "package.json").read_text())["version"]
    assert importlib.metadata.version("aws-cdk-lib") == ts_cdk
    # Every stack of either app, so a stack added to both is compared without touching this test.
    assert sorted(py_templates) == sorted(ts_templates) and "ClerkExample" in ts_templates
    for name, ts_template in ts_templates.items():
        # Whole templates, asset hashes included: the Python user deploys the very same authorizer bundle.
        assert differences(py_templates[name], ts_template) == [], f"stack {name}: Python != TypeScript"


def test_the_three_apis(template):
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::ApiGatewayV2::Api", 2)
    # The backend and one function per ClerkLambdaAuthorizer (one function serves both of Admins' APIs).
    template.resource_count_is("AWS::Lambda::Function", 3)


def test_native_jwt_authorizer_on_get_me(template):
    authorizer = logical_id(
        template,
        "AWS::ApiGatewayV2::Authorizer",
        {"AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["example-api"]}},
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Route",
        {"RouteKey": "GET /me", "AuthorizationType": "JWT", "AuthorizerId": {"Ref": authorizer}},
    )


@pytest.mark.parametrize(
    "construct_id, predicate",
    [
        ("Admins", ClaimPredicate.role("admin")),
        ("InvoiceReaders", ClaimPredicate.org_permission("org:invoices:read")),
    ],
)
def test_lambda_authorizer_functions(template, keys, construct_id, predicate):
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "nodejs24.x",
            "Architectures": ["arm64"],
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "CLERK_ISSUER": ISSUER,
                        "CLERK_PUBLIC_KEY_PEM": keys["publicKeyPem"],
                        "CLERK_AUTHORIZED_PARTIES": json.dumps([ORIGIN]),
                        "CLERK_PREDICATE": predicate.to_json(),
                    }
                )
            },
            "Role": {"Fn::GetAtt": [Match.string_like_regexp(f"^{construct_id}ServiceRole"), "Arn"]},
        },
    )


def test_rest_get_admin_behind_a_token_authorizer(template):
    authorizer = logical_id(
        template,
        "AWS::ApiGateway::Authorizer",
        {"Type": "TOKEN", "IdentitySource": "method.request.header.Authorization"},
    )
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "GET", "AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": authorizer}},
    )
    # No authorizer on the CORS preflight.
    template.has_resource_properties("AWS::ApiGateway::Method", {"HttpMethod": "OPTIONS", "AuthorizationType": "NONE"})


@pytest.mark.parametrize(
    "route_key, construct_id, simple",
    [
        ("GET /admin", "Admins", True),
        # InvoiceReaders has per-route rules on this API: IAM answers instead of simple responses.
        ("GET /invoices", "InvoiceReaders", False),
        ("DELETE /invoices", "InvoiceReaders", False),
        ("GET /me", "InvoiceReaders", False),
    ],
)
def test_http_routes_behind_their_lambda_authorizers(template, route_key, construct_id, simple):
    authorizers = template.find_resources(
        "AWS::ApiGatewayV2::Authorizer",
        {"Properties": {"AuthorizerType": "REQUEST", "EnableSimpleResponses": simple}},
    )
    (authorizer,) = [id_ for id_ in authorizers if id_.startswith(construct_id)]
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Route",
        {"RouteKey": route_key, "AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": authorizer}},
    )


def test_outputs(template):
    for output in ["JwtHttpApiUrl", "AdminRestApiUrl", "AppHttpApiUrl"]:
        template.has_output(output, {"Value": Match.any_value()})


def test_main_refuses_missing_context():
    with pytest.raises(ValueError, match=r"^context `clerkIssuer` is required \(cdk deploy -c clerkIssuer=\.\.\.\), got: null$"):
        main(cdk.App())
