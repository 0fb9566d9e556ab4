"""Session transcripts: the CLI's session files, read after a turn and written back to resume.

The CLI keeps a session as JSON lines in `$CLAUDE_CONFIG_DIR/projects/<cwd>/<session>.jsonl`
(CLAUDE-CLI-NOTES.md §3). After a successful turn the driver reads the lines the turn added
(complete lines only, from where the last turn ended), leaves out the request logs the CLI
writes beside the conversation (`api-request*`: about a third of the file, never read on
resume), and compresses them: that chunk is what the store keeps. To continue the session
elsewhere, the chunks are written back as a session file in a fresh config directory and the
CLI is started with `--resume`. Measured with the bundled CLI: a trivial turn writes about 170 KB
of which about 110 KB remain after filtering, and a few KB after compression.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

DROPPED_TYPES = frozenset({"api-request", "api-request-blob", "api-request-shape"})
_TYPE = re.compile(rb'"type"\s*:\s*"([^"]+)"')


def project_dir_name(cwd: str) -> str:
    """The CLI's folder name for a working directory: every other character becomes `-`."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def session_file(config_dir: str, session_id: str) -> Path | None:
    projects = Path(config_dir) / "projects"
    if not projects.is_dir():
        return None
    found = sorted(projects.glob(f"*/{session_id}.jsonl"))
    return found[0] if found else None


def _kept(line: bytes) -> bool:
    match = _TYPE.search(line[:200])
    if match is not None and match.group(1).decode() in DROPPED_TYPES:
        return False
    try:
        entry = json.loads(line)
    except ValueError:
        return False  # a torn line (the CLI was killed mid-write): never stored
    return not (isinstance(entry, dict) and entry.get("type") in DROPPED_TYPES)


def read_turn(config_dir: str, session_id: str, offset: int) -> tuple[bytes, int]:
    """(the compressed chunk of lines written since `offset`, the new offset)."""
    path = session_file(config_dir, session_id)
    if path is None:
        return b"", offset
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n")
    if end < 0:
        return b"", offset
    complete = data[: end + 1]
    lines = [line for line in complete.splitlines() if line.strip() and _kept(line)]
    chunk = zlib.compress(b"".join(line + b"\n" for line in lines), 6) if lines else b""
    return chunk, offset + len(complete)


def materialize(config_dir: str, cwd: str, session_id: str, chunks: list[bytes]) -> int:
    """Write a stored session back as a session file the CLI can resume; returns its size."""
    folder = Path(config_dir) / "projects" / project_dir_name(cwd)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session_id}.jsonl"
    data = b"".join(zlib.decompress(chunk) for chunk in chunks if chunk)
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)


def remove(config_dir: str, session_id: str) -> None:
    """Drop a session's file from a process's config directory once it is stored elsewhere."""
    path = session_file(config_dir, session_id)
    if path is not None:
        path.unlink(missing_ok=True)
