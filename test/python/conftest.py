"""Shared fixtures of the Python suite (`npx projen test:python`): a Python user's view of the wheel the build made.

The keys are made by Node's crypto (Node is on PATH: the jsii runtime needs it anyway), once per session, so the
suite needs nothing from PyPI beyond what test/python/requirements.txt pins.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# examples/app.py is the app under test; it imports cdk_clerk_authorizers from the installed wheel.
sys.path.insert(0, str(ROOT / "examples"))

ISSUER = "https://clerk.example.com"

_KEYS_JS = r"""
const { generateKeyPairSync } = require('node:crypto');
const rsa = (bits) => generateKeyPairSync('rsa', { modulusLength: bits });
const spki = (k) => k.publicKey.export({ type: 'spki', format: 'pem' });
const main = rsa(2048), other = rsa(2048), short = rsa(1024);
process.stdout.write(JSON.stringify({
  publicKeyPem: spki(main),
  otherPublicKeyPem: spki(other),
  pkcs8PrivateKeyPem: main.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  pkcs1PrivateKeyPem: main.privateKey.export({ type: 'pkcs1', format: 'pem' }),
  shortPublicKeyPem: spki(short),
  ecPublicKeyPem: spki(generateKeyPairSync('ec', { namedCurve: 'P-256' })),
}));
"""


@pytest.fixture(scope="session")
def keys() -> dict:
    """RSA and EC keys in PEM form, made for this run."""
    out = subprocess.run(["node", "-e", _KEYS_JS], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.fixture(scope="session")
def ts_templates(tmp_path_factory, keys) -> dict:
    """The TypeScript example app (examples/app.ts), synthesized with the context of `example_context`."""
    out = tmp_path_factory.mktemp("ts") / "templates.json"
    subprocess.run(
        [
            "node",
            "-r",
            "ts-node/register/transpile-only",
            "test/python/ts-templates.ts",
            json.dumps(example_context(keys)),
            str(out),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "TS_NODE_PROJECT": "tsconfig.dev.json"},
    )
    return json.loads(out.read_text())


def example_context(keys: dict) -> dict:
    """The CDK context both example apps are built with (as `cdk synth -c key=value` passes it)."""
    return {
        "clerkIssuer": ISSUER,
        "clerkPublicKeyPem": keys["publicKeyPem"],
        "clerkAudience": "example-api",
        "appOrigin": "https://app.example.com",
    }
