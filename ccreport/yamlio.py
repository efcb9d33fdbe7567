"""Strict, safe YAML reading for every user-authored file (config, mapping, strategy, narrative).

- Always a safe loader; aliases and anchors are refused outright (no alias bombs).
- Duplicate keys are an error, not last-wins.
- YAML 1.2 core scalars only: `NO`/`yes`/`on` stay strings, `0123` stays "0123", `1:30` stays
  "1:30", and dates stay strings (the schema parses them, with errors naming the key).
- Errors name the file and line; `line_of()` maps a key path to its line for schema errors.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, no aliases and no duplicate keys."""


# Start from no implicit resolvers and add back only the YAML 1.2 core schema.
StrictLoader.yaml_implicit_resolvers = {}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*))$"), list("-+0123456789")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?))$"),
    list("-+0123456789"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _no_alias(self: StrictLoader, *args: Any, **kwargs: Any) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, "anchors and aliases (&, *) are not allowed", self.peek_event().start_mark
    )


def _compose_node(self: StrictLoader, parent: Any, index: Any) -> Any:
    if self.check_event(yaml.AliasEvent):
        event = self.peek_event()
        raise yaml.composer.ComposerError(
            None, None, "anchors and aliases (&, *) are not allowed", event.start_mark
        )
    event = self.peek_event()
    if getattr(event, "anchor", None):
        raise yaml.composer.ComposerError(
            None, None, "anchors and aliases (&, *) are not allowed", event.start_mark
        )
    return yaml.composer.Composer.compose_node(self, parent, index)


def _construct_mapping(self: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = self.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict, set)):
            # `? [a, b] : 1` (a YAML complex key): no ccreport key is a list or a mapping, and
            # an unhashable key would otherwise fail outside the YAML error handling.
            kind = {list: "list", dict: "mapping", set: "set"}[type(key)]
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark,
                f"a {kind} used as a key; keys are plain names", key_node.start_mark,
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r} (first at line {seen[key].line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark
    return yaml.SafeLoader.construct_mapping(self, node, deep=deep)


StrictLoader.compose_node = _compose_node  # type: ignore[method-assign]
StrictLoader.construct_mapping = _construct_mapping  # type: ignore[method-assign]


class YamlDoc:
    """A parsed YAML document with a map from key paths to line numbers."""

    def __init__(self, data: Any, lines: dict[tuple, int], path: str) -> None:
        self.data = data
        self.lines = lines
        self.path = path

    def line_of(self, loc: tuple) -> int | None:
        """The line (1-based) of the deepest known prefix of `loc`."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return None


def _index_lines(node: Any, prefix: tuple, out: dict[tuple, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[prefix + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, prefix + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[prefix + (i,)] = item.start_mark.line + 1
            _index_lines(item, prefix + (i,), out)


def _yaml_error(path: str, err: Exception) -> ConfigError:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if "found character '\\t'" in str(err) or "\\t" in str(problem):
        problem = "a tab character; YAML indents with spaces only"
    where = f" line {mark.line + 1}" if mark is not None else ""
    return ConfigError(f"{path}{where}: {problem}. Fix the YAML and run again.")


def loads(text: str, path: str = "<string>") -> YamlDoc:
    """Parse YAML text strictly; raise ConfigError naming the file and line."""
    loader = None
    try:
        loader = StrictLoader(text)  # the reader checks the text here (a ReaderError)
        # One parse: the node tree gives the line numbers and is constructed into the data
        # (what yaml.compose and then yaml.load would do with two parses).
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        raise _yaml_error(path, err) from None
    except ValueError as err:  # e.g. a bad value a constructor rejects
        raise ConfigError(f"{path}: {err}. Fix the YAML and run again.") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ConfigError(f"{path}: the YAML is nested too deeply to be a ccreport file.") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlDoc(data, lines, path)


#: User-authored text files (config, mapping, strategy, narrative) larger than this are refused:
#: the biggest real one is a few hundred KB, and `/dev/zero` must not eat the memory.
MAX_TEXT_BYTES = 8 * 1024 * 1024


def read_text(path: str | Path, limit: int = MAX_TEXT_BYTES) -> str:
    """A user-authored text file (YAML, Markdown narrative) as UTF-8, BOM tolerated, with
    one-line errors naming the file. Only a regular file of at most `limit` bytes is read:
    a FIFO, a device or a folder is refused before anything is read from it."""
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever;
        # the type is then checked on the opened file itself (no swap between stat and open).
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found.") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a folder, not a file.") from None
    except OSError as err:
        raise ConfigError(f"{p}: cannot read ({err.strerror}).") from None
    except ValueError:  # a NUL in a path named by another file
        raise ConfigError(f"{p!r}: not a valid file name.") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(f"{p}: is a folder, not a file.")
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{p}: not a regular file (a pipe, socket or device); name a file.")
        if st.st_size > limit:
            raise ConfigError(f"{p}: {st.st_size:,} bytes, over the {limit:,}-byte limit for this file.")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            data = f.read(limit + 1)  # a file that grows while being read is still bounded
    except OSError as err:
        raise ConfigError(f"{p}: cannot read ({err.strerror or err}).") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise ConfigError(f"{p}: over the {limit:,}-byte limit for this file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text; save it as UTF-8 and run again.") from None


def load(path: str | Path) -> YamlDoc:
    """Read and parse a YAML file strictly."""
    return loads(read_text(path), str(path))


def pydantic_error(doc: YamlDoc, err: Any, what: str = "") -> ConfigError:
    """Turn a pydantic ValidationError into a one- or two-line ConfigError with file and line."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    dotted = ""
    for part in loc:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
    line = doc.line_of(loc)
    where = f"{doc.path} line {line}" if line else doc.path
    msg = first["msg"].removeprefix("Value error, ")
    if not loc and ": " in msg and msg.split(": ", 1)[0].replace(".", "").replace("_", "").isalnum():
        # A model-level check that names its own key path ("sla.P1.calendar: ...").
        dotted, msg = msg.split(": ", 1)
    if first["type"] == "extra_forbidden":
        msg = "unknown key; check its spelling against the documented keys"
    elif first["type"] == "missing":
        msg = "required key is missing"
    more = len(err.errors()) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
    key = dotted or what
    return ConfigError(f"{where}: {key + ': ' if key else ''}{msg}{tail}.")
