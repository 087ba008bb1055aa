"""IAM, locally: every AWS call a function makes is checked against its own role, as AWS would.

The roles come from the real SAM transform (aws-sam-translator, the library `sam build` and
CloudFormation use), so SAM policy templates (`DynamoDBCrudPolicy`, `SQSSendMessagePolicy`, ...)
expand exactly as they will in AWS. Their intrinsics (Ref, Fn::GetAtt, Fn::Sub) are resolved to the
local resources' ARNs. A boto3 call made while a function runs (`acting_as`) is mapped to the IAM
actions and resource ARNs AWS would authorise (a TransactWriteItems to one action per item, an S3
HeadObject to s3:GetObject, ...) and refused with AccessDenied unless an Allow statement without a
condition covers it and no Deny does. Statements with conditions never grant here (we cannot always
evaluate them, so we are stricter, never looser). AWS managed policies SAM attaches are known by name;
any other managed policy grants nothing.

Calls made outside a function (the local cloud itself, tests' own assertions) are not checked.
`LOCAL_IAM=off` turns the check off (do not: what passes here must deploy).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from localcloud import limits

if TYPE_CHECKING:
    from localcloud.resources import Deployment

log = logging.getLogger("localcloud.iam")

ACCOUNT_ID = "123456789012"
REGION = "ap-southeast-1"

# The AWS managed policies SAM attaches to function roles (their documented statements).
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {
            "Effect": "Allow",
            "Action": [
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        }
    ],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
    ],
}

# The function whose code is running (set by the local Lambda runtime around each invocation).
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("localcloud_function", default=None)


class InvocationCutOff(Exception):
    """The function's invocation ran past its timeout; Lambda froze it, so its calls go nowhere."""


_expired: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "localcloud_expired", default=None
)


@contextlib.contextmanager
def acting_as(function: str, expired: threading.Event | None = None) -> Iterator[None]:
    """Run the block as `function`: its AWS calls are checked against the function's role."""
    token = _current.set(function)
    token_expired = _expired.set(expired)
    try:
        yield
    finally:
        _current.reset(token)
        _expired.reset(token_expired)


def current_function() -> str | None:
    return _current.get()


# ---------------------------------------------------------------------------------------- policies
@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    not_actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]
    not_resources: tuple[re.Pattern[str], ...]
    conditional: bool
    source: str  # policy name, for messages

    def matches(self, action: str, resource: str) -> bool:
        if self.actions and not any(p.fullmatch(action) for p in self.actions):
            return False
        if self.not_actions and any(p.fullmatch(action) for p in self.not_actions):
            return False
        if self.resources and not any(p.fullmatch(resource) for p in self.resources):
            return False
        return not (self.not_resources and any(p.fullmatch(resource) for p in self.not_resources))


def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def compile_statements(raw: list[dict[str, Any]], source: str) -> list[Statement]:
    out = []
    for st in raw:
        out.append(
            Statement(
                effect=str(st.get("Effect", "Allow")),
                actions=tuple(_pattern(str(a), True) for a in _as_list(st.get("Action"))),
                not_actions=tuple(_pattern(str(a), True) for a in _as_list(st.get("NotAction"))),
                resources=tuple(_pattern(str(r), False) for r in _as_list(st.get("Resource"))),
                not_resources=tuple(_pattern(str(r), False) for r in _as_list(st.get("NotResource"))),
                conditional=bool(st.get("Condition")),
                source=source,
            )
        )
    return out


@dataclass
class Role:
    function: str
    name: str
    statements: list[Statement]
    documents: list[dict[str, Any]]  # resolved inline policy statements (for reports and tests)
    managed: list[str]

    def allows(self, action: str, resource: str) -> bool:
        allowed = False
        for st in self.statements:
            if not st.matches(action, resource):
                continue
            if st.effect == "Deny":
                return False
            if not st.conditional:
                allowed = True
        return allowed


