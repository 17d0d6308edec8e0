"""An authorization server of another family than oidc-provider: Python Authlib's Flask integration, issuing
single-use (rotating) refresh tokens through Authlib's RefreshTokenGrant, and a partner API guarded by
Authlib's ResourceProtector. Started by the tests on 127.0.0.1 with an ephemeral port, printed as the first
line of stdout as JSON: {"port": N}.

Usage: python3 authlib_server.py CLIENT_ID CLIENT_SECRET ACCESS_TOKEN_LIFETIME

The /test/* routes stand in for what the tests cannot do over OAuth: connecting an account (what an
authorization-code flow would have left: a token with a refresh token) and reading the server's records.
"""

import json
import logging
import os
import secrets
import sys
import threading
import time

# Loopback over plain http: Authlib refuses it unless told (the tests' server is never exposed).
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

CLIENT_ID, CLIENT_SECRET, LIFETIME = sys.argv[1], sys.argv[2], int(sys.argv[3])
SCOPE = "invoices:read"


class Client(ClientMixin):
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return "https://platform.example/callback"

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s == SCOPE)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.get_default_redirect_uri()

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Token(TokenMixin):
    def __init__(self, account, client_id, access_token, refresh_token, scope, expires_in):
        self.account = account
        self.client_id = client_id
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.scope = scope
        self.expires_in = expires_in
        self.issued_at = time.time()
        self.refresh_token_used = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return False


clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET)}
by_access = {}
by_refresh = {}
# In issue order: (account, refresh token) for /test/refresh-tokens.
issued = []
stats = {"refreshes": 0, "rejected": 0}
# One token request at a time: a refresh token must be single-use even when two requests race for it.
token_lock = threading.Lock()


def store(account, client_id, token):
    record = Token(account, client_id, token["access_token"], token.get("refresh_token"), token.get("scope"), token["expires_in"])
    by_access[record.access_token] = record
    if record.refresh_token:
        by_refresh[record.refresh_token] = record
        issued.append((account, record.refresh_token))
    return record


class RotatingRefreshTokenGrant(grants.RefreshTokenGrant):
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        record = by_refresh.get(refresh_token)
        if record is None or record.refresh_token_used:
            stats["rejected"] += 1
            return None
        return record

    def authenticate_user(self, credential):
        return credential.account

    def revoke_old_credential(self, credential):
        credential.refresh_token_used = True
        stats["refreshes"] += 1


def save_token(token, req):
    store(req.user, req.client.get_client_id(), token)


app = Flask(__name__)
# Read when the server is created: without a refresh token generator Authlib issues none, rotation or not.
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"refresh_token": LIFETIME}
authorization = AuthorizationServer(app, query_client=clients.get, save_token=save_token)
authorization.register_grant(RotatingRefreshTokenGrant)


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return by_access.get(token_string)


require_oauth = ResourceProtector()
require_oauth.register_token_validator(Validator())


@app.post("/token")
def token_endpoint():
    with token_lock:
        return authorization.create_token_response()


@app.get("/api/<account>/invoices")
@require_oauth(SCOPE)
def invoices(account):
    return jsonify(account=current_token.account, asked=account)


@app.post("/test/connect")
def connect():
    account = request.form["account"]
    token = {
        "access_token": secrets.token_urlsafe(24),
        "refresh_token": secrets.token_urlsafe(24),
        "scope": SCOPE,
        "expires_in": LIFETIME,
    }
    return jsonify(refresh_token=store(account, CLIENT_ID, token).refresh_token)


@app.get("/test/refresh-tokens/<account>")
def refresh_tokens(account):
    return jsonify([
        {"value": value, "used": by_refresh[value].refresh_token_used} for owner, value in issued if owner == account
    ])


@app.get("/test/stats")
def read_stats():
    return jsonify(stats)


logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = make_server("127.0.0.1", 0, app, threaded=True)
print(json.dumps({"port": server.server_port}), flush=True)
server.serve_forever()
