"""The API-authentication note's HMAC scheme, written as the note writes it, with only the standard library.

  python3 api_key_hmac.py serve     reads {"keys": {api_key: secret}} on stdin, verifies requests on
                                    127.0.0.1 (prints the port), answers 200 or 401 with a JSON reason
  python3 api_key_hmac.py send URL  reads {"api_key", "secret", "requests": [...]} on stdin, signs each
                                    request, sends it to URL + path, prints the answers as JSON
"""
import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

WINDOW = 300


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class Verifier:
    def __init__(self, keys):
        self.keys = {k: v.encode() for k, v in keys.items()}
        self.seen = set()
        self.lock = threading.Lock()

    def verify(self, method, path, headers, body):
        api_key = headers.get("X-API-Key")
        timestamp = headers.get("X-Timestamp")
        nonce = headers.get("X-Nonce")
        signature = headers.get("X-Signature")
        if not (api_key and timestamp and nonce and signature):
            return "missing headers"
        secret = self.keys.get(api_key)
        if secret is None:
            return "unknown key"
        try:
            ts = int(timestamp)
        except ValueError:
            return "bad timestamp"
        if abs(time.time() - ts) > WINDOW:
            return "stale timestamp"
        expected = sign(secret, method, path, timestamp, nonce, body)
        if not hmac.compare_digest(expected, signature):
            return "bad signature"
        with self.lock:
            if nonce in self.seen:
                return "replayed nonce"
            self.seen.add(nonce)
        return None


def serve():
    config = json.load(sys.stdin)
    verifier = Verifier(config["keys"])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            problem = verifier.verify(self.command, path, self.headers, body)
            answer = json.dumps({"ok": problem is None, "reason": problem, "path": path,
                                 "body": base64.b64encode(body).decode()}).encode()
            self.send_response(200 if problem is None else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def send(base):
    config = json.load(sys.stdin)
    secret = config["secret"].encode()
    answers = []
    for r in config["requests"]:
        body = base64.b64decode(r.get("body", ""))
        path = r["path"]
        timestamp = str(int(time.time()) + r.get("skew", 0))
        nonce = r.get("nonce") or secrets.token_hex(16)
        signature = sign(secret, r["method"], urlsplit(path).path, timestamp, nonce, body)
        sent = base64.b64decode(r["tamper"]) if "tamper" in r else body
        request = urllib.request.Request(base + path, data=sent if sent else None, method=r["method"])
        request.add_header("X-API-Key", config["api_key"])
        request.add_header("X-Timestamp", timestamp)
        request.add_header("X-Nonce", nonce)
        request.add_header("X-Signature", signature)
        request.add_header("Content-Type", "application/octet-stream")
        try:
            with urllib.request.urlopen(request) as response:
                answers.append({"status": response.status, "body": json.loads(response.read())})
        except urllib.error.HTTPError as error:
            answers.append({"status": error.code, "body": json.loads(error.read())})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    serve() if sys.argv[1] == "serve" else send(sys.argv[2])
