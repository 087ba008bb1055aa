"""The sign-in directory of officers (Cognito): the only module that calls the user pool.

An officer is two things kept in step: the Cognito user (sign-in, `custom:unit_id`, groups = roles)
and the OFFICER item in the table, which is what the API trusts. `CognitoDirectory` is the first;
`NoDirectory` stands in where no user pool is configured (local registry files, some tests): every
call is a no-op there, as the API did with an empty `USER_POOL_ID`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AdminCreateUserRequestTypeDef, AttributeTypeTypeDef


class UsernameTaken(Exception):
    """The directory has a user of that name already."""


class WeakPassword(Exception):
    """The directory refused the temporary password."""


class OfficerDirectory(Protocol):
    def create_user(
        self, username: str, unit_id: str, display_name: str, temporary_password: str | None
    ) -> None: ...
    def set_unit(self, username: str, unit_id: str, *, missing_ok: bool = False) -> None: ...
    def add_to_groups(self, username: str, roles: Iterable[str]) -> None: ...
    def remove_from_groups(self, username: str, roles: Iterable[str]) -> None: ...
    def set_enabled(self, username: str, enabled: bool) -> None: ...
    def sign_out(self, username: str) -> None: ...


class CognitoDirectory:
    def __init__(self, client: CognitoIdentityProviderClient, user_pool_id: str) -> None:
        self.client = client
        self.pool = user_pool_id

    def create_user(
        self, username: str, unit_id: str, display_name: str, temporary_password: str | None
    ) -> None:
        """Raises UsernameTaken or WeakPassword."""
        attributes: list[AttributeTypeTypeDef] = [{"Name": "custom:unit_id", "Value": unit_id}]
        if display_name:
            attributes.append({"Name": "name", "Value": display_name})
        request: AdminCreateUserRequestTypeDef = {
            "UserPoolId": self.pool,
            "Username": username,
            "UserAttributes": attributes,
        }
        if temporary_password:
            request["TemporaryPassword"] = temporary_password
            request["MessageAction"] = "SUPPRESS"
        try:
            self.client.admin_create_user(**request)
        except self.client.exceptions.UsernameExistsException as exc:
            raise UsernameTaken(username) from exc
        except self.client.exceptions.InvalidPasswordException as exc:
            raise WeakPassword(username) from exc

    def set_unit(self, username: str, unit_id: str, *, missing_ok: bool = False) -> None:
        """`missing_ok`: an officer without a sign-in account yet has nothing to update."""
        try:
            self.client.admin_update_user_attributes(
                UserPoolId=self.pool,
                Username=username,
                UserAttributes=[{"Name": "custom:unit_id", "Value": unit_id}],
            )
        except self.client.exceptions.UserNotFoundException:
            if not missing_ok:
                raise

    def add_to_groups(self, username: str, roles: Iterable[str]) -> None:
        for role in roles:
            self.client.admin_add_user_to_group(UserPoolId=self.pool, Username=username, GroupName=role)

    def remove_from_groups(self, username: str, roles: Iterable[str]) -> None:
        for role in roles:
            self.client.admin_remove_user_from_group(UserPoolId=self.pool, Username=username, GroupName=role)

    def set_enabled(self, username: str, enabled: bool) -> None:
        if enabled:
            self.client.admin_enable_user(UserPoolId=self.pool, Username=username)
        else:
            self.client.admin_disable_user(UserPoolId=self.pool, Username=username)

    def sign_out(self, username: str) -> None:
        """Revoke the user's refresh tokens: no new IdToken after a disable, move or role change."""
        with contextlib.suppress(self.client.exceptions.UserNotFoundException):
            self.client.admin_user_global_sign_out(UserPoolId=self.pool, Username=username)


class NoDirectory:
    """No user pool configured: the table alone holds the officers."""

    def create_user(
        self, username: str, unit_id: str, display_name: str, temporary_password: str | None
    ) -> None:
        return None

    def set_unit(self, username: str, unit_id: str, *, missing_ok: bool = False) -> None:
        return None

    def add_to_groups(self, username: str, roles: Iterable[str]) -> None:
        return None

    def remove_from_groups(self, username: str, roles: Iterable[str]) -> None:
        return None

    def set_enabled(self, username: str, enabled: bool) -> None:
        return None

    def sign_out(self, username: str) -> None:
        return None


def default_directory() -> OfficerDirectory:
    """The user pool of the settings, or NoDirectory when none is configured."""
    from anninh import aws
    from anninh.settings import get_settings

    pool = get_settings().user_pool_id
    return CognitoDirectory(aws.client("cognito-idp"), pool) if pool else NoDirectory()
