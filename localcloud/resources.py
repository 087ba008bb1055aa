"""Create the template's stateful resources in an AWS endpoint (the embedded moto server, or moto's
in-process mock in tests) and compute every function's environment from them.

Nothing here names a table, queue or key schema: all of it comes from template.yaml.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from localcloud.template import Resolver, functions, load_template

ACCOUNT_ID = "123456789012"
REGION = "ap-southeast-1"
STACK = "anninh-local"

# Resource types the local cloud creates, in an order that satisfies references (DLQs before queues
# that name them: handled by creating queues without redrive first, then setting it).
_CREATED = (
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolGroup",
)


@dataclass
class Deployment:
    """What was created: physical ids by logical id, and the resolver that knows them."""

    resolver: Resolver
    template: dict[str, Any]
    physical: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical id -> URL

    def function_environment(self, logical_id: str) -> dict[str, str]:
        for spec in functions(self.template):
            if spec.logical_id == logical_id:
                env = self.resolver.resolve(spec.environment)
                return {k: str(v) for k, v in env.items()}
        raise KeyError(logical_id)

    def saved(self) -> dict[str, Any]:
        """What a restart needs to adopt the resources instead of creating them again."""
        return {
            "refs": dict(self.resolver.refs),
            "attrs": [[logical, attr, value] for (logical, attr), value in self.resolver.attrs.items()],
            "physical": dict(self.physical),
            "queue_urls": dict(self.queue_urls),
        }

    def environment(self) -> dict[str, str]:
        """The union of every function's environment (they share one process locally).

        Raises if two functions disagree on a variable, which in-process execution could not honour.
        """
        merged: dict[str, str] = {}
        for spec in functions(self.template):
            for key, value in self.function_environment(spec.logical_id).items():
                if key in merged and merged[key] != value:
                    raise ValueError(f"{spec.logical_id} sets {key} differently from another function")
                merged[key] = value
        return merged


def _clients(endpoint_url: str | None) -> dict[str, Any]:
    kw: dict[str, Any] = {"region_name": REGION}
    if endpoint_url:
        kw["endpoint_url"] = endpoint_url
    return {
        s: boto3.client(s, **kw)
        for s in ("dynamodb", "sqs", "s3", "secretsmanager", "kms", "cognito-idp", "sns")
    }


def _physical_name(logical: str, fifo: bool = False) -> str:
    name = f"{STACK}-{logical}"
    return f"{name}.fifo" if fifo else name


def deploy(
    endpoint_url: str | None = None,
    parameters: dict[str, str] | None = None,
    template_path: Path | str | None = None,
    existing: dict[str, Any] | None = None,
) -> Deployment:
    """Create the template's resources and return the deployment (idempotent per fresh endpoint).

    `template_path` defaults to $ANNINH_TEMPLATE, else the repository's template.yaml. `existing` is
    a saved deployment (`Deployment.saved()`) whose resources were restored: they are adopted, and
    only resources the template gained since are created.
    """
    from localcloud import moto_speed

    moto_speed.install()  # moto in this process (mock_aws) answers in time independent of the data
    template = load_template(template_path)
    params = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
    params.update(parameters or {})
    resolver = Resolver(
        parameters=params,
        pseudo={
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": STACK,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        },
        conditions=template.get("Conditions", {}),
    )
    dep = Deployment(resolver=resolver, template=template)
    c = _clients(endpoint_url)
    resources = template["Resources"]
    for logical, res in resources.items():
        if res["Type"] == "AWS::Serverless::Function":
            resolver.refs[logical] = _physical_name(logical)
        elif res["Type"] == "AWS::Serverless::LayerVersion":
            resolver.refs[logical] = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{logical}:1"
        elif res["Type"] == "AWS::CloudFront::Distribution":
            # Not emulated (the local stack serves the console itself); its domain name is what the
            # HTTP API's CORS origin defaults to, so it must resolve.
            ident = "E" + _physical_name(logical).upper().replace("-", "")[:13]
            resolver.refs[logical] = ident
            resolver.attrs[(logical, "DomainName")] = f"{ident.lower()}.cloudfront.net"
            resolver.attrs[(logical, "Id")] = ident
        elif res["Type"] not in _CREATED:
            resolver.refs.setdefault(logical, _physical_name(logical))
    pending_redrive: list[tuple[str, dict[str, Any]]] = []
    adopted = (existing or {}).get("refs", {})
    for logical, attr, value in (existing or {}).get("attrs", []):
        if logical in adopted:
            resolver.attrs[(logical, attr)] = value
    for rtype in _CREATED:
        for logical, res in resources.items():
            if res["Type"] != rtype:
                continue
            if logical in adopted and existing is not None:
                resolver.refs[logical] = adopted[logical]
                if rtype == "AWS::SQS::Queue":  # the moto server's port changes between runs
                    name = resolver.attrs[(logical, "QueueName")]
                    url = (
                        f"{endpoint_url.rstrip('/')}/{ACCOUNT_ID}/{name}"
                        if endpoint_url
                        else adopted[logical]
                    )
                    resolver.refs[logical] = resolver.attrs[(logical, "QueueUrl")] = url
                    dep.queue_urls[logical] = url
                continue
            props = res.get("Properties", {})
            if rtype == "AWS::KMS::Key":
                key = c["kms"].create_key(Description=props.get("Description", logical))["KeyMetadata"]
                resolver.refs[logical] = key["KeyId"]
                resolver.attrs[(logical, "Arn")] = key["Arn"]
                resolver.attrs[(logical, "KeyId")] = key["KeyId"]
            elif rtype == "AWS::KMS::Alias":
                c["kms"].create_alias(
                    AliasName=resolver.resolve(props["AliasName"]),
                    TargetKeyId=resolver.resolve(props["TargetKeyId"]),
                )
                resolver.refs[logical] = resolver.resolve(props["AliasName"])
            elif rtype == "AWS::DynamoDB::Table":
                _create_table(c["dynamodb"], logical, props, resolver)
            elif rtype == "AWS::SQS::Queue":
                fifo = bool(props.get("FifoQueue"))
                name = resolver.resolve(props.get("QueueName") or _physical_name(logical, fifo))
                attributes = {
                    "VisibilityTimeout": str(props.get("VisibilityTimeout", 30)),
                    "MessageRetentionPeriod": str(props.get("MessageRetentionPeriod", 345600)),
                }
                for optional in ("DelaySeconds", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds"):
                    if optional in props:
                        attributes[optional] = str(resolver.resolve(props[optional]))
                if fifo:
                    attributes["FifoQueue"] = "true"
                    attributes["ContentBasedDeduplication"] = str(
                        bool(props.get("ContentBasedDeduplication", False))
                    ).lower()
                url = c["sqs"].create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
                arn = c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                    "QueueArn"
                ]
                resolver.refs[logical] = url
                resolver.attrs[(logical, "Arn")] = arn
                resolver.attrs[(logical, "QueueName")] = name
                resolver.attrs[(logical, "QueueUrl")] = url
                dep.queue_urls[logical] = url
                if "RedrivePolicy" in props:
                    pending_redrive.append((logical, props["RedrivePolicy"]))
            elif rtype == "AWS::S3::Bucket":
                name = _physical_name(logical).lower()
                c["s3"].create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
                resolver.refs[logical] = name
                resolver.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
                resolver.attrs[(logical, "RegionalDomainName")] = f"{name}.s3.{REGION}.amazonaws.com"
                resolver.attrs[(logical, "DomainName")] = f"{name}.s3.amazonaws.com"
            elif rtype == "AWS::SecretsManager::Secret":
                name = resolver.resolve(props.get("Name", _physical_name(logical)))
                if "GenerateSecretString" in props:
                    length = int(props["GenerateSecretString"].get("PasswordLength", 32))
                    value = secrets.token_urlsafe(length)[:length]
                else:
                    value = resolver.resolve(props.get("SecretString", "{}"))
                arn = c["secretsmanager"].create_secret(Name=name, SecretString=value)["ARN"]
                resolver.refs[logical] = arn
            elif rtype == "AWS::SNS::Topic":
                topic_arn = c["sns"].create_topic(Name=_physical_name(logical))["TopicArn"]
                resolver.refs[logical] = topic_arn
                resolver.attrs[(logical, "TopicArn")] = topic_arn
                resolver.attrs[(logical, "TopicName")] = _physical_name(logical)
            elif rtype == "AWS::Cognito::UserPool":
                pool = _create_user_pool(c["cognito-idp"], props, resolver)
                resolver.refs[logical] = pool["Id"]
                resolver.attrs[(logical, "Arn")] = pool["Arn"]
                resolver.attrs[(logical, "ProviderName")] = pool.get("ProviderName", "")
            elif rtype == "AWS::Cognito::UserPoolClient":
                kwargs: dict[str, Any] = {
                    "UserPoolId": resolver.resolve(props["UserPoolId"]),
                    "ClientName": props.get("ClientName", logical),
                    "GenerateSecret": bool(props.get("GenerateSecret", False)),
                }
                if "ExplicitAuthFlows" in props:
                    kwargs["ExplicitAuthFlows"] = props["ExplicitAuthFlows"]
                client = c["cognito-idp"].create_user_pool_client(**kwargs)["UserPoolClient"]
                resolver.refs[logical] = client["ClientId"]
            elif rtype == "AWS::Cognito::UserPoolGroup":
                c["cognito-idp"].create_group(
                    GroupName=props["GroupName"],
                    UserPoolId=resolver.resolve(props["UserPoolId"]),
                    Description=props.get("Description", ""),
                )
                resolver.refs[logical] = props["GroupName"]
    for logical, redrive in pending_redrive:
        policy = resolver.resolve(redrive)
        c["sqs"].set_queue_attributes(
            QueueUrl=dep.queue_urls[logical], Attributes={"RedrivePolicy": json.dumps(policy)}
        )
    for logical in resources:
        if logical in resolver.refs:
            dep.physical[logical] = resolver.refs[logical]
    from localcloud import iam

    iam.activate(dep)  # from now on each function's calls are checked against its own role
    return dep


def _create_table(ddb: Any, logical: str, props: dict[str, Any], resolver: Resolver) -> None:
    name = resolver.resolve(props.get("TableName") or _physical_name(logical))
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("LocalSecondaryIndexes"):
        kwargs["LocalSecondaryIndexes"] = props["LocalSecondaryIndexes"]
    if kwargs["BillingMode"] == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if props.get("StreamSpecification"):
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    ddb.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    resolver.refs[logical] = name
    resolver.attrs[(logical, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"


def _create_user_pool(idp: Any, props: dict[str, Any], resolver: Resolver) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"PoolName": resolver.resolve(props.get("UserPoolName", "officers"))}
    if "Policies" in props:
        kwargs["Policies"] = props["Policies"]
    if "Schema" in props:
        kwargs["Schema"] = props["Schema"]
    if "UsernameConfiguration" in props:
        kwargs["UsernameConfiguration"] = props["UsernameConfiguration"]
    if "AdminCreateUserConfig" in props:
        kwargs["AdminCreateUserConfig"] = props["AdminCreateUserConfig"]
    pool: dict[str, Any] = idp.create_user_pool(**kwargs)["UserPool"]
    return pool
