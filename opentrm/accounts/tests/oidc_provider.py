"""A small OpenID Connect provider for the tests: real HTTP (a thread with ``http.server``) and
real RS256 signatures (joserfc), speaking the authorization-code flow with PKCE that a national
identity service speaks. Fictional people only: ``next_person`` says who logs in next."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "opentrm-test"
CLIENT_SECRET = "test-secret-not-used-anywhere-else"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.next_person: dict[str, Any] = {}
        self.nonce_override: str | None = None
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(
                self, status: int, body: dict[str, Any] | None = None, **headers: str
            ) -> None:
                data = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    provider_code = secrets.token_urlsafe(16)
                    provider.codes[provider_code] = {**query, "person": provider.next_person}
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": provider_code, "state": query["state"]})
                    )
                    self._send(302, Location=target)
                elif url.path == "/jwks":
                    self._send(200, {"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    person = provider.tokens.get(token)
                    self._send(200, person) if person else self._send(401, {"error": "token"})
                else:
                    self._send(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                issued = provider.codes.pop(form.get("code", ""), None)
                if self.path != "/token" or issued is None:
                    self._send(400, {"error": "invalid_grant"})
                    return
                secret_ok = (
                    form.get("client_secret") == CLIENT_SECRET
                    or self.headers.get("Authorization", "")
                    == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                )
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .decode()
                    .rstrip("=")
                )
                if not secret_ok or challenge != issued.get("code_challenge"):
                    self._send(400, {"error": "invalid_client_or_verifier"})
                    return
                person = issued["person"]
                now = int(time.time())
                claims = {
                    "iss": provider.url,
                    "aud": CLIENT_ID,
                    "iat": now,
                    "exp": now + 300,
                    "nonce": provider.nonce_override or issued.get("nonce"),
                    **person,
                }
                id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, provider.key)
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = person
                self._send(
                    200,
                    {"access_token": access, "id_token": id_token, "token_type": "Bearer"},
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict[str, Any]:
        return {
            "OPENTRM_OIDC_ENABLED": True,
            "OPENTRM_OIDC_NAME": "the Fictional eID",
            "AUTHENTICATION_BACKENDS": [
                "django.contrib.auth.backends.ModelBackend",
                "opentrm.accounts.oidc.NationalIdentityBackend",
            ],
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
        }