def expand(template: dict[str, Any]) -> dict[str, Any]:
    """The template after the SAM transform (cached by content: the transform takes a second)."""
    key = hashlib.sha256(json.dumps(template, sort_keys=True, default=str).encode()).hexdigest()
    return copy.deepcopy(_expand_cached(key, json.dumps(template, default=str)))


@lru_cache(maxsize=8)
def _expand_cached(_key: str, text: str) -> dict[str, Any]:
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform

    class _NoIam(ManagedPolicyLoader):  # policies named by ARN only: never ask IAM
        def __init__(self) -> None:
            pass

        def load(self) -> dict[str, str]:
            return {}

    template = json.loads(text)
    for res in template.get("Resources", {}).values():
        props = res.get("Properties", {})
        # The transform wants S3 URIs for code (sam build would upload it); IAM does not care.
        if res.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://local/" + props["CodeUri"].strip("/")
        if res.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(props.get("ContentUri"), str):
            props["ContentUri"] = "s3://local/" + props["ContentUri"].strip("/")
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = saved or REGION  # the transform reads the region from boto
    try:
        result: dict[str, Any] = transform(template, {}, _NoIam())
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
    return result


def roles(deployment: Deployment) -> dict[str, Role]:
    """Each function's role (by the function's logical id), intrinsics resolved to local ARNs."""
    expanded = expand(deployment.template)
    resources = expanded["Resources"]
    resolver = deployment.resolver
    out: dict[str, Role] = {}
    for logical, res in resources.items():
        if res["Type"] != "AWS::Lambda::Function":
            continue
        role_ref = res["Properties"].get("Role", {})
        role_logical = role_ref.get("Fn::GetAtt", [None])[0] if isinstance(role_ref, dict) else None
        role = resources.get(role_logical or "", {})
        props = role.get("Properties", {})
        statements: list[Statement] = []
        documents: list[dict[str, Any]] = []
        for policy in props.get("Policies", []):
            raw = resolver.resolve(policy["PolicyDocument"]).get("Statement", [])
            raw = _as_list(raw)
            documents.extend(raw)
            statements.extend(compile_statements(raw, str(policy.get("PolicyName", ""))))
        managed = [str(resolver.resolve(arn)) for arn in props.get("ManagedPolicyArns", [])]
        for arn in managed:
            statements.extend(compile_statements(MANAGED_POLICIES.get(arn, []), arn))
        out[logical] = Role(logical, role_logical or "", statements, documents, managed)
    return out


# ---------------------------------------------------------------------------------------- requests
def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"


def _table(name: str, index: str | None = None) -> str:
    base = name if name.startswith("arn:") else _arn("dynamodb", f"table/{name}")
    return f"{base}/index/{index}" if index else base


def _queue(url_or_name: str) -> str:
    return _arn("sqs", url_or_name.rstrip("/").rsplit("/", 1)[-1])


# Set in a function's worker process (localcloud.worker), where moto's backends are not in memory.
secret_arn_lookup: Callable[[str], str | None] | None = None


