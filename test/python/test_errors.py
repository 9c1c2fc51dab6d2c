"""Every kind of synth error a Python user can cause reaches Python as a RuntimeError with the library's exact text.

One case per kind of check (the TypeScript suites test every variant); messages are copied from src/, where each is
thrown, and compared whole.
"""
import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import HttpUrlIntegration

from cdk_clerk_authorizers import ClaimPredicate, ClerkJwtAuthorizer, ClerkLambdaAuthorizer
from conftest import ISSUER

CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBgDCCASWgAwIBAgIURBrH6iBypo7V3V8pBa+9nPtgyKowCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n"
PEM_RULE = (
    "must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----), as shown under "
    '"PEM Public Key" on the Clerk dashboard\'s API keys page'
)
ISSUER_RULE = "must be an absolute https URL such as https://clerk.example.com (the Clerk Frontend API URL)"
JWKS_RULE = "must be an absolute https URL (http only for 127.0.0.1, localhost or [::1])"
CLAIM_RULE = (
    "must be a dot path such as metadata.role: 1 to 10 non-empty names without whitespace, "
    "none of them __proto__, constructor or prototype"
)
VALUE_RULE = "must be a string of at most 1024 characters, a finite number or a boolean"
ORG_KEY_RULE = "must be a key such as org:admin, without whitespace, not empty after the optional org: prefix"


def prefix(value: str) -> str:
    """How a refused PEM is shown: JSON of its first 40 characters, never the whole key."""
    return json.dumps(value[:40] + "..." if len(value) > 40 else value)


def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Stack")


def lambda_authorizer(**props) -> ClerkLambdaAuthorizer:
    return ClerkLambdaAuthorizer(stack(), "Clerk", **{"issuer": ISSUER, **props})


def jwt_authorizer(**props) -> ClerkJwtAuthorizer:
    return ClerkJwtAuthorizer(stack(), "Clerk", **{"issuer": ISSUER, "audience": ["my-api"], **props})


class HandMade(ClaimPredicate):
    """A predicate written in Python by subclassing, rendering whatever JSON it likes."""

    def __init__(self, wire: str) -> None:
        super().__init__()
        self.wire = wire

    def to_json(self) -> str:
        return self.wire


def add_method(**options):
    s = stack()
    clerk = ClerkLambdaAuthorizer(s, "Clerk", issuer=ISSUER)
    api = apigw.RestApi(s, "Api")
    return clerk, api, lambda method="GET", **more: clerk.add_method(
        api.root, method, apigw.MockIntegration(), **{**options, **more}
    )


def add_routes(clerk_class, methods):
    s = stack()
    clerk = (
        clerk_class(s, "Clerk", issuer=ISSUER, audience=["my-api"])
        if clerk_class is ClerkJwtAuthorizer
        else clerk_class(s, "Clerk", issuer=ISSUER)
    )
    api = apigwv2.HttpApi(s, "Api")
    clerk.add_routes(api, path="/items", methods=methods, integration=HttpUrlIntegration("Url", "https://example.com"))


def env_too_big(keys):
    roles = [f"role-{'x' * 64}-{i:02d}" for i in range(50)]
    predicate = ClaimPredicate.role(*roles)
    variables = {
        "CLERK_ISSUER": ISSUER,
        "CLERK_PUBLIC_KEY_PEM": keys["publicKeyPem"],
        "CLERK_PREDICATE": predicate.to_json(),
        "CLERK_CLOCK_SKEW_SECONDS": "5",
        "CLERK_ALLOW_PENDING_SESSIONS": "false",
        "CLERK_SESSION_COOKIE": "false",
        "CLERK_LOG_ALLOWED": "false",
        "CLERK_ACCEPTS_TOKEN": '["session_token"]',
    }
    total = sum(len(k) + len(v) for k, v in variables.items())
    return (
        lambda: lambda_authorizer(public_key_pem=keys["publicKeyPem"], predicate=predicate),
        "`predicate` must fit the function's environment (Lambda allows 4096 bytes in all; simplify the predicate), "
        f"got: {total} bytes in all",
    )


def nested(depth: int) -> ClaimPredicate:
    p = ClaimPredicate.claim_exists("sub")
    for _ in range(depth - 1):
        p = ClaimPredicate.all_of(p)
    return p


