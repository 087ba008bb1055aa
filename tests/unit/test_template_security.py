"""template.yaml trust settings (issue 11): what the officer client may write, who reads app secrets."""

from __future__ import annotations

from typing import Any

from localcloud.template import load_template


def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = load_template()["Resources"]
    return resources


def _policy_text(function: str) -> str:
    return repr(_resources()[function]["Properties"].get("Policies", []))


def test_officers_cannot_write_their_unit_with_their_own_token() -> None:
    client = next(r for r in _resources().values() if r["Type"] == "AWS::Cognito::UserPoolClient")
    writable = client["Properties"].get("WriteAttributes")
    # Without WriteAttributes every mutable attribute is writable by the user (the old defect).
    assert writable is not None
    assert not any("unit" in a or "role" in a or a.startswith("custom:") for a in writable)


def test_the_officer_api_cannot_read_the_zalo_app_secrets() -> None:
    assert "ZaloAppSecrets" not in _policy_text("ApiFunction")
    # ...while the webhook (signature keys) and the token refresher (app secret) still can.
    assert "ZaloAppSecrets" in _policy_text("WebhookFunction")
    assert "ZaloAppSecrets" in _policy_text("TokenRefreshFunction")


def test_the_officer_api_may_sign_users_out_globally() -> None:
    assert "cognito-idp:AdminUserGlobalSignOut" in _policy_text("ApiFunction")


def test_cors_defaults_to_the_consoles_own_cloudfront_domain() -> None:
    template = load_template()
    assert template["Parameters"]["ConsoleAllowedOrigin"]["Default"] == ""
    api = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::HttpApi")
    origins = api["Properties"]["CorsConfiguration"]["AllowOrigins"]
    assert "*" not in repr(origins) and "ConsoleDistribution.DomainName" in repr(origins)


def test_the_console_ships_a_strict_content_security_policy() -> None:
    resources = _resources()
    distribution = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    assert "ConsoleSecurityHeaders" in repr(distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"])
    config = resources["ConsoleSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = dict(([*d.strip().split(" ", 1), ""])[:2] for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*;" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
