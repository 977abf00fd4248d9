"""Writing result files: atomically, and never over something that is not ours.

Every file rairlab writes follows these rules.

* **Atomic.** A write goes to a temporary file ``.NAME.XXXXXXXX.tmp`` in the
  target's folder and is renamed over ``NAME`` only once it is complete, so
  readers see the old file or the new one, never a torn one.
* **Only regular files are replaced.** A target that exists must be a regular
  file or a symbolic link to one (the link itself is replaced by the new file).
  A directory, device, FIFO, socket, or a link to one of those, is refused:
  `check_output_file` refuses it before any computation, and `atomic_open`
  checks again just before the rename and removes its temporary file instead.
* **Paths are checked before computing.** Every CLI command that writes calls
  `check_output_file` (a result file) or `check_output_dir` (a run directory)
  first, so a bad path fails in a second, not after the computation. Refused:
  an empty path; a path naming a directory; a folder component that is not a
  directory (``somefile/x.xml``); a name longer than the file system allows
  (``PC_NAME_MAX``, 255 bytes where unknown); a folder that cannot be written;
  anything under ``/proc``, ``/sys`` or ``/dev`` (virtual file systems, refused
  by name because root may "write" there); and, where a command says so, a
  file name without an accepted suffix.
* **Stale temporary files are removed.** A write killed between writing and
  renaming (SIGKILL, power loss) leaves its temporary file behind. Before
  writing ``NAME``, `atomic_open` removes the siblings ``.NAME.XXXXXXXX.tmp``
  that are regular files, owned by the current user and untouched for an hour
  (`STALE_TEMP_AGE_S`); a younger one may belong to a write in progress, and
  nothing else is ever removed.

Every refusal is an `InvalidValueError` whose one-line message quotes at most
about 80 characters of the path.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from rairlab.errors import InvalidValueError, MissingExtraError

__all__ = [
    "STALE_TEMP_AGE_S",
    "atomic_open",
    "check_output_dir",
    "check_output_file",
    "optional_import",
    "write_bytes",
    "write_json",
    "write_text",
]

#: Seconds after its last change that a temporary file of ours counts as stale.
STALE_TEMP_AGE_S = 3600.0

#: Virtual file systems: nothing rairlab computes is written there.
_VIRTUAL_ROOTS = ("/proc", "/sys", "/dev")
#: The random part of a `tempfile.mkstemp` name: 8 of these characters.
_TEMP_RANDOM = r"[a-z0-9_]{8}"
_TEMP_RANDOM_LEN = 8
_TEMP_SUFFIX = ".tmp"
_DEFAULT_NAME_MAX = 255
_DEFAULT_PATH_MAX = 4096
_SHOWN_MAX = 80


def _shown(path: str | os.PathLike[str], limit: int = _SHOWN_MAX) -> str:
    """`path` for a message: at most `limit` characters, the middle cut to '…'."""
    text = os.fspath(path)
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return f"{text[:head]}…{text[-(limit - 1 - head) :]}"


_KINDS = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    """What a file of mode `mode` is, for a message (``"a directory"``)."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _not_replaceable(path: str | os.PathLike[str]) -> str | None:
    """Why a new regular file may not be renamed over `path`, or None.

    None when `path` does not exist, is a regular file or is a symbolic link
    to one; otherwise what it is (``"a directory"``, ``"a symbolic link to a
    socket"``). Other `OSError` (a folder component that is a file, no
    permission) propagate.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(st.st_mode):
        return None
    if not stat.S_ISLNK(st.st_mode):
        return _kind(st.st_mode)
    try:
        st = os.stat(path)
    except OSError:
        return "a symbolic link to nothing (dangling or a loop)"
    return None if stat.S_ISREG(st.st_mode) else f"a symbolic link to {_kind(st.st_mode)}"


def _pathconf(folder: Path, name: str, default: int) -> int:
    try:
        value = int(os.pathconf(folder, name))
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or not known
        return default
    return value if value > 0 else default


def _missing(exc: OSError) -> bool:
    """Whether `exc` says the path does not exist (yet): absent, under a file, or a name too
    long to exist; the walk up to the nearest existing folder then names the cause."""
    return isinstance(exc, FileNotFoundError | NotADirectoryError) or (
        exc.errno == errno.ENAMETOOLONG
    )


def _why(exc: OSError) -> str:
    """The system's reason for `exc`, lower-case (``"permission denied"``)."""
    return (exc.strerror or type(exc).__name__).lower()


