"""JSON Schema validation (2020-12) of loaded documents, with errors turned into positioned plain-word problems."""
from __future__ import annotations

import difflib
import functools
import json
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema_rs

from .limits import MAX_SHOWN_CHARS, shown
from .problems import Problem
from .yaml_strict import Document, json_path_text

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCHEMA_NAMES = ("common", "clauses", "interpretations", "policy", "rules", "cases", "ruling", "coverage", "register",
                "delegations", "supplement")


def _is_number(checker, instance):
    # Decimal is how the strict loader gives non-integers; bool is never a number.
    return isinstance(instance, (int, float, Decimal)) and not isinstance(instance, bool)


def _multiple_of(validator, step, instance, schema):
    # Exact decimal arithmetic: 0.3 is a multiple of 0.01 (float division says otherwise).
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "number"):
        return
    try:
        remainder = Decimal(str(instance)) % Decimal(str(step))
    except InvalidOperation:  # a value so large against the step that the quotient has no exact decimal
        remainder = None
    if remainder != 0:
        yield ValidationError(f"{instance} is not a multiple of {step}")


@lru_cache(maxsize=None)
def _strict_validator_class():
    """Draft 2020-12 with exact numbers. jsonschema (and referencing) are imported here, when a document is first
    worded by it: a valid document of plain values never needs them (validate_paths), and their import costs about
    as much as loading the repository from its cache."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(
        Draft202012Validator,
        validators={"multipleOf": _multiple_of},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", _is_number),
    )


@lru_cache(maxsize=None)
def _schemas(schema_dir: str) -> dict:
    out = {}
    for name in SCHEMA_NAMES:
        path = Path(schema_dir) / f"{name}.schema.json"
        if path.exists():
            out[name] = json.loads(path.read_text(encoding="utf-8"))
    return out


@lru_cache(maxsize=None)
def validator(schema_dir: str, name: str, fragment: str = ""):
    """A validator (jsonschema's Draft202012Validator, exact numbers) for schema `name`, or for the part of it at
    JSON pointer `fragment` (e.g. /$defs/case)."""
    from jsonschema import FormatChecker
    from referencing import Registry, Resource

    schemas = _schemas(schema_dir)
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    schema = schemas[name]
    if fragment:
        schema = {"$ref": f"{schema['$id']}#{fragment}"}
    return _strict_validator_class()(schema, registry=registry, format_checker=FormatChecker())


LABELS = "x-labels"  # beside an enum of a schema: code -> the words of the text, the first its Chinese label


def enum_choices(node: dict) -> str:
    """An enum's codes with the text's words beside them: `principal (正职, 主要负责人), deputy (副职, 负责人), …`."""
    labels = node.get(LABELS, {})
    return ", ".join(f"{c} ({', '.join(labels[c])})" if labels.get(c) else str(c) for c in node.get("enum", []))


def _field(path) -> str:
    parts = [p for p in path if not isinstance(p, int)]
    return str(parts[-1]) if parts else "the document"


def _type_name(t) -> str:
    names = {"integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
             "object": "a mapping of fields", "array": "a list", "null": "null"}
    if isinstance(t, list):
        return " or ".join(names.get(x, x) for x in t)
    return names.get(t, t)


def _show(value) -> str:
    if isinstance(value, str):
        # a short value is quoted (control characters escaped); a long one is only measured, so that a path to
        # some other file (a symlink to a system file) never gets that file's text echoed into an error
        return repr(shown(value)) if len(value) <= MAX_SHOWN_CHARS else f"text of {len(value)} characters"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def _deepest(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf, descend to the branch that got furthest, so the message names the real field."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
        if len(best.absolute_path) > len(error.absolute_path) or error.validator == "anyOf":
            return _deepest(best)
    return error


def describe(error: ValidationError) -> tuple[tuple, str, bool]:
    """Return (json path, plain message, point-at-key) for a validation error."""
    error = _deepest(error)
    path = tuple(error.absolute_path)
    v = error.validator
    field = _field(path)
    inst = error.instance
    if v == "additionalProperties" or v == "unevaluatedProperties":
        allowed = list(error.schema.get("properties", {}).keys())
        extras = [k for k in inst if k not in allowed] if isinstance(inst, dict) else []
        msgs = []
        for k in extras:
            near = difflib.get_close_matches(k, allowed, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; known fields: {', '.join(sorted(allowed))}"
            msgs.append((path + (k,), f"unknown field '{k}'{hint}"))
        if msgs:
            return msgs[0][0], msgs[0][1], True
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        where = f" in {json_path_text(path)}" if path else ""
        return path, f"missing required field '{missing}'{where}", bool(path)
    if v == "type":
        hint = ""
        if isinstance(inst, str) and inst in ("yes", "no", "on", "off", "y", "n", "Yes", "No", "ON", "OFF"):
            hint = " (YAML 1.2: write true or false)"
        return path, f"'{field}' must be {_type_name(error.validator_value)}, not {_show(inst)}{hint}", False
    if v == "enum":
        node = error.schema if isinstance(error.schema, dict) else {}
        allowed = [str(a) for a in error.validator_value]
        words = {w: c for c, ws in node.get(LABELS, {}).items() for w in ws}
        if str(inst) in words:  # a word left as written because its code is given beside it
            return path, f"'{field}' gives {_show(inst)} and its code '{words[str(inst)]}' both", False
        near = difflib.get_close_matches(str(inst), allowed + list(words), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return path, f"'{field}' has unknown value {_show(inst)}; allowed: {enum_choices(node)}{hint}", False
    if v == "propertyNames":
        return path, f"unknown name in '{field}': {error.message}", False
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                "exclusiveMaximum": "less than"}[v]
        return path, f"'{field}' is {_show(inst)}, out of range: it must be {word} {error.validator_value}", False
    if v == "format":
        return path, f"'{field}' is {_show(inst)}, not a real {error.validator_value} (YYYY-MM-DD)", False
    if v == "pattern":
        return path, f"'{field}' is {_show(inst)}, which does not have the expected form", False
    if v == "multipleOf":
        return path, f"'{field}' is {_show(inst)}: use at most two decimal places", False
    if v in ("minItems", "minLength"):
        return path, f"'{field}' is empty", False
    if v == "uniqueItems":
        return path, f"'{field}' lists the same item twice", False
    if v == "const":
        return path, f"'{field}' must be {_show(error.validator_value)}, not {_show(inst)}", False
    if v == "oneOf":
        return path, f"'{field}' does not match any of the accepted forms", False
    return path, f"'{field}': {error.message}", False


@lru_cache(maxsize=None)
def fast_validator(schema_dir: str, name: str, fragment: str = ""):
    """The same schema compiled by jsonschema-rs (about 170 times faster), used only to let a valid document of
    plain JSON values through at once; it says nothing about an invalid one (see validate_paths)."""
    schemas = _schemas(schema_dir)
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    schema = schemas[name]
    if fragment:
        schema = {"$ref": f"{schema['$id']}#{fragment}"}
    return jsonschema_rs.validator_for(schema, registry=registry, validate_formats=True)


_PLAIN_SCALARS = (str, bool, type(None))
_I64 = 2 ** 63  # jsonschema-rs's whole numbers; a larger one is left to jsonschema


def plain_json(value, depth: int = 0) -> bool:
    """Only mappings with text keys, lists, text, whole numbers, booleans and null: values both validators read
    alike. A Decimal or a float is not (jsonschema-rs takes 3.0 and Decimal('3.0') as integers, and does
    multipleOf in binary floating point), so a document holding one is validated by jsonschema alone."""
    if depth > 64:
        return False
    t = type(value)
    if t is dict:
        for k, v in value.items():  # a loop, not all() over a generator: this runs for every case of a file
            tv = type(v)
            if type(k) is not str or not (tv is str or tv is bool or v is None or (tv is int and -_I64 < v < _I64)
                                          or ((tv is dict or tv is list) and plain_json(v, depth + 1))):
                return False
        return True
    if t is list:
        return all(plain_json(v, depth + 1) for v in value)
    if t is int:
        return -_I64 < value < _I64
    return t in _PLAIN_SCALARS


def fast_valid(fast, instance) -> bool:
    try:
        return fast.is_valid(instance)
    except (ValueError, UnicodeError):  # e.g. text with a lone surrogate: jsonschema decides
        return False


def surely_valid(doc: Document, schema_dir, name: str, fragment: str = ""):
    """instance -> whether a value of `doc` is surely valid against the schema (a value of plain JSON that
    jsonschema-rs finds valid; False says nothing): validate_paths' first test, made once for many values of a
    document (a case file's cases: cases/files.Listed.read)."""
    fast = fast_validator(str(schema_dir), name, fragment)
    if getattr(doc, "plain", False):  # plain JSON throughout (load/json_cases.py)
        return functools.partial(fast_valid, fast)
    return lambda instance: plain_json(instance) and fast_valid(fast, instance)


def validate_paths(doc: Document, schema_dir: Path, name: str, at: tuple = (), fragment: str = "",
                   case: str | None = None) -> list[tuple[tuple, Problem]]:
    """Validate the value at json path `at` of a document: (json path, problem) pairs.

    A value of plain JSON that jsonschema-rs finds valid is valid; anything else (an invalid value, a Decimal) is
    validated by jsonschema with the strict number rules above, which words the problems. A document whose `plain`
    is true (a JSON case file read without a fraction: load/json_cases.py) is plain JSON throughout."""
    out = []
    instance = doc.data
    for key in at:
        instance = instance[key]
    if surely_valid(doc, schema_dir, name, fragment)(instance):
        return out
    v = validator(str(schema_dir), name, fragment)
    for error in sorted(v.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path, message, at_key = describe(error)
        path = tuple(at) + tuple(path)
        out.append((path, doc.problem(path, message, "schema", case=case, key=at_key)))
    return out


def validate(doc: Document, schema_dir: Path, name: str) -> list[Problem]:
    return [p for _, p in validate_paths(doc, schema_dir, name)]
