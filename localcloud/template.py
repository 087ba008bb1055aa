"""Read template.yaml: CloudFormation tags, parameters, intrinsic functions, functions and their events.

The local cloud and the tests build everything from this reading, so that a queue or table changed in
template.yaml changes the local cloud and the test fixtures with no other edit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
# Tests point the local cloud at a modified copy of the template with this variable.
TEMPLATE_ENV = "ANNINH_TEMPLATE"


class _Tagged(dict):  # type: ignore[type-arg]
    """A short-form intrinsic (!Ref x) turned into its long form ({"Ref": x})."""


def _cfn_loader() -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        pass

    def make(tag: str) -> None:
        name = "Ref" if tag == "Ref" else f"Fn::{tag}"

        def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if tag == "GetAtt":
                    value = str(value).split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
            return {name: value}

        Loader.add_constructor(f"!{tag}", construct)

    for tag in (
        "Ref",
        "GetAtt",
        "Sub",
        "Join",
        "If",
        "Not",
        "Equals",
        "And",
        "Or",
        "Select",
        "Split",
        "FindInMap",
        "Base64",
        "Condition",
        "ImportValue",
        "GetAZs",
        "Cidr",
    ):
        make(tag)
    return Loader


def template_path() -> Path:
    """The template in use: $ANNINH_TEMPLATE when set, else the repository's template.yaml."""
    return Path(os.environ.get(TEMPLATE_ENV) or TEMPLATE_PATH)


def load_template(path: Path | str | None = None) -> dict[str, Any]:
    with open(path or template_path(), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_cfn_loader())  # noqa: S506  # nosec B506 - a SafeLoader subclass


@dataclass
class Resolver:
    """Resolves intrinsic functions against parameters and the physical ids of created resources."""

    parameters: dict[str, str]
    pseudo: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"unresolved Ref {name}")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attrs[(logical, attr)]
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self.resolve(p)) for p in parts)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Equals":
                return str(self.resolve(arg[0])) == str(self.resolve(arg[1]))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(index)]
            if key == "Condition":
                return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {k: self.resolve(v) for k, v in local.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                return str(local[name])
            if "." in name:
                logical, attr = name.split(".", 1)
                return str(self.attrs[(logical, attr)])
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


@dataclass
class HttpRoute:
    function: str
    method: str  # upper case, or ANY
    path: str  # e.g. /api/v1/{proxy+}
    authorized: bool
    api: str = ""  # logical id of the HttpApi


@dataclass
class QueueSource:
    function: str
    queue: str  # logical id of the queue
    batch_size: int
    report_failures: bool


@dataclass
class ScheduleSource:
    function: str
    name: str  # event name, e.g. QueueReminders
    expression: str  # rate(...) or cron(...)
    input: str | None
    timezone: str = "UTC"  # ScheduleV2's ScheduleExpressionTimezone; Schedule (v1) is always UTC


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    timeout: int
    environment: dict[str, Any]
    memory_size: int = 128  # MB: the function's MemorySize, else Globals', else Lambda's default
    routes: list[HttpRoute] = field(default_factory=list)
    queues: list[QueueSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)


def _queue_logical_id(value: Any) -> str:
    # Queue: !GetAtt InboundQueue.Arn
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        return arg[0] if isinstance(arg, list) else arg.split(".")[0]
    raise ValueError(f"unsupported SQS Queue reference: {value!r}")


def functions(template: dict[str, Any]) -> list[FunctionSpec]:
    """The template's functions with their merged Globals and their event sources."""
    globals_fn = template.get("Globals", {}).get("Function", {})
    default_env = globals_fn.get("Environment", {}).get("Variables", {})
    api_auth: dict[str, bool] = {}
    for logical, res in template["Resources"].items():
        if res["Type"] == "AWS::Serverless::HttpApi":
            api_auth[logical] = bool(res.get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer"))
    specs: list[FunctionSpec] = []
    for logical, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        env = {**default_env, **props.get("Environment", {}).get("Variables", {})}
        spec = FunctionSpec(
            logical_id=logical,
            code_uri=props["CodeUri"],
            handler=props.get("Handler", globals_fn.get("Handler", "app.handler")),
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            environment=env,
            memory_size=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
        )
        for name, event in props.get("Events", {}).items():
            eprops = event.get("Properties", {})
            if event["Type"] == "HttpApi":
                api = eprops.get("ApiId", {}).get("Ref") if isinstance(eprops.get("ApiId"), dict) else None
                default_auth = api_auth.get(api or "", False)
                auth = eprops.get("Auth", {}).get("Authorizer")
                spec.routes.append(
                    HttpRoute(
                        logical,
                        str(eprops["Method"]).upper(),
                        eprops["Path"],
                        authorized=default_auth and auth != "NONE",
                        api=api or "",
                    )
                )
            elif event["Type"] == "SQS":
                spec.queues.append(
                    QueueSource(
                        logical,
                        _queue_logical_id(eprops["Queue"]),
                        int(eprops.get("BatchSize", 10)),
                        "ReportBatchItemFailures" in eprops.get("FunctionResponseTypes", []),
                    )
                )
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                expression = eprops.get("Schedule") or eprops.get("ScheduleExpression")
                spec.schedules.append(
                    ScheduleSource(
                        logical,
                        name,
                        expression,
                        eprops.get("Input"),
                        str(eprops.get("ScheduleExpressionTimezone") or "UTC"),
                    )
                )
        specs.append(spec)
    return specs


@dataclass
class JwtAuthorizer:
    """An HttpApi's default JWT authorizer; issuer and audience still hold intrinsics."""

    api: str
    name: str
    identity_source: str
    issuer: Any
    audience: Any


def jwt_authorizers(template: dict[str, Any]) -> dict[str, JwtAuthorizer]:
    """The default JWT authorizer of each HttpApi that has one, by the API's logical id."""
    out: dict[str, JwtAuthorizer] = {}
    for logical, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::HttpApi":
            continue
        auth = res.get("Properties", {}).get("Auth", {})
        name = auth.get("DefaultAuthorizer")
        config = auth.get("Authorizers", {}).get(name or "", {})
        jwt = config.get("JwtConfiguration")
        if name and jwt:
            out[logical] = JwtAuthorizer(
                logical,
                name,
                config.get("IdentitySource", "$request.header.Authorization"),
                jwt.get("issuer"),
                jwt.get("audience", []),
            )
    return out


def cors_configuration(template: dict[str, Any], api: str) -> dict[str, Any]:
    """The HttpApi's CorsConfiguration (unresolved), or {}."""
    res = template["Resources"].get(api, {})
    cors = res.get("Properties", {}).get("CorsConfiguration", {})
    return cors if isinstance(cors, dict) else {}
