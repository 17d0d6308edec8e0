"""A real OAuth 2.0 token endpoint of another family than oidc-provider: Authlib on Flask, on 127.0.0.1.

Started by the tests with Debian's python3 (python3-authlib, python3-flask). Reads the registered clients
as one JSON line on stdin: [{"client_id": ..., "client_secret": ...}], prints {"port": N} once listening,
and serves the client credentials grant at /token with client_secret_basic and client_secret_post.

Authlib decodes client_secret_basic credentials with urllib's `unquote` (percent-decoding only: a `+` stays
a `+`). Authlib 1.2.0, the version Debian ships, did not decode them at all yet; that version gets the
current decoding applied, so the server behaves as every Authlib release since does.
"""

import base64
import hmac
import json
import os
import sys
from urllib.parse import unquote

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback only

from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, grants  # noqa: E402
from authlib.oauth2.rfc6749 import authenticate_client as client_auth  # noqa: E402
from authlib.oauth2.rfc6749 import util  # noqa: E402
from flask import Flask  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


def _decodes_credentials():
    header = "Basic " + base64.b64encode(b"a%20b:c%2Bd").decode()
    return util.extract_basic_authorization({"Authorization": header}) == ("a b", "c+d")


if not _decodes_credentials():
    _extract = util.extract_basic_authorization

    def _extract_and_unquote(headers):
        client_id, client_secret = _extract(headers)
        if client_id is None or client_secret is None:
            return client_id, client_secret
        return unquote(client_id), unquote(client_secret)

    client_auth.extract_basic_authorization = _extract_and_unquote


class Client(ClientMixin):
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.client_secret.encode("utf-8"), client_secret.encode("utf-8"))

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def main():
    registered = {c["client_id"]: Client(c["client_id"], c["client_secret"]) for c in json.loads(sys.stdin.readline())}
    app = Flask(__name__)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": 3600}
    server = AuthorizationServer(
        app,
        query_client=registered.get,
        save_token=lambda token, request: None,
    )
    server.register_grant(ClientCredentialsGrant)

    @app.route("/token", methods=["POST"])
    def token():
        return server.create_token_response()

    http = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"port": http.server_port}), flush=True)
    http.serve_forever()


if __name__ == "__main__":
    main()