def _secret(secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    if secret_arn_lookup is not None:  # a function's worker process asks the local cloud's moto
        found_arn = secret_arn_lookup(secret_id)
        if found_arn:
            return found_arn
    try:  # a name: AWS authorises against the secret's full ARN (with its random suffix)
        from moto.secretsmanager.models import secretsmanager_backends

        found = secretsmanager_backends[ACCOUNT_ID][REGION].secrets.get(secret_id)
        if found is not None:
            return str(found.arn)
    except Exception:  # noqa: S110  # nosec B110 - not in this process's moto: fall back to the name's ARN
        pass
    return _arn("secretsmanager", f"secret:{secret_id}-??????").replace("??????", "XXXXXX")


def _kms_key(key_id: str | None, aliases: dict[str, str], blob: Any = None) -> str:
    if not key_id and blob is not None:
        try:
            from moto.kms.utils import _deserialize_ciphertext_blob

            key_id = _deserialize_ciphertext_blob(bytes(blob)).key_id
        except Exception:
            key_id = None
    if not key_id:
        return "*"  # unknown key: only a Resource "*" grant covers it
    if key_id.startswith("arn:") and ":alias/" in key_id:
        key_id = key_id.split(":", 5)[5]
    if key_id.startswith("alias/"):
        target = aliases.get(key_id)
        return _arn("kms", f"key/{target}") if target else _arn("kms", key_id)
    if key_id.startswith("arn:"):
        return key_id
    return _arn("kms", f"key/{key_id}")


_DDB_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_S3_OBJECT_ACTIONS = {
    "HeadObject": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "UploadPartCopy": "PutObject",
}
_S3_BUCKET_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
}
_SQS_BATCH = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def requests_for(
    service: str, operation: str, params: dict[str, Any], aliases: dict[str, str]
) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs AWS authorises for one API call."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            out = []
            for item in params.get("TransactItems", []):
                for kind, body in item.items():
                    action = f"dynamodb:{_DDB_TRANSACT.get(kind, kind)}"
                    out.append((action, _table(body.get("TableName", ""))))
            return out
        if operation == "TransactGetItems":
            return [
                ("dynamodb:GetItem", _table(item["Get"].get("TableName", "")))
                for item in params.get("TransactItems", [])
                if "Get" in item
            ]
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [(f"dynamodb:{operation}", _table(name)) for name in params.get("RequestItems", {})]
        if "TableName" in params:
            return [(f"dynamodb:{operation}", _table(params["TableName"], params.get("IndexName")))]
        return [(f"dynamodb:{operation}", "*")]
    if service == "sqs":
        action = "sqs:" + _SQS_BATCH.get(operation, operation)
        if "QueueUrl" in params:
            return [(action, _queue(params["QueueUrl"]))]
        if "QueueName" in params:
            return [(action, _queue(params["QueueName"]))]
        return [(action, "*")]
    if service == "s3":
        bucket = params.get("Bucket", "")
        if operation == "DeleteObjects":
            return [
                (
                    "s3:DeleteObjectVersion" if obj.get("VersionId") else "s3:DeleteObject",
                    f"arn:aws:s3:::{bucket}/{obj.get('Key', '')}",
                )
                for obj in params.get("Delete", {}).get("Objects", [])
            ]
        if operation in _S3_BUCKET_ACTIONS:
            return [(f"s3:{_S3_BUCKET_ACTIONS[operation]}", f"arn:aws:s3:::{bucket}")]
        if "Key" in params:
            action = _S3_OBJECT_ACTIONS.get(operation, operation)
            if params.get("VersionId") and action in ("GetObject", "DeleteObject", "PutObjectTagging"):
                action += "Version"
            out = [(f"s3:{action}", f"arn:aws:s3:::{bucket}/{params['Key']}")]
            if operation in ("CopyObject", "UploadPartCopy"):
                source = params.get("CopySource")
                if isinstance(source, dict):
                    out.append(("s3:GetObject", f"arn:aws:s3:::{source.get('Bucket')}/{source.get('Key')}"))
                elif isinstance(source, str):
                    out.append(("s3:GetObject", "arn:aws:s3:::" + source.lstrip("/").split("?", 1)[0]))
            return out
        if bucket:
            return [(f"s3:{operation}", f"arn:aws:s3:::{bucket}")]
        return [(f"s3:{operation}", "*")]
    if service == "kms":
        return [(f"kms:{operation}", _kms_key(params.get("KeyId"), aliases, params.get("CiphertextBlob")))]
    if service == "secretsmanager":
        if "SecretId" in params:
            return [(f"secretsmanager:{operation}", _secret(str(params["SecretId"])))]
        if operation == "CreateSecret" and "Name" in params:
            return [(f"secretsmanager:{operation}", _secret(str(params["Name"])))]
        return [(f"secretsmanager:{operation}", "*")]
    if service == "cognito-idp":
        if "UserPoolId" in params:
            return [(f"cognito-idp:{operation}", _arn("cognito-idp", f"userpool/{params['UserPoolId']}"))]
        return [(f"cognito-idp:{operation}", "*")]
    if service == "sns":
        arn = params.get("TopicArn") or params.get("TargetArn") or params.get("ResourceArn")
        return [(f"sns:{operation}", str(arn) if arn else "*")]
    prefix = {"monitoring": "cloudwatch"}.get(service, service)
    return [(f"{prefix}:{operation}", "*")]