# (id, keys -> (action, the message it must raise))
CASES = {
    # ClerkLambdaAuthorizer / ClerkJwtAuthorizer `issuer` (one owner: validation.ts validateIssuer).
    "issuer not https": lambda k: (
        lambda: lambda_authorizer(issuer="http://clerk.example.com"),
        f"`issuer` {ISSUER_RULE}, got: http://clerk.example.com",
    ),
    "issuer with a trailing slash": lambda k: (
        lambda: lambda_authorizer(issuer="https://clerk.example.com/"),
        "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://clerk.example.com/",
    ),
    "issuer with credentials": lambda k: (
        lambda: jwt_authorizer(issuer="https://user:secret@clerk.example.com"),
        "`issuer` must not contain credentials, got: https://***@clerk.example.com",
    ),
    "issuer with a query": lambda k: (
        lambda: lambda_authorizer(issuer="https://clerk.example.com?x=1"),
        "`issuer` must not have a query or fragment, got: https://clerk.example.com?x=1",
    ),
    "issuer not canonical": lambda k: (
        lambda: lambda_authorizer(issuer="https://Clerk.Example.com"),
        "`issuer` must be written exactly as Clerk writes `iss` (lowercase host, no default port), "
        "such as https://clerk.example.com, got: https://Clerk.Example.com",
    ),
    # `publicKeyPem`
    "publicKeyPem empty": lambda k: (lambda: lambda_authorizer(public_key_pem=""), f'`publicKeyPem` {PEM_RULE}, got: ""'),
    "publicKeyPem a private key": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["pkcs8PrivateKeyPem"]),
        "`publicKeyPem` must be a public key, never a private key (use the PUBLIC key from the Clerk dashboard, API "
        'keys page, "PEM Public Key"; treat this private key as leaked if it was committed), got: -----BEGIN PRIVATE KEY-----',
    ),
    "publicKeyPem a certificate": lambda k: (
        lambda: lambda_authorizer(public_key_pem=CERTIFICATE),
        "`publicKeyPem` must be a public key, not a certificate (extract the key with `openssl x509 -pubkey -noout`, "
        f'or copy "PEM Public Key" from the Clerk dashboard), got: {prefix(CERTIFICATE)}',
    ),
    "publicKeyPem with literal \\n": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["publicKeyPem"].replace("\n", "\\n")),
        '`publicKeyPem` contains a literal "\\n" where line breaks belong (replace each literal \\n with a newline, '
        f"e.g. pem.replace(/\\\\n/g, '\\n')), got: {prefix(k['publicKeyPem'].replace(chr(10), chr(92) + 'n'))}",
    ),
    "publicKeyPem without header": lambda k: (
        lambda: lambda_authorizer(public_key_pem=body(k)),
        f"`publicKeyPem` {PEM_RULE} (the -----BEGIN PUBLIC KEY----- and -----END PUBLIC KEY----- lines are missing: "
        f"keep them), got: {prefix(body(k))}",
    ),
    "publicKeyPem with two blocks": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["publicKeyPem"] + k["otherPublicKeyPem"]),
        "`publicKeyPem` must hold exactly one PEM block, got: 2 blocks (-----BEGIN PUBLIC KEY-----, -----BEGIN PUBLIC KEY-----)",
    ),
    "publicKeyPem without line breaks": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["publicKeyPem"].strip().replace("\n", " ")),
        "`publicKeyPem` must keep its line breaks (they were removed or turned into spaces: restore the newlines "
        "after -----BEGIN PUBLIC KEY----- and before -----END PUBLIC KEY-----), got: "
        + prefix(k["publicKeyPem"].strip().replace("\n", " ")),
    ),
    "publicKeyPem unparseable": lambda k: (
        lambda: lambda_authorizer(public_key_pem=BROKEN_PEM),
        f"`publicKeyPem` {PEM_RULE} (it could not be parsed), got: {prefix(BROKEN_PEM)}",
    ),
    "publicKeyPem an EC key": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["ecPublicKeyPem"]),
        "`publicKeyPem` must be an RSA public key (Clerk signs session tokens with RS256), got: an ec key",
    ),
    "publicKeyPem a short RSA key": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["shortPublicKeyPem"]),
        "`publicKeyPem` must be an RSA key of at least 2048 bits, got: a 1024-bit RSA key",
    ),
    "publicKeyPem and jwksUri": lambda k: (
        lambda: lambda_authorizer(public_key_pem=k["publicKeyPem"], jwks_uri="https://keys.example.com/jwks.json"),
        "`jwksUri` must not be set together with `publicKeyPem` (a PEM key means no key fetching: choose one), got: "
        "https://keys.example.com/jwks.json",
    ),
    # `jwksUri`
    "jwksUri plain http": lambda k: (
        lambda: lambda_authorizer(jwks_uri="http://keys.example.com/jwks.json"),
        f"`jwksUri` {JWKS_RULE}, got: http://keys.example.com/jwks.json",
    ),
    "jwksUri with credentials": lambda k: (
        lambda: lambda_authorizer(jwks_uri="https://user:secret@keys.example.com/jwks.json"),
        "`jwksUri` must not contain credentials, got: https://***@keys.example.com/jwks.json",
    ),
    "jwksUri with a fragment": lambda k: (
        lambda: lambda_authorizer(jwks_uri="https://keys.example.com/jwks.json#k"),
        "`jwksUri` must not have a fragment, got: https://keys.example.com/jwks.json#k",
    ),
    # string lists (`audience`, `authorizedParties`, `authorizationScopes`)
    "audience empty": lambda k: (lambda: lambda_authorizer(audience=[]), "`audience` must list 1 to 50 values, got: []"),
    "audience too long": lambda k: (
        lambda: jwt_authorizer(audience=[f"api-{i}" for i in range(51)]),
        "`audience` must list 1 to 50 values, got: 51 values",
    ),
    "authorizedParties entry with spaces": lambda k: (
        lambda: lambda_authorizer(authorized_parties=[" https://app.example.com"]),
        '`authorizedParties` entries must be non-empty strings without surrounding spaces, got: " https://app.example.com"',
    ),
    # durations
    "clockSkew out of range": lambda k: (
        lambda: lambda_authorizer(clock_skew=cdk.Duration.seconds(301)),
        "`clockSkew` must be a whole number of seconds from 0 seconds to 5 minutes, got: 5 minutes 1 second",
    ),
    "resultsCacheTtl out of range": lambda k: (
        lambda: lambda_authorizer(results_cache_ttl=cdk.Duration.seconds(3601)),
        "`resultsCacheTtl` must be a whole number of seconds from 0 seconds to 1 hour, got: 1 hour 1 second",
    ),
    "sessionCookie with a cache": lambda k: (
        lambda: lambda_authorizer(session_cookie=True, results_cache_ttl=cdk.Duration.seconds(30)),
        "`resultsCacheTtl` must be 0 when `sessionCookie` is true (the cache key cannot cover both the cookie and the "
        "Authorization header, so a cached answer could be replayed for another caller), got: 30 seconds",
    ),
    # numbers, names, combinations
    "memorySize not whole": lambda k: (
        lambda: lambda_authorizer(memory_size=200.5),
        "`memorySize` must be a whole number of MB from 128 to 10240, got: 200.5",
    ),
    "authorizerName with spaces": lambda k: (
        lambda: lambda_authorizer(authorizer_name=" admins"),
        '`authorizerName` must be a non-empty string without surrounding spaces, got: " admins"',
    ),
    "logGroup and logRetention": lambda k: (
        lambda: log_group_and_retention(),
        "`logRetention` must not be set together with `logGroup` (set the retention on your log group), got: 7 days",
    ),
    "identitySource two entries": lambda k: (
        lambda: jwt_authorizer(identity_source=["$request.header.Authorization", "$request.header.X"]),
        "`identitySource` must be exactly one $request.header.<name> or $request.querystring.<name> selection (a JWT "
        'authorizer reads the token from one place), got: ["$request.header.Authorization","$request.header.X"]',
    ),
    # predicates
    "predicate of a Python subclass rendering bad JSON": lambda k: (
        lambda: lambda_authorizer(predicate=HandMade('{"op":"eq","claim":"role"}')),
        '`predicate` $.value is missing, got: {"op":"eq","claim":"role"}',
    ),
    "predicate too big for the environment": env_too_big,
    "claim path": lambda k: (
        lambda: ClaimPredicate.claim_equals("metadata..role", "admin"),
        f'`claim` {CLAIM_RULE}, got: "metadata..role"',
    ),
    "claim value too long": lambda k: (
        lambda: ClaimPredicate.claim_contains("metadata.tags", "x" * 1025),
        f'`value` {VALUE_RULE}, got: "{"x" * 1025}"',
    ),
    "claimIn entry too long": lambda k: (
        lambda: ClaimPredicate.claim_in("metadata.tier", ["gold", "x" * 1025]),
        f'`values` entries {VALUE_RULE}, got: "{"x" * 1025}"',
    ),
    "role list empty": lambda k: (lambda: ClaimPredicate.role(), "`roles` must list 1 to 50 entries, got: 0"),
    "role list too long": lambda k: (
        lambda: ClaimPredicate.role(*[f"r{i}" for i in range(51)]),
        "`roles` must list 1 to 50 entries, got: 51",
    ),
    "role entry empty": lambda k: (
        lambda: ClaimPredicate.role("admin", ""),
        '`roles` entries must be non-empty strings of at most 1024 characters, got: ""',
    ),
    "orgRole key": lambda k: (lambda: ClaimPredicate.org_role("org:"), f'`roles` entries {ORG_KEY_RULE}, got: "org:"'),
    "orgPermission key": lambda k: (
        lambda: ClaimPredicate.org_permission("org:invoices read"),
        f'`permissions` entries {ORG_KEY_RULE}, got: "org:invoices read"',
    ),
    "combinator empty": lambda k: (lambda: ClaimPredicate.any_of(), "`predicates` must list 1 to 50 entries, got: 0"),
    "combinator too deep": lambda k: (lambda: nested(9), "`predicates` must nest at most 8 levels deep, got: 9"),
    "combinator of a Python subclass rendering bad JSON": lambda k: (
        lambda: ClaimPredicate.none_of(HandMade('{"op":"exists","claim":"__proto__"}')),
        f'`predicates` entries must render valid predicate JSON ($.claim {CLAIM_RULE}, got: "__proto__"), '
        'got: "{\\"op\\":\\"exists\\",\\"claim\\":\\"__proto__\\"}"',
    ),
    # methods and routes
    "addMethod OPTIONS": lambda k: (
        lambda: add_method()[2]("options"),
        "`httpMethod` must not be OPTIONS (browsers send CORS preflight requests without credentials, so an authorized "
        "OPTIONS method fails every preflight: use defaultCorsPreflightOptions or resource.addCorsPreflight), got: options",
    ),
    "addMethod with its own authorizationType": lambda k: (
        lambda: add_method(authorization_type=apigw.AuthorizationType.IAM)[2](),
        "`options.authorizationType` must be CUSTOM or unset (addMethod attaches a Lambda authorizer), got: AWS_IAM",
    ),
    "addRoutes OPTIONS (Lambda)": lambda k: (
        lambda: add_routes(ClerkLambdaAuthorizer, [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.OPTIONS]),
        "`methods` must not include OPTIONS: a browser's CORS preflight carries no token, so the authorizer would "
        "refuse it (API Gateway answers preflights itself when the HttpApi has corsPreflight), got: GET,OPTIONS",
    ),
    "addRoutes no methods (JWT)": lambda k: (
        lambda: add_routes(ClerkJwtAuthorizer, []),
        "`methods` must list at least one HTTP method, got: []",
    ),
}

