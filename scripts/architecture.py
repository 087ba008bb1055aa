"""Which modules touch DynamoDB, per area of layers/anninh/anninh, and no package cycle (issue 14,
docs/architecture.md).

    python -m scripts.architecture            # print the report; exit 1 on a new offender or a cycle
    python -m scripts.architecture --quiet    # only the verdict

The target shape: only an area's `store.py` (and the local cloud, which emulates AWS) builds
DynamoDB requests; logic, services, handlers and API routes call a store. A module "touches
DynamoDB" when its source (read with `ast`, nothing imported) does any of:
- gets a table or client: `aws.table(...)`, `table(...)` imported from `anninh.aws`,
  `aws.client("dynamodb")`, `boto3.resource("dynamodb")` / `boto3.client("dynamodb")`;
- imports `boto3.dynamodb` (Key/Attr condition building, TypeSerializer/Deserializer);
- calls an item API with its DynamoDB keyword (`put_item(Item=...)`, `get_item(Key=...)`,
  `update_item`, `delete_item`, `batch_writer()`, `batch_get_item`, `transact_write_items`, ...;
  a store's own method of the same name does not count) or passes an expression keyword
  (`ConditionExpression`, `UpdateExpression`, `KeyConditionExpression`, `FilterExpression`,
  `ProjectionExpression`, `ExpressionAttributeValues`, `ExclusiveStartKey`).

Modules that did so when the check was written are listed, with the reason, in
scripts/architecture_allowlist.txt. That list may only shrink: the check fails when a module that is
neither a `store.py` nor on the list touches DynamoDB. A listed module that no longer does is
reported ("take it off the list") without failing, so that moving an area onto its store never
breaks the build of someone else's change; take the line out in the same change.

Package dependencies: the areas (top-level packages and modules of `anninh`) and which import which,
read from every `import`/`from ... import` in the source (relative ones resolved; imports inside
functions and under `TYPE_CHECKING` count too: a deferred import is still a dependency). The check
fails when the areas import each other in a cycle, and prints each cycle (a strongly connected
component of more than one area) with the import lines that make it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "layers" / "anninh" / "anninh"
ALLOWLIST = Path(__file__).resolve().parent / "architecture_allowlist.txt"

# An item API call, told from a store method of the same name by its DynamoDB keyword.
ITEM_CALLS: dict[str, str | None] = {
    "put_item": "Item",
    "get_item": "Key",
    "update_item": "Key",
    "delete_item": "Key",
    "batch_writer": None,
    "batch_get_item": "RequestItems",
    "batch_write_item": "RequestItems",
    "transact_write_items": "TransactItems",
    "transact_get_items": "TransactItems",
}
# Infrastructure, not an area: the client factory (builds the boto3 resource, sends nothing) and
# the helpers stores share (pagination, conditional-failure check), and the composition root that
# hands the clients it gets to the stores' constructors (it builds no request).
INFRASTRUCTURE = frozenset({"aws.py", "dynamo.py", "wiring.py"})
EXPRESSION_KEYWORDS = frozenset(
    {
        "ConditionExpression",
        "UpdateExpression",
        "KeyConditionExpression",
        "FilterExpression",
        "ProjectionExpression",
        "ExpressionAttributeValues",
        "ExclusiveStartKey",
    }
)


@dataclass
class Touches:
    module: str  # path relative to the package, e.g. "cases/workflow.py"
    reasons: set[str] = field(default_factory=set)

    @property
    def area(self) -> str:
        return area_of(self.module)

    @property
    def is_store(self) -> bool:
        return Path(self.module).name == "store.py"

    @property
    def is_route(self) -> bool:
        return self.module.startswith("api/routes/")


def area_of(module: str) -> str:
    """`cases/workflow.py` -> cases; a top-level module is its own area (`cccd.py` -> cccd)."""
    parts = Path(module).parts
    if len(parts) > 1 and parts[0] == "api" and len(parts) > 2 and parts[1] == "routes":
        return "api/routes"
    return parts[0] if len(parts) > 1 else Path(parts[0]).stem


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _is_dynamodb_literal(args: list[ast.expr]) -> bool:
    return bool(args) and isinstance(args[0], ast.Constant) and args[0].value == "dynamodb"


def scan_source(source: str) -> set[str]:
    """The reasons a module's source touches DynamoDB (empty when it does not)."""
    tree = ast.parse(source)
    reasons: set[str] = set()
    aws_table_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("boto3.dynamodb"):
                reasons.add(f"imports {node.module}")
            if node.module == "anninh.aws":
                aws_table_names.update(a.asname or a.name for a in node.names if a.name == "table")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("boto3.dynamodb"):
                    reasons.add(f"imports {alias.name}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = _name(node.func)
        last = callee.rsplit(".", 1)[-1]
        if callee == "aws.table" or callee in aws_table_names:
            reasons.add("aws.table()")
        elif callee in {"aws.client", "boto3.client", "boto3.resource"} and _is_dynamodb_literal(node.args):
            reasons.add(f'{callee}("dynamodb")')
        elif isinstance(node.func, ast.Attribute) and last in ITEM_CALLS:
            keyword = ITEM_CALLS[last]
            if keyword is None or any(kw.arg == keyword for kw in node.keywords):
                reasons.add(f".{last}()")
        for kw in node.keywords:
            if kw.arg in EXPRESSION_KEYWORDS:
                reasons.add(kw.arg)
    return reasons


def survey(package: Path = PACKAGE) -> list[Touches]:
    found: list[Touches] = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).as_posix() in INFRASTRUCTURE:
            continue
        reasons = scan_source(path.read_text(encoding="utf-8"))
        if reasons:
            found.append(Touches(path.relative_to(package).as_posix(), reasons))
    return found


