"""A YAML composer without recursion, bounded on the event stream.

PyYAML's composers (libyaml's in C, and the pure-Python one) recurse once per nesting level: a document nested
about 25,000 levels deep (`[[[[…`, 50 KB) overflows the C stack and kills the process, and the Python one stops with
a RecursionError near 1,000. The parsers themselves are flat state machines. So the node graph is built here from
the parser's events with an explicit stack, and nesting depth, entries per collection and values per document are
counted as the events arrive: a document over a limit is refused at the event that crosses it, with its position,
before anything deeper is built. The nodes are PyYAML's own (yaml.nodes), so the rest of the loader is unchanged.
"""
from __future__ import annotations

import yaml
from yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent, StreamEndEvent)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import limits


class LimitError(Exception):
    """A document over one of the limits: (mark, message, code)."""

    def __init__(self, mark, message: str, code: str):
        super().__init__(message)
        self.mark, self.message, self.code = mark, message, code


def compose(loader) -> tuple[object, int]:
    """The single document of a PyYAML loader (a Parser and a Resolver) as a node graph, and how many distinct nodes
    it holds; (None, 0) for an empty stream. Raises yaml.YAMLError for bad YAML and LimitError over a limit."""
    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        loader.get_event()
        return None, 0
    loader.get_event()  # DocumentStart
    root, count = _document(loader)
    loader.get_event()  # DocumentEnd
    if not loader.check_event(StreamEndEvent):
        event = loader.get_event()
        raise yaml.composer.ComposerError("expected a single document in the stream", root.start_mark,
                                          "but found another document", event.start_mark)
    loader.get_event()
    return root, count


PLAIN = "?"  # the tag of a plain scalar: resolved later by the loader under YAML 1.2 core rules
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _document(loader) -> tuple[object, int]:
    anchors: dict = {}
    stack: list = []  # open collections: [node, pending key node or None]
    count = 0
    get = loader.get_event
    while True:
        event = get()
        cls = event.__class__
        if cls is ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                tag = PLAIN if event.implicit[0] else _STR
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        elif cls is SequenceEndEvent or cls is MappingEndEvent:
            node = stack.pop()[0]
            node.end_mark = event.end_mark
            if not stack:
                return node, count
            continue
        elif cls is SequenceStartEvent or cls is MappingStartEvent:
            tag = event.tag
            seq = cls is SequenceStartEvent
            if tag is None or tag == "!":
                tag = _SEQ if seq else _MAP
            node = (SequenceNode if seq else MappingNode)(tag, [], event.start_mark, None,
                                                          flow_style=event.flow_style)
        elif cls is AliasEvent:
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                                  event.start_mark)
            node = anchors[event.anchor]
        else:  # pragma: no cover - the parser gives no other event inside a document
            raise yaml.composer.ComposerError(None, None, f"unexpected event {event!r}", event.start_mark)
        if cls is not AliasEvent:
            count += 1
            if count > limits.MAX_NODES:
                raise LimitError(event.start_mark, f"the document holds more than {limits.MAX_NODES} values; "
                                 "refused", "too_large")
            if event.anchor is not None:
                if event.anchor in anchors:
                    raise yaml.composer.ComposerError(
                        f"found duplicate anchor {event.anchor!r}; first occurrence",
                        anchors[event.anchor].start_mark, "second occurrence", event.start_mark)
                anchors[event.anchor] = node
        if stack:
            top = stack[-1]
            parent = top[0]
            if parent.__class__ is SequenceNode:
                parent.value.append(node)
            elif top[1] is None:
                top[1] = node
            else:
                parent.value.append((top[1], node))
                top[1] = None
            if len(parent.value) > limits.MAX_ITEMS:
                raise LimitError(event.start_mark, f"a list or mapping of more than {limits.MAX_ITEMS} entries; "
                                 "refused", "too_large")
        if cls is SequenceStartEvent or cls is MappingStartEvent:
            if len(stack) >= limits.MAX_DEPTH:
                raise LimitError(event.start_mark, f"nesting deeper than {limits.MAX_DEPTH} levels; refused",
                                 "too_deep")
            stack.append([node, None])
        elif not stack:
            return node, count
