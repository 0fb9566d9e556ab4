"""Where a task's CLI and its tools run: the sandbox a process is started in.

`bwrap` (bubblewrap, the default when it is installed): the CLI runs in its own mount, PID, IPC
and UTS namespaces with every capability dropped. It sees the system's programs read-only
(/usr, a few files of /etc, the CLI itself), a private /tmp and /proc, and exactly three
writable places: the task's working directory (with its git common directory when the working
directory is a worktree), and the process's own home and CLI config directory. It does not see
the server's files (state directory, database, tokens, TLS keys, other tasks' directories) nor
its environment (only an allow-list of variables reaches it, and with the API gateway the API key
is a per-process key that is worthless elsewhere). When the server dies, even by SIGKILL, the
kernel kills everything in the sandbox (`--die-with-parent` and the PID namespace).

`none`: the CLI runs as the server's user with its filesystem. The environment is still cut to
the allow-list, and the CLI dies with the server (a parent-death signal); tool processes that
outlive a killed server are reaped by the next server that starts (process_tree.py).

What neither stops: network access (a task can reach the network and loopback services such as
the pool's own gRPC port, which still needs a token), CPU and memory use, and anything the
allowed working directory itself holds. See SECURITY.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

# Always kept from the server's environment (the rest is removed before the CLI starts).
BASE_ENV = ("PATH", "LANG", "LANGUAGE", "TERM", "TZ", "NO_PROXY", "no_proxy")
KEPT_PREFIXES = ("LC_",)
# Kept only when the CLI talks to its provider itself (no gateway): the provider credentials.
PROVIDER_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "AWS_", "GOOGLE_", "CLOUD_ML_", "VERTEX_")

# What of /etc a CLI and ordinary tools need; never the whole of it (keys, shadow files).
ETC_FILES = (
    "passwd", "group", "hosts", "resolv.conf", "nsswitch.conf", "host.conf", "ssl",
    "ca-certificates", "ca-certificates.conf", "alternatives", "localtime", "timezone",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "mime.types", "gitconfig", "os-release",
    "debian_version", "bash.bashrc", "profile", "inputrc", "terminfo", "protocols", "services",
)  # fmt: skip
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt")


def scrubbed_env(environ: Iterable[str], keep: set[str], provider: bool) -> list[str]:
    """The variables of the server's environment to remove before the CLI starts."""
    prefixes = KEPT_PREFIXES + (PROVIDER_PREFIXES if provider else ())
    return sorted(
        name
        for name in environ
        if name not in keep and name not in BASE_ENV and not name.startswith(prefixes)
    )


def git_common_dir(directory: str) -> str | None:
    """The shared `.git` directory of the worktree holding `directory`, if it is one."""
    path = Path(directory)
    for candidate in (path, *path.parents):
        marker = candidate / ".git"
        if marker.is_dir():
            return None  # an ordinary repository: its .git is inside the directory tree
        if marker.is_file():
            text = marker.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                gitdir = (candidate / text.removeprefix("gitdir:").strip()).resolve()
                common = gitdir.parent.parent if gitdir.parent.name == "worktrees" else gitdir
                return str(common)
            return None
    return None


class Sandbox(Protocol):
    name: str

    def wrap(
        self,
        command: list[str],
        *,
        cwd: str,
        writable: list[str],
        keep_env: set[str],
        provider_env: bool,
    ) -> list[str]:
        """The command line that starts `command` inside the sandbox."""
        ...


class NoSandbox:
    name = "none"

    def __init__(self) -> None:
        self._setpriv = shutil.which("setpriv")

    def wrap(
        self,
        command: list[str],
        *,
        cwd: str,
        writable: list[str],
        keep_env: set[str],
        provider_env: bool,
    ) -> list[str]:
        prefix: list[str] = []
        if self._setpriv:
            prefix = [self._setpriv, "--pdeathsig", "KILL", "--"]
        unset = [arg for name in scrubbed_env(os.environ, keep_env, provider_env)
                 for arg in ("-u", name)]  # fmt: skip
        return [*prefix, "env", *unset, *command]


class Bubblewrap:
    name = "bwrap"

    def __init__(self, executable: str, readable: Iterable[str] = ()) -> None:
        self.executable = executable
        self.readable = [os.path.realpath(p) for p in readable]

    @staticmethod
    def find() -> str | None:
        return shutil.which("bwrap")

    def wrap(
        self,
        command: list[str],
        *,
        cwd: str,
        writable: list[str],
        keep_env: set[str],
        provider_env: bool,
    ) -> list[str]:
        args = [
            self.executable,
            "--die-with-parent",
            "--new-session",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop",
            "ALL",
        ]
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for name in ETC_FILES:
            path = os.path.join("/etc", name)
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]
        for path in self.readable:
            args += ["--ro-bind", path, path]
        places = [cwd, *writable]
        common = git_common_dir(cwd)
        if common is not None:
            places.append(common)
        for path in places:
            args += ["--bind", path, path]
        args += ["--chdir", cwd]
        for name in scrubbed_env(os.environ, keep_env, provider_env):
            args += ["--unsetenv", name]
        return [*args, "--", *command]


def choose(kind: str, readable: Iterable[str]) -> Sandbox:
    """`auto`: bubblewrap when installed, else none (with a warning from the caller)."""
    if kind == "none":
        return NoSandbox()
    executable = Bubblewrap.find()
    if executable is None:
        if kind == "bwrap":
            raise FileNotFoundError(
                "bwrap (bubblewrap) not found: install it (e.g. apt-get install bubblewrap) "
                "or start with --sandbox none"
            )
        return NoSandbox()
    return Bubblewrap(executable, readable)