BROKEN_PEM = "-----BEGIN PUBLIC KEY-----\nAAAAB3NzaC1yc2E=\n-----END PUBLIC KEY-----\n"


def body(keys: dict) -> str:
    """The PEM without its -----BEGIN/END----- lines."""
    return "".join(line + "\n" for line in keys["publicKeyPem"].splitlines() if not line.startswith("-----"))


def log_group_and_retention():
    s = stack()
    ClerkLambdaAuthorizer(
        s, "Clerk", issuer=ISSUER, log_group=logs.LogGroup(s, "Mine"), log_retention=logs.RetentionDays.ONE_WEEK
    )


def assert_synth_error(action, message: str) -> None:
    """The library's synth error reaches Python as a RuntimeError whose text is `message`.

    Exactly `message` when a constructor throws; prefixed with the JavaScript error's name (`Error: `) when a method
    or a static factory does: the jsii runtime reports those as `String(error)`.
    """
    with pytest.raises(RuntimeError) as raised:
        action()
    assert re.fullmatch(r"(?:[A-Za-z]*Error: )?" + re.escape(message), str(raised.value)), (
        f"expected {message!r}, got {str(raised.value)!r}"
    )


@pytest.mark.parametrize("case", CASES.keys())
def test_synth_error(keys, case):
    action, message = CASES[case](keys)
    assert_synth_error(action, message)


def test_add_method_with_another_authorizer():
    clerk, api, add = add_method()
    other = ClerkLambdaAuthorizer(cdk.Stack.of(api), "Other", issuer=ISSUER).authorizer_for_rest_api(api)
    assert_synth_error(
        lambda: add(authorizer=other),
        f"`options.authorizer` must not be set (addMethod attaches this construct's authorizer), got: {other.authorizer_id}",
    )


def test_jwt_audience_is_a_required_keyword_in_python():
    # The library's own "got: undefined" check is for languages without required arguments; Python refuses earlier.
    with pytest.raises(TypeError, match="audience"):
        ClerkJwtAuthorizer(stack(), "Clerk", issuer=ISSUER)  # type: ignore[call-arg]
