"""A small real OpenID Connect provider standing in for ProConnect in tests: an HTTP server in a
thread with the authorization, token, userinfo, JWKS and logout endpoints. ID tokens and userinfo
answers are JWTs signed RS256 with a key made for the run, as ProConnect signs them."""

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CLIENT_ID = "tremplin-test"
CLIENT_SECRET = "secret-de-test-proconnect"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class FakeProConnect:
    """``email``: the person signed in at the provider. ``forge_nonce`` / ``forge_signature`` make the
    next ID token carry a nonce or a signature the client did not ask for."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "cle-de-test"
        self.email = "camille@ml.example.org"
        self.forge_nonce = False
        self.forge_signature = False
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.logouts: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def settings(self) -> dict:
        return {
            "TREMPLIN_PROCONNECT_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/logout",
        }

    def jwt(self, claims: dict) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        key = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if self.forge_signature
            else self.key
        )
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": self.kid,
                    "n": _int_b64(numbers.n),
                    "e": _int_b64(numbers.e),
                }
            ]
        }

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def _send(self, status, body=b"", content_type="application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"nonce": query["nonce"], "client_id": query["client_id"]}
                    location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                    self._send(302, headers={"Location": location})
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.access_tokens:
                        return self._send(401, b'{"error": "invalid_token"}')
                    claims = {
                        "sub": "agent-42",
                        "email": provider.access_tokens[token],
                        "given_name": "Camille",
                        "usual_name": "Durand",
                    }
                    self._send(200, provider.jwt(claims).encode(), "application/jwt")
                elif url.path == "/jwks":
                    self._send(200, json.dumps(provider.jwks()).encode())
                elif url.path == "/logout":
                    provider.logouts.append(query)
                    self._send(302, headers={"Location": query["post_logout_redirect_uri"]})
                else:
                    self._send(404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    return self._send(404)
                grant = provider.codes.pop(form.get("code"), None)
                if grant is None or form.get("client_secret") != CLIENT_SECRET:
                    return self._send(400, b'{"error": "invalid_grant"}')
                access_token = secrets.token_urlsafe(16)
                provider.access_tokens[access_token] = provider.email
                now = int(time.time())
                id_token = provider.jwt(
                    {
                        "iss": provider.url,
                        "sub": "agent-42",
                        "aud": grant["client_id"],
                        "iat": now,
                        "exp": now + 60,
                        "nonce": "nonce-forge" if provider.forge_nonce else grant["nonce"],
                    }
                )
                body = {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 60,
                    "id_token": id_token,
                }
                self._send(200, json.dumps(body).encode())

        return Handler
