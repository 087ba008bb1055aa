"""Publish the officer console (console/) to a deployed stack's ConsoleBucket behind CloudFront.

    python -m scripts.deploy_console --stack-name anninh-prod [--region ap-southeast-1] [--dry-run]

Reads the stack Outputs (ApiBaseUrl, UserPoolId, UserPoolClientId, ConsoleBucketName, ConsoleUrl),
uploads every file of console/ with its content type, writes `config.json` (what the page reads at
start-up instead of the local cloud's /_local/config), deletes objects that are no longer in console/,
and invalidates the CloudFront cache. No build step: the files are served exactly as in the repo.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
REQUIRED_OUTPUTS = ("ApiBaseUrl", "UserPoolId", "UserPoolClientId", "ConsoleBucketName")
# index.html and config.json must never be stale; the rest may be cached briefly (no hashed names).
NO_CACHE = "no-cache, no-store, must-revalidate"
SHORT_CACHE = "public, max-age=300"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def console_config(outputs: dict[str, str], region: str) -> dict[str, Any]:
    """config.json for the deployed page: the API base URL and the Cognito pool it signs in with."""
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
    if missing:
        raise SystemExit(f"the stack has no output(s) {', '.join(missing)}: deploy template.yaml first")
    return {
        "api_base_url": outputs["ApiBaseUrl"].rstrip("/"),
        "region": region,
        "user_pool_id": outputs["UserPoolId"],
        "user_pool_client_id": outputs["UserPoolClientId"],
        "cognito_url": f"https://cognito-idp.{region}.amazonaws.com/",
        # Commanders and admins set up two-step sign-in (TOTP) before they work.
        "mfa_required_roles": ["commander", "admin"],
        # The pool's policy as template.yaml declares it (the console's password hint).
        "password_policy": template_password_policy(),
    }


def template_password_policy() -> dict[str, object]:
    from localcloud.template import load_template

    pool = load_template()["Resources"]["UserPool"]["Properties"]
    policy: dict[str, object] = pool.get("Policies", {}).get("PasswordPolicy", {})
    return policy


def planned_uploads(root: Path = CONSOLE_DIR) -> list[Upload]:
    """Every file of the console except dotfiles and a local config.json (the deployed one is generated)."""
    uploads = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in key.split("/")) or key == "config.json":
            continue
        content_type = (
            CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        cache = NO_CACHE if key == "index.html" else SHORT_CACHE
        uploads.append(Upload(key, path, content_type, cache))
    return uploads


def sync(
    s3: Any, bucket: str, uploads: Iterable[Upload], config: dict[str, Any], dry_run: bool = False
) -> dict[str, list[str]]:
    """Upload the files and config.json, delete stale objects; returns what was (or would be) done."""
    uploads = list(uploads)
    wanted = {u.key for u in uploads} | {"config.json"}
    existing: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        existing.update(obj["Key"] for obj in page.get("Contents", []))
    stale = sorted(existing - wanted)
    if not dry_run:
        for upload in uploads:
            s3.put_object(
                Bucket=bucket,
                Key=upload.key,
                Body=upload.path.read_bytes(),
                ContentType=upload.content_type,
                CacheControl=upload.cache_control,
            )
        s3.put_object(
            Bucket=bucket,
            Key="config.json",
            ContentType=CONTENT_TYPES[".json"],
            CacheControl=NO_CACHE,
            Body=json.dumps(config, indent=2).encode(),
        )
        for start in range(0, len(stale), 1000):
            s3.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start : start + 1000]]}
            )
    return {"uploaded": [u.key for u in uploads] + ["config.json"], "deleted": stale}


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def stack_parameters(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stacks[0].get("Parameters", [])}


def invalidate(cloudformation: Any, cloudfront: Any, stack_name: str, reference: str) -> str | None:
    resource = cloudformation.describe_stack_resource(
        StackName=stack_name, LogicalResourceId="ConsoleDistribution"
    )
    distribution_id = resource["StackResourceDetail"]["PhysicalResourceId"]
    reply = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference},
    )
    invalidation_id: str | None = reply.get("Invalidation", {}).get("Id")
    return invalidation_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack-name", required=True, help="the CloudFormation stack `sam deploy` created")
    parser.add_argument("--region", help="AWS region of the stack (default: your AWS configuration)")
    parser.add_argument("--profile", help="AWS named profile")
    parser.add_argument("--dry-run", action="store_true", help="show what would be uploaded and deleted")
    parser.add_argument(
        "--write-config",
        type=Path,
        metavar="PATH",
        help="also write config.json to PATH (e.g. to point a local copy at the stack)",
    )
    args = parser.parse_args(argv)

    import time

    import boto3

    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    region = session.region_name or "ap-southeast-1"
    cloudformation = session.client("cloudformation")
    outputs = stack_outputs(cloudformation, args.stack_name)
    config = console_config(outputs, region)
    bucket = outputs["ConsoleBucketName"]
    done = sync(session.client("s3"), bucket, planned_uploads(), config, dry_run=args.dry_run)
    verb = "would upload" if args.dry_run else "uploaded"
    print(
        f"{verb} {len(done['uploaded'])} file(s) to s3://{bucket}; stale deleted: {done['deleted'] or 'none'}"
    )
    print("config.json:", json.dumps(config))
    if args.write_config:
        args.write_config.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write_config}")
    if not args.dry_run:
        invalidation = invalidate(
            cloudformation, session.client("cloudfront"), args.stack_name, f"console-{time.time():.0f}"
        )
        print(f"CloudFront invalidation {invalidation} created for /*")
    console_url = outputs.get("ConsoleUrl", "")
    allowed = stack_parameters(cloudformation, args.stack_name).get("ConsoleAllowedOrigin", "*")
    if console_url and allowed not in ("*", console_url):
        print(
            f"warning: ConsoleAllowedOrigin is {allowed!r}; the API only accepts browser calls from there. "
            f"Redeploy with --parameter-overrides ConsoleAllowedOrigin={console_url}",
            file=sys.stderr,
        )
    print(f"console: {console_url or '(no ConsoleUrl output)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
