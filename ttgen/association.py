"""A spec is recognisable by its schema association: the `# yaml-language-server: $schema=...` comment that
editors read (VS Code's YAML extension, yaml-language-server in Neovim) and that names kernel.schema.json.

Only the first lines of a file are read, so YAML that is not a spec (a CI workflow, a pre-commit config) is never
parsed."""

from __future__ import annotations

import re
from pathlib import Path

from .paths import SCHEMA_FILE

HEAD_LINES = 5  # the association must be a comment among the first lines, before any YAML content
_ASSOCIATION = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


def association(path: Path) -> str | None:
    """The `$schema=` target of a file's yaml-language-server comment, or None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            for _, line in zip(range(HEAD_LINES), file):
                found = _ASSOCIATION.match(line.strip())
                if found:
                    return found.group(1)
                if line.strip() and not line.lstrip().startswith("#"):
                    return None
    except OSError:
        return None
    return None


def is_spec(path: Path) -> bool:
    """Whether a file declares itself a ttgen spec: its association names kernel.schema.json."""
    target = association(path)
    return target is not None and target.rstrip("/").rsplit("/", 1)[-1] == SCHEMA_FILE.name