def read_allowlist(path: Path = ALLOWLIST) -> set[str]:
    allowed: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            allowed.add(entry)
    return allowed


def verdict(found: list[Touches], allowed: set[str]) -> list[str]:
    """The problems: modules outside a store, not on the allowlist, that touch DynamoDB."""
    return [
        f"{t.module} touches DynamoDB ({', '.join(sorted(t.reasons))}): "
        f"move that code into {t.area}'s store.py"
        for t in found
        if not t.is_store and t.module not in allowed
    ]


def stale(found: list[Touches], allowed: set[str]) -> list[str]:
    """Allowlist entries that no longer touch DynamoDB (to be taken off the list)."""
    return sorted(allowed - {t.module for t in found if not t.is_store})


def report(found: list[Touches], allowed: set[str]) -> str:
    by_area: dict[str, list[Touches]] = defaultdict(list)
    for t in found:
        by_area[t.area].append(t)
    lines = ["Modules that touch DynamoDB, per area (store = the intended place; * = allowlisted):"]
    for area in sorted(by_area):
        lines.append(f"{area}:")
        for t in by_area[area]:
            mark = "store" if t.is_store else ("*" if t.module in allowed else "NEW")
            lines.append(f"  {mark:5} {t.module}  ({', '.join(sorted(t.reasons))})")
    routes = [t.module for t in found if t.is_route]
    stores = sum(1 for t in found if t.is_store)
    listed = f" ({', '.join(routes)})" if routes else ""
    lines.append(f"route modules that touch DynamoDB: {len(routes)}{listed}")
    others = len(found) - stores
    lines.append(f"{len(found)} modules: {stores} stores, {others} others ({len(allowed)} allowlisted)")
    return "\n".join(lines)


# --- package dependencies ------------------------------------------------------------------------

Graph = dict[str, dict[str, list[str]]]  # area -> imported area -> where ("cases/service.py:31")


def module_name(module: str) -> list[str]:
    """`cases/service.py` -> ["anninh", "cases", "service"]; a package's `__init__.py` is the package."""
    parts = ["anninh", *Path(module).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_areas(source: str, module: str) -> list[tuple[str, int]]:
    """The areas of `anninh` a module's source imports (its own included), with the line of each import."""
    name = module_name(module)
    package = name if Path(module).name == "__init__.py" else name[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from anninh import cases` imports the area named by the alias.
            targets = [f"{target}.{a.name}" for a in node.names] if target == "anninh" else [target]
        for target in targets:
            parts = target.split(".")
            if len(parts) > 1 and parts[0] == "anninh" and isinstance(node, ast.Import | ast.ImportFrom):
                found.append((parts[1], node.lineno))
    return found


def dependencies(package: Path = PACKAGE) -> Graph:
    """Which area imports which (an area's imports of itself left out), read from the source."""
    graph: Graph = {}
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        area = top_area(module)
        edges = graph.setdefault(area, {})
        for imported, line in imported_areas(path.read_text(encoding="utf-8"), module):
            if imported != area:
                edges.setdefault(imported, []).append(f"{module}:{line}")
    return graph


def top_area(module: str) -> str:
    """`cases/service.py` -> cases, `api/routes/tips.py` -> api, `cccd.py` -> cccd."""
    parts = Path(module).parts
    return parts[0] if len(parts) > 1 else Path(parts[0]).stem


def cycles(graph: Graph | dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one area (each sorted; sorted by first area).

    Tarjan's algorithm, iterative (no recursion limit on a deep graph)."""
    nodes = sorted(set(graph) | {b for a in graph for b in graph[a]})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            if successors:
                nxt = successors.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def cycle_report(graph: Graph) -> list[str]:
    """One block per cycle: its areas, then each import inside it and where it is written."""
    lines: list[str] = []
    for component in cycles(graph):
        lines.append(f"areas import each other in a cycle: {' <-> '.join(component)}")
        for area in component:
            for imported, where in sorted(graph.get(area, {}).items()):
                if imported in component:
                    lines.append(f"  {area} -> {imported}: {', '.join(where)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    args = parser.parse_args(argv)
    found = survey()
    allowed = read_allowlist()
    if not args.quiet:
        print(report(found, allowed))
    problems = verdict(found, allowed)
    graph = dependencies()
    if not args.quiet:
        imports = sum(len(edges) for edges in graph.values())
        print(f"package dependencies: {len(graph)} areas, {imports} area-to-area imports")
    for module in stale(found, allowed):
        print(f"architecture: {module} no longer touches DynamoDB: take it off {ALLOWLIST.name}")
    for problem in problems:
        print(f"architecture: {problem}", file=sys.stderr)
    if not problems:
        print("architecture: ok (no new module touches DynamoDB outside a store)")
    loops = cycle_report(graph)
    for line in loops:
        print(f"architecture: {line}", file=sys.stderr)
    if not loops:
        print("architecture: ok (no package cycle)")
    return 1 if problems or loops else 0


if __name__ == "__main__":
    raise SystemExit(main())
