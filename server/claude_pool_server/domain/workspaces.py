"""Workspaces: where a chain's steps and a slot's tasks run when they are isolated in git."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Isolated:
    """Where a chain's steps run, and what to remove afterwards."""

    working_dir: str
    root: str
    branch: str = ""
    repo: str = ""


def work_root_of(work_roots: tuple[str, ...], directory: str) -> str:
    """The configured work root holding `directory` (the first one when none does)."""
    roots = [os.path.realpath(r) for r in work_roots] or [os.path.realpath(".")]
    for root in roots:
        if directory == root or directory.startswith(root.rstrip(os.sep) + os.sep):
            return root
    return roots[0]
