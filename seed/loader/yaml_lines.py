"""Reading YAML with line numbers, so every error can name the line."""

from __future__ import annotations

from typing import Any

import yaml


class LineMapping(dict):
    """A YAML mapping that remembers where it and each of its keys stand in the file."""

    line: int = 0
    key_lines: dict
    raw: dict  # the scalar text as written, e.g. 05766004 before YAML made a number of it
    duplicate_keys: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMapping:
    loader.flatten_mapping(node)
    mapping = LineMapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.raw = {}
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            key = str(key)
        value = loader.construct_object(value_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = value
        mapping.key_lines[key] = line
        if isinstance(value_node, yaml.ScalarNode):
            mapping.raw[key] = value_node.value
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_lines(text: str) -> tuple[Any, list[int]]:
    """The document, and for a top-level list the line on which each entry starts."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines = (
        [n.start_mark.line + 1 for n in node.value] if isinstance(node, yaml.SequenceNode) else []
    )
    return data, lines
