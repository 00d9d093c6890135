"""Walking loaded data with JSON paths, shared by the checks."""
from __future__ import annotations

from decimal import Decimal


def nodes(obj, path=()):
    """Yield (path, value) for every value inside obj, obj itself first."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from nodes(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from nodes(v, path + (i,))


def is_number(v) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def show_path(path) -> str:
    return ".".join(str(p) for p in path)


def all_versions(repo):
    for table in (repo.policies, repo.rulesets):
        for versions in table.values():
            yield from versions


def nearest_source(root, path):
    """The clause the value at `path` rests on: the `source` of the nearest dict at or above it."""
    for n in range(len(path), -1, -1):
        node = get(root, path[:n])
        if isinstance(node, dict) and isinstance(node.get("source"), str):
            return node["source"]
    return None