# ---------------------------------------------------------------------------------------- enforcement
_DENIED_CODE = {"s3": ("AccessDenied", 403), "sqs": ("AccessDenied", 403)}


@dataclass
class Authorizer:
    roles: dict[str, Role]
    aliases: dict[str, str] = field(default_factory=dict)
    observed: dict[str, set[str]] = field(default_factory=dict)  # function -> IAM actions it used
    _cache: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allowed(self, function: str, action: str, resource: str) -> bool:
        key = (function, action, resource)
        hit = self._cache.get(key)
        if hit is None:
            role = self.roles.get(function)
            hit = role.allows(action, resource) if role else False
            self._cache[key] = hit
        return hit

    def check(self, function: str, service: str, operation: str, params: dict[str, Any]) -> None:
        pairs = requests_for(service, operation, params, self.aliases)
        # What each function's code does (LOCAL_IAM_RECORD collects it): allowed calls only, so a test
        # that provokes AccessDenied on purpose does not make its refused action look needed.
        granted = {action for action, resource in pairs if self.allowed(function, action, resource)}
        with self._lock:
            seen = self.observed.setdefault(function, set())
            new = granted - seen
            seen.update(new)
        if new and os.environ.get("LOCAL_IAM_RECORD"):
            with open(os.environ["LOCAL_IAM_RECORD"], "a", encoding="utf-8") as out:
                for action in sorted(new):
                    out.write(json.dumps({"function": function, "action": action}) + "\n")
        for action, resource in pairs:
            if not self.allowed(function, action, resource):
                role = self.roles.get(function)
                role_name = role.name if role else f"{function}Role"
                message = (
                    f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{function} is not authorized "
                    f"to perform: {action} on resource: {resource} because no identity-based policy "
                    f"allows the {action} action"
                )
                log.error("IAM denied %s: %s", function, message)
                code, status = _DENIED_CODE.get(service, ("AccessDeniedException", 400))
                error: Any = {
                    "Error": {"Code": code, "Message": message},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                }
                raise ClientError(error, operation)


_active: Authorizer | None = None
_installed = False
_install_lock = threading.Lock()


def enabled() -> bool:
    return os.environ.get("LOCAL_IAM", "on").lower() not in ("off", "0", "false", "no")


def activate(deployment: Deployment) -> Authorizer | None:
    """Enforce the deployment's roles from now on (returns the authorizer; None when LOCAL_IAM=off)."""
    global _active
    if not enabled():
        _active = None
        return None
    aliases: dict[str, str] = {}
    for _logical, res in deployment.template["Resources"].items():
        if res["Type"] == "AWS::KMS::Alias":
            props = res.get("Properties", {})
            aliases[str(deployment.resolver.resolve(props["AliasName"]))] = str(
                deployment.resolver.resolve(props["TargetKeyId"])
            )
    authorizer = Authorizer(roles(deployment), aliases)
    install()
    _active = authorizer
    return authorizer


def deactivate() -> None:
    global _active
    _active = None


def active() -> Authorizer | None:
    return _active


def install() -> None:
    """Wrap botocore's API call once: every client, every session, checked while a function runs."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from botocore.client import BaseClient

        original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            authorizer = _active
            if authorizer is not None:  # a local deployment is up: AWS's rules apply
                service = self.meta.service_model.service_name
                function = _current.get()
                if function is not None:
                    expired = _expired.get()
                    if expired is not None and expired.is_set():
                        raise InvocationCutOff(f"{function} ran past its timeout; {operation_name} not sent")
                    authorizer.check(function, service, operation_name, api_params)
                limits.check(service, operation_name, api_params)
            return original(self, operation_name, api_params)

        BaseClient._make_api_call = checked  # type: ignore[attr-defined]
        _installed = True
