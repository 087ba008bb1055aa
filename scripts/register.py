"""Load a registry file (apps, units, OAs, officers) into a deployed stack - an operator command.

    make register ARGS="--stack-name anninh-oa --registry path/to/registry.json [--dry-run]"

Same format as demo/registry.json (the SPEC's fixed point). App secrets go to the stack's
ZaloAppSecrets secret, units/OAs/officers to the main table, and every officer not yet in the
Cognito pool is created with its groups (roles) and a one-time temporary password, printed once for
hand-over and changed at first sign-in. Passwords in the file are ignored outside the local stack.
Each unit's on-call roster (`oncall`: name, E.164 phone, hours) is stored with the unit, and every
roster phone gets an SMS subscription on the stack's OnCallTopic, filtered on its own number.
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import sys
from typing import Any

import boto3

from anninh.registry import Officer, Registry


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def temporary_password() -> str:
    """Meets the pool's policy: 16 characters with upper, lower and digits."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(16))
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)
        ):
            return value


def ensure_officer(idp: Any, pool_id: str, officer: Officer) -> str | None:
    """Create the Cognito user if missing (returns its temporary password) and set its groups."""
    created: str | None = None
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=officer.username)
    except idp.exceptions.UserNotFoundException:
        created = temporary_password()
        attributes = [{"Name": "custom:unit_id", "Value": officer.unit_id}]
        if officer.display_name:
            attributes.append({"Name": "name", "Value": officer.display_name})
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=officer.username,
            UserAttributes=attributes,
            TemporaryPassword=created,
            MessageAction="SUPPRESS",
        )
    for role in officer.roles:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=officer.username, GroupName=role)
    return created


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--registry", required=True, help="registry JSON file")
    parser.add_argument("--region", default=None)
    parser.add_argument("--dry-run", action="store_true", help="validate and show what would be loaded")
    args = parser.parse_args(argv)

    registry = Registry.load(args.registry)
    unknown = [o.unit_id for o in registry.oas if registry.unit(o.unit_id) is None]
    unknown += [o.unit_id for o in registry.officers if registry.unit(o.unit_id) is None]
    if unknown:
        print(f"unknown unit ids in the registry: {sorted(set(unknown))}", file=sys.stderr)
        return 2
    print(
        f"{len(registry.apps)} apps, {len(registry.units)} units, {len(registry.oas)} OAs, "
        f"{len(registry.officers)} officers"
    )
    if args.dry_run:
        return 0
    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    os.environ.update(
        {
            "TABLE_NAME": outputs["MainTableName"],
            "APP_SECRETS_ID": outputs["ZaloAppSecretsArn"],
            "USER_POOL_ID": outputs["UserPoolId"],
            "AWS_REGION": session.region_name or "",
        }
    )
    from anninh.registry.store import save_registry

    save_registry(registry)
    topic = outputs.get("OnCallTopicArn")
    if topic:
        from anninh.alerts import subscribe_roster

        added = subscribe_roster(registry, topic, session.client("sns"))
        rostered = sum(len(u.oncall) for u in registry.units)
        print(f"on-call roster: {rostered} entries, {added} new SMS subscriptions")
    idp = session.client("cognito-idp")
    for officer in registry.officers:
        password = ensure_officer(idp, outputs["UserPoolId"], officer)
        if password:
            print(
                f"created {officer.username} ({officer.unit_id}, {','.join(officer.roles)}): "
                f"temporary password {password}"
            )
    print("registry loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
