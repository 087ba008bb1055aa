"""Connect a Zalo OA: the OAuth v4 code exchange with PKCE, as an operator command.

1. It prints the permission URL (with a fresh PKCE verifier and state) for the OA's admin to open
   and grant our app access; Zalo then redirects to `--redirect-uri` with `?code=...&state=...`.
2. Paste that redirect URL (or just the code). The code (single-use, 10 minutes) is exchanged for an
   access/refresh token pair, which is stored at TOKEN_SECRET_PREFIX + oa_id in Secrets Manager
   (the secret is created if it does not exist). From then on the hourly TokenRefreshFunction keeps
   it fresh. `--register` also adds the OA to the registry (needs `--name` and `--unit-id`).

It reads the same settings as the functions, from the environment: TABLE_NAME, APP_SECRETS_ID,
TOKEN_SECRET_PREFIX (`<stack name>/oa-tokens/`), ZALO_OAUTH_BASE, AWS_REGION (and AWS_ENDPOINT_URL for
the local cloud). Examples:

    python -m scripts.connect_oa --oa-id 2200000000000000001 --redirect-uri https://anninh.example/zalo
    python -m scripts.connect_oa --oa-id 2200000000000000001 --app-id 1100000000000000001 \
        --code <code> --verifier=<verifier>            # second step run separately
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import sys
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

from anninh.registry import OA
from anninh.registry.store import current_registry, load_app_secrets, put_oa
from anninh.settings import get_settings
from anninh.zalo.client import ZaloClient
from anninh.zalo.tokens import TokenRecord, TokenStore


@dataclass
class Authorization:
    url: str
    verifier: str
    state: str


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): 43+ url-safe characters and base64url(sha256(verifier)), unpadded."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization(app_id: str, redirect_uri: str, oauth_base: str | None = None) -> Authorization:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    base = (oauth_base or get_settings().zalo_oauth_base).rstrip("/")
    query = urlencode(
        {"app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": challenge, "state": state}
    )
    return Authorization(url=f"{base}/v4/oa/permission?{query}", verifier=verifier, state=state)


def code_from(pasted: str, expected_state: str | None) -> str:
    """The code from a pasted redirect URL (checking its state) or a bare code."""
    pasted = pasted.strip()
    if "code=" not in pasted:
        return pasted
    query = parse_qs(urlparse(pasted).query or pasted)
    state = (query.get("state") or [""])[0]
    if expected_state and state != expected_state:
        raise SystemExit("the state in the redirect does not match: start again")
    return (query.get("code") or [""])[0]


def app_secret_of(app_id: str) -> str:
    for app in load_app_secrets():
        if app.app_id == app_id:
            return app.app_secret
    raise SystemExit(f"app {app_id} has no secret in {get_settings().app_secrets_id}")


def connect(
    oa_id: str,
    app_id: str,
    code: str,
    verifier: str,
    *,
    client: ZaloClient | None = None,
    store: TokenStore | None = None,
) -> TokenRecord:
    """Exchange the code and store the pair in the OA's token secret (created if missing)."""
    client = client or ZaloClient()
    pair = client.exchange_code(app_id, app_secret_of(app_id), code, verifier)
    record = TokenRecord.from_pair(oa_id, app_id, pair)
    (store or TokenStore(client=client)).save(record)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Connect a Zalo OA to this deployment (OAuth v4 + PKCE).")
    parser.add_argument("--oa-id", required=True)
    parser.add_argument("--app-id", help="the Zalo app (default: the OA's app in the registry)")
    parser.add_argument("--redirect-uri", help="the app's callback URL registered at Zalo")
    parser.add_argument("--code", help="an authorization code (skips the interactive step)")
    parser.add_argument("--verifier", help="the PKCE verifier printed with the URL (with --code)")
    parser.add_argument("--register", action="store_true", help="also add the OA to the registry")
    parser.add_argument("--name", help="OA name (with --register)")
    parser.add_argument("--unit-id", help="unit the OA belongs to (with --register)")
    args = parser.parse_args(argv)

    registered = current_registry().oa(args.oa_id)
    app_id = args.app_id or (registered.app_id if registered else None)
    if not app_id:
        parser.error("--app-id is needed for an OA that is not in the registry")
    if args.register:
        if not (args.name and args.unit_id):
            parser.error("--register needs --name and --unit-id")
        if current_registry().unit(args.unit_id) is None:
            parser.error(f"unknown unit {args.unit_id}")
        put_oa(OA(oa_id=args.oa_id, app_id=app_id, name=args.name, unit_id=args.unit_id))
        print(f"OA {args.oa_id} registered under unit {args.unit_id}.")

    if args.code:
        if not args.verifier:
            parser.error("--code needs the --verifier printed with the authorization URL")
        code, verifier = args.code, args.verifier
    else:
        if not args.redirect_uri:
            parser.error("--redirect-uri is needed to build the authorization URL")
        auth = authorization(app_id, args.redirect_uri)
        print("Open this URL as the OA's admin and grant access:\n")
        print(f"  {auth.url}\n")
        print(f"PKCE verifier (keep it if you finish later with --code/--verifier): {auth.verifier}\n")
        pasted = input("Paste the redirect URL (or just the code): ")
        code, verifier = code_from(pasted, auth.state), auth.verifier
    if not code:
        print("no code given", file=sys.stderr)
        return 2
    record = connect(args.oa_id, app_id, code, verifier)
    print(
        f"Connected: tokens for OA {args.oa_id} stored at {TokenStore.secret_id(args.oa_id)}; "
        f"the access token expires at {record.expires_at}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