def _virtual_root(path: Path) -> str | None:
    """The virtual file system (``/proc``, ``/sys``, ``/dev``) that `path` is in, or None."""
    for candidate in {os.path.abspath(path), os.path.realpath(path)}:
        for root in _VIRTUAL_ROOTS:
            if candidate == root or candidate.startswith(root + "/"):
                return root
    return None


def _common_checks(path: str | os.PathLike[str], what: str) -> tuple[str, Path]:
    """The checks shared by files and directories; the path as text and as an absolute Path."""
    text = os.fspath(path)
    if not text:
        raise InvalidValueError(what, text, "a path, not an empty string")
    shown = _shown(text)
    if "\0" in text:
        raise InvalidValueError(what, shown, "a path without NUL characters")
    if len(os.fsencode(text)) >= _DEFAULT_PATH_MAX:
        raise InvalidValueError(what, shown, f"a path shorter than {_DEFAULT_PATH_MAX} bytes")
    # absolute() keeps '..' as written: the kernel, not the text, decides what it means
    absolute = Path(text).absolute()
    root = _virtual_root(absolute)
    if root is not None:
        raise InvalidValueError(
            what, shown, "a path outside /proc, /sys and /dev (virtual file systems)"
        )
    return shown, absolute


def _writable_ancestor(absolute: Path, what: str, shown: str) -> Path:
    """The nearest existing folder above `absolute`; refused unless a writable directory.

    The components below it (created by the write) must fit the file system's
    name length.
    """
    ancestor = absolute.parent
    while True:
        try:
            st = os.stat(ancestor)
        except OSError as exc:
            if not _missing(exc) or ancestor.parent == ancestor:
                raise InvalidValueError(
                    what, shown, f"a path in an accessible folder ({_why(exc)})"
                ) from None
            # a component further up may be a file: that one is found and named below
            ancestor = ancestor.parent
            continue
        break
    if not stat.S_ISDIR(st.st_mode):
        raise InvalidValueError(
            what,
            shown,
            f"a path whose folders are directories ({_shown(ancestor.name, 40)!r} is "
            f"{_kind(st.st_mode)})",
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidValueError(what, shown, "a path in a folder you can write to")
    name_max = _pathconf(ancestor, "PC_NAME_MAX", _DEFAULT_NAME_MAX)
    for part in absolute.relative_to(ancestor).parts:
        size = len(os.fsencode(part))
        if size > name_max:
            raise InvalidValueError(
                what,
                shown,
                f"file and folder names of at most {name_max} bytes (one has {size})",
            )
    return ancestor


def check_output_file(
    path: str | os.PathLike[str],
    what: str = "--out",
    suffixes: Sequence[str] | None = None,
) -> Path:
    """Check that a result file may be written at `path`, before computing it.

    Nothing is created or changed. The rules are those of this module's docstring.

    Parameters
    ----------
    path
        The file to write (replaced if it is a regular file).
    what
        The parameter's name as the user knows it, for the message (``"--plot"``).
    suffixes
        Accepted endings of the file name (``(".png", ".svg")``), case-insensitive;
        None accepts any.

    Returns
    -------
    Path
        `path` as a `Path`.

    Raises
    ------
    InvalidValueError
        If `path` cannot or must not be written.

    Examples
    --------
    >>> check_output_file("")
    Traceback (most recent call last):
    ...
    rairlab.errors.InvalidValueError: Invalid --out '': expected a path, not an empty string.
    """
    shown, absolute = _common_checks(path, what)
    text = os.fspath(path)
    if os.path.basename(text) in ("", ".", ".."):
        raise InvalidValueError(what, shown, "a file path, not a directory")
    if suffixes and not absolute.name.lower().endswith(tuple(s.lower() for s in suffixes)):
        raise InvalidValueError(what, shown, "a file name ending in " + " or ".join(suffixes))
    _writable_ancestor(absolute, what, shown)
    try:
        problem = _not_replaceable(absolute)
    except OSError as exc:
        raise InvalidValueError(what, shown, f"an accessible file path ({_why(exc)})") from None
    if problem is not None:
        raise InvalidValueError(what, shown, f"a regular file (or a new path), not {problem}")
    return Path(path)


def check_output_dir(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Check that a run directory may be created or written at `path`, before computing.

    An existing directory (or a link to one) must be writable; a new one must be
    creatable: its nearest existing folder a writable directory. Nothing is
    created. Whether an existing directory's contents may be reused is the
    command's own check (e.g. ``--resume``).

    Raises
    ------
    InvalidValueError
        If `path` cannot or must not be used as a run directory.

    Examples
    --------
    >>> from rairlab.errors import InvalidValueError
    >>> try:
    ...     check_output_dir("/sys/run", "--out")
    ... except InvalidValueError as exc:
    ...     print(exc.accepted)
    a path outside /proc, /sys and /dev (virtual file systems)
    """
    shown, absolute = _common_checks(path, what)
    try:
        st = os.stat(absolute)
    except OSError as exc:
        if not _missing(exc):
            raise InvalidValueError(what, shown, f"an accessible directory ({_why(exc)})") from None
        if os.path.lexists(absolute):  # a link to nothing: creating the directory would fail
            raise InvalidValueError(
                what, shown, "a directory (or a new path), not a symbolic link to nothing"
            ) from None
        _writable_ancestor(absolute, what, shown)
        return Path(path)
    if not stat.S_ISDIR(st.st_mode):
        raise InvalidValueError(
            what, shown, f"a directory (or a new path), not {_kind(st.st_mode)}"
        )
    if not os.access(absolute, os.W_OK | os.X_OK):
        raise InvalidValueError(what, shown, "a directory you can write to")
    return Path(path)


def _temp_prefix(name: str, name_max: int) -> str:
    """``.NAME.``, `name` shortened so that the whole temporary name fits `name_max` bytes."""
    budget = max(1, name_max - 2 - _TEMP_RANDOM_LEN - len(_TEMP_SUFFIX))
    while len(os.fsencode(name)) > budget:
        name = name[:-1]
    return f".{name}."


def _remove_stale_temps(folder: Path, prefix: str) -> None:
    """Remove our stale temporary files ``{prefix}XXXXXXXX.tmp`` in `folder`.

    Only regular files owned by the current user and unchanged for
    `STALE_TEMP_AGE_S` seconds; errors are ignored (the write goes on).
    """
    pattern = re.compile(re.escape(prefix) + _TEMP_RANDOM + re.escape(_TEMP_SUFFIX))
    now = time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (
            stat.S_ISREG(st.st_mode)
            and (uid is None or st.st_uid == uid)
            and now - st.st_mtime >= STALE_TEMP_AGE_S
        ):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _refuse_if_not_replaceable(target: Path) -> None:
    problem = _not_replaceable(target)
    if problem is not None:
        raise InvalidValueError(
            "output file", _shown(target), f"a regular file (or a new path), not {problem}"
        )


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file that replaces `path` when the block ends without error.

    The temporary file ``.NAME.XXXXXXXX.tmp`` lies in the target's folder;
    stale ones of earlier, killed writes of the same target are removed first
    (see the module docstring).

    Parameters
    ----------
    path
        The final file. Its folder is created if missing.
    mode
        ``"w"`` (text, UTF-8) or ``"wb"``.

    Raises
    ------
    InvalidValueError
        If `path` exists and is not a regular file or a link to one (a
        directory, device, FIFO, socket): checked when opening and again just
        before the rename; the temporary file is removed and `path` untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    _refuse_if_not_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = _temp_prefix(target.name, _pathconf(target.parent, "PC_NAME_MAX", _DEFAULT_NAME_MAX))
    _remove_stale_temps(target.parent, prefix)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_TEMP_SUFFIX, dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            # mkstemp creates the file 0600; a user's result gets the usual umask-based mode
            os.chmod(tmp, 0o666 & ~_umask())
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # again, just before the rename: the target may have changed while we wrote
        _refuse_if_not_replaceable(target)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` to `path` atomically and return the path."""
    with atomic_open(path, "w") as fh:
        fh.write(text)
    return Path(path)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically and return the path."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write `obj` as indented JSON to `path` atomically and return the path."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def optional_import(module: str, extra: str) -> ModuleType:
    """Import an optional dependency or raise `MissingExtraError` naming the extra.

    Examples
    --------
    >>> optional_import("json", "dev").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra) from exc
