"""Write files so that readers see the old ones or all the new ones, never a mix.

Saving a tokenizer writes several files that only make sense together (the ranks, the
settings, ``tokenizer.json``). :func:`write_files_atomic` writes each to a temporary file
beside it first, then renames them all into place, and removes the files a save must not
leave behind (a ``tokenizer.json`` of an earlier save, say): a failure at any step (a full
disk, a rename that fails, an interrupt) leaves the folder as it was. A process killed
while renaming cannot undo anything: before the first rename, a journal in the folder
lists them all, and whoever next writes the folder or loads hf_bpe's files from it
(:func:`finish_interrupted_write`) completes them, so the folder holds the new files, all
of them (a reader that does not know the journal, such as stock transformers, may see the
mix until then). The journal names the files by their paths within its folder, so it
still holds when the folder is moved or copied, and it can change nothing outside the
folder (a journal in a downloaded folder could be anyone's). Writers of one folder take
turns (a lock on the folder), and files an earlier killed writer left (hidden
``.<name>.<hex>.tmp``/``.old``) are removed. A path that is a symbolic link is written
through: its target is replaced, the link stays. A path that is not a regular file
(``/dev/stdout``, a named pipe) is written into directly, as a stream.

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "stale.json").write_text("{}")
    2
    >>> _ = write_files_atomic({folder / "a.txt": b"new", folder / "stale.json": None})
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import shutil
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, TypeVar, Union

from .errors import MissingFileError, VocabFileError

__all__ = ["cleanup_new_folders", "finish_interrupted_write", "read_whole", "refuse_empty_path", "staging_folder", "write_atomic", "write_files_atomic"]

#: The journal of a write in progress: the renames and removals it makes, in its folder.
JOURNAL = ".hf_bpe-write-journal.json"

_T = TypeVar("_T")


def write_atomic(path: Union[str, os.PathLike[str]], data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one. What
    ``open(path, "wb")`` refuses is refused alike: a folder (``"out/"``, ``"."``: ``Path``
    would drop the slash and write a file ``out``) is an ``IsADirectoryError``, a link that
    leads to itself the ``OSError`` of a loop."""
    refuse_empty_path(path)
    text = os.fspath(path)
    if text.endswith(os.sep) or os.path.isdir(text):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), text)
    if os.path.islink(text) and not os.path.exists(text):  # a dangling link is written through
        try:
            os.stat(text)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), text) from None
    write_files_atomic({Path(path): data})


def refuse_empty_path(path: Union[str, os.PathLike[str]]) -> None:
    """A :class:`~hf_bpe.MissingFileError` (a FileNotFoundError, as stock transformers
    raises) for the path ``""``, more often an unset setting than a choice, which ``Path``
    takes for the current folder: a save there would replace its files and remove another
    tokenizer's."""
    if os.fspath(path) in ("", b""):
        raise MissingFileError("the path is an empty string, which names no folder or file (the current folder is '.')")


def write_files_atomic(
    files: Mapping[Path, Optional[bytes]], also_remove: Optional[Callable[[], Iterable[Path]]] = None
) -> list[Path]:
    """Write every file of ``files`` whose content is bytes and remove every one whose
    content is None, all together: each is written (and synced) to a temporary file first;
    then the old files are kept aside as hard links, the new ones renamed over them and the
    others removed; if any of that fails (a rename onto a folder, an interrupt), what was
    done is undone from the links. An error names the file asked for. The journal and the
    lock (see the module's text) belong to the folder of the first file. ``also_remove()``,
    asked under the lock (what another save left is then known), names more files to
    remove with them, unless ``files`` writes them; those that were there are returned."""
    if not files:
        return []
    folder = next(iter(files)).parent
    with _folder_lock(folder):
        finish_interrupted_write(folder, locked=True)
        more = also_remove() if also_remove is not None else ()
        removed = [path for path in more if files.get(path) is None and os.path.lexists(path)]
        files = {**files, **dict.fromkeys(removed)}
        _remove_leftovers(files, folder)
        _write_files(files, folder / JOURNAL)
    _THIS_THREAD.saves = _saves_in_this_thread() + 1
    return removed


def finish_interrupted_write(folder: Union[str, os.PathLike[str]], *, locked: bool = False) -> None:
    """Complete the renames and removals of a write that was killed midway in ``folder``
    (its journal says which; a temporary file already renamed is gone), remove the hidden
    links to the old files it kept aside, then drop the journal. Nothing to do, and cheap,
    where there is no journal. Raises ``OSError`` if the folder cannot be changed (a
    read-only copy of an interrupted save), :class:`~hf_bpe.VocabFileError` for a journal
    that this module did not write (one naming files outside the folder)."""
    journal = Path(folder) / JOURNAL
    if not os.path.lexists(journal):
        return
    if not locked:
        with _folder_lock(Path(folder)):
            finish_interrupted_write(folder, locked=True)
        return
    try:
        steps = _journal_steps(Path(folder), json.loads(_journal_bytes(journal))["steps"])
    except FileNotFoundError:  # finished by another process meanwhile
        if not os.path.lexists(journal):
            return
        raise VocabFileError(  # a link to nothing (an archive's, say): no journal hf_bpe wrote
            f"{journal} is the journal of an interrupted save, but a link to a file that is not there: "
            "the folder's files may come from two saves; remove the journal if they belong together"
        ) from None
    except (ValueError, KeyError, TypeError, RecursionError) as err:  # none that hf_bpe wrote (it writes one whole)
        raise VocabFileError(
            f"{journal} is the journal of an interrupted save, but not one that hf_bpe wrote ({err}): the "
            "folder's files may come from two saves; remove the journal if they belong together"
        ) from None
    for tmp, target in steps:
        if tmp is None:
            _remove(target)
        elif os.path.lexists(tmp):
            os.replace(tmp, target)
    _remove_leftovers({path: None for _, path in steps}, Path(folder))
    os.unlink(journal)


#: A journal is a few hundred bytes; one far larger is none that hf_bpe wrote.
_JOURNAL_LIMIT = 1 << 20


def read_file(path: Union[str, os.PathLike[str]], limit: Optional[int] = None) -> bytes:
    """The bytes of ``path``, a file of a tokenizer's folder (or the file a link there
    names), at most ``limit`` of them. A folder made elsewhere (a download, an archive) may
    hold links to a named pipe, which a read would wait on for good, or to a device
    (``/dev/zero``: read until memory ran out): either is a :class:`~hf_bpe.VocabFileError`;
    a missing file a :class:`~hf_bpe.MissingFileError`, a folder the ``IsADirectoryError``
    ``open`` raises. (A path given by the user, ``load_tiktoken_bpe("/dev/stdin")`` say, is
    read as tiktoken reads it.)

        >>> read_file("/dev/zero")
        Traceback (most recent call last):
        ...
        hf_bpe.errors.VocabFileError: /dev/zero is not a regular file (a device or a named pipe)
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # (a pipe opens without a writer)
    except FileNotFoundError:
        raise MissingFileError(f"{os.fsdecode(path)}: no such file") from None
    try:  # (checked on the descriptor, which is closed here if the file is refused)
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fsdecode(path))
        if not stat.S_ISREG(mode):
            raise VocabFileError(f"{os.fsdecode(path)} is not a regular file (a device or a named pipe)")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def _journal_bytes(journal: Path) -> bytes:
    """The journal's bytes; a ValueError for one that is no regular file or too large (a
    missing one: a MissingFileError, also a FileNotFoundError)."""
    data = read_file(journal, _JOURNAL_LIMIT + 1)
    if len(data) > _JOURNAL_LIMIT:
        raise ValueError("larger than any journal of a save")
    return data


def read_whole(folder: Union[str, os.PathLike[str]], read: Callable[[], _T], watched: Callable[[str], bool]) -> _T:
    """``read()``, which reads files of ``folder``, done again if a save changed the files
    meanwhile (those whose names ``watched`` takes): what it returns comes from one save's
    files, all of them (a load while another process re-saved the folder could read one
    save's ``tokenizer_config.json`` and the next one's vocabulary). A save that was killed
    midway is completed first (:func:`finish_interrupted_write`), so every loader reads the
    same, newest files; where the folder cannot be changed, a
    :class:`~hf_bpe.VocabFileError` saying so. Reads take no lock: a save never waits for
    them, and a save made while a load runs (in its own process, or in a child forked then)
    cannot wait for it. A save renames its files in microseconds; a folder saved over and
    over while it is read, the whole time, gives a VocabFileError after some attempts."""
    path = Path(folder)
    for attempt in range(_READ_ATTEMPTS):
        try:
            finish_interrupted_write(path)  # (a save renaming now holds the lock: waited for)
        except OSError as err:
            raise VocabFileError(
                f"{os.fspath(folder)} holds a save that was killed midway, which cannot be completed "
                f"here ({err}): save the tokenizer again, or load it where the folder can be written"
            ) from None
        before = _saved_state(path, watched)
        saved_here = _saves_in_this_thread()
        try:
            result = read()
        except Exception:
            if _saved_state(path, watched) == before:
                raise
        else:
            # (the code read() runs saved the folder itself, a class that saves as it loads:
            # what it read is what it wanted)
            if _saved_state(path, watched) == before or _saves_in_this_thread() != saved_here:
                return result
        time.sleep(min(0.001 * 2**attempt, 0.05))  # (another save came between the reads: once more)
    raise VocabFileError(
        f"{os.fspath(folder)}: its files changed each of the {_READ_ATTEMPTS} times they were read "
        "(another process keeps saving the tokenizer there): load it once the saves are done"
    )


#: How often :func:`read_whole` reads a folder that saves keep changing.
_READ_ATTEMPTS = 40
#: The saves made by each thread (:func:`write_files_atomic` counts them).
_THIS_THREAD = threading.local()


def _saves_in_this_thread() -> int:
    return int(getattr(_THIS_THREAD, "saves", 0))


def _saved_state(folder: Path, watched: Callable[[str], bool]) -> tuple[tuple[str, int, int, int, int], ...]:
    """What tells a folder's watched files (those of a watched folder in it too: the chat
    templates'; and a journal, a save renaming now) apart from the same files after a
    save, which renames new files into place (new inodes). A folder that cannot be listed
    counts as unchanged (read once)."""
    try:
        with os.scandir(folder) as entries:
            paths = [entry.path for entry in entries if entry.name == JOURNAL or watched(entry.name)]
    except OSError:  # (not to be listed)
        return ()
    for path in [p for p in paths if os.path.isdir(p)]:
        try:
            paths += [os.path.join(path, name) for name in os.listdir(path)]
        except OSError:
            continue
    state = []
    for path in paths:
        try:
            status = os.stat(path)  # (through a link: the Hub cache's files link to blobs)
        except OSError:  # gone meanwhile, or a link to nothing
            state.append((path, -1, -1, -1, -1))
            continue
        state.append((path, status.st_ino, status.st_dev, status.st_mtime_ns, status.st_size))
    return tuple(sorted(state))


def _journal_steps(folder: Path, steps: list[list[Optional[str]]]) -> list[tuple[Optional[Path], Path]]:
    """The journal's steps as paths: each ``[temporary file's name or None, path within
    the folder]`` (a path that is a link: its target is the file replaced, the temporary
    file lies beside that). A ValueError for anything a write of this module never
    journals: a path outside the folder, a temporary file of another name."""
    paths: list[tuple[Optional[Path], Path]] = []
    inside = os.path.realpath(folder)
    for tmp_name, relative in steps:
        if not isinstance(relative, str) or os.path.isabs(relative) or ".." in Path(relative).parts or not relative:
            raise ValueError(f"not a path within the folder: {relative!r}")
        for name in (relative, tmp_name):  # (a UnicodeEncodeError, a ValueError, for a name no file can have)
            if isinstance(name, str):
                os.fsencode(name)
        path = folder / relative
        # (through a link to a folder elsewhere, "sub/x" would be a file outside it: a
        # journal in a downloaded folder must not remove or replace that)
        where = os.path.realpath(path.parent)
        if where != inside and not where.startswith(inside.rstrip(os.sep) + os.sep):
            raise ValueError(f"not a path within the folder: {relative!r} (its folder is {where})")
        if tmp_name is None:
            paths.append((None, path))
            continue
        target = Path(os.path.realpath(path)) if os.path.islink(path) else path
        left = _LEFTOVER.fullmatch(tmp_name) if isinstance(tmp_name, str) else None
        if left is None or left.group(1) != target.name or not tmp_name.endswith(".tmp"):
            raise ValueError(f"not a temporary file of {relative!r}: {tmp_name!r}")
        paths.append((target.parent / tmp_name, target))
    return paths


def _write_files(files: Mapping[Path, Optional[bytes]], journal: Path) -> None:
    temps: dict[Path, Path] = {}
    kept: dict[Path, Optional[Path]] = {}  # each path changed so far -> its old file's link
    renamed: dict[Path, Path] = {}  # path asked for -> the file its temporary file replaces
    try:
        streams = {path: data for path, data in files.items() if data is not None and _is_stream(path)}
        for path, data in files.items():
            if data is None or path in streams:
                continue
            target = renamed[path] = Path(os.path.realpath(path)) if os.path.islink(path) else path
            tmp = temps[path] = _beside(target, "tmp")
            try:
                # O_EXCL: never reuse a file; mode 0o666 minus the umask, like open() does.
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as err:
                raise _naming(err, path) from None
        for path, data in streams.items():  # cannot be undone: written once every file is ready
            try:
                with open(path, "wb") as f:
                    f.write(data)
            except OSError as err:
                raise _naming(err, path) from None
        steps = [
            (None if data is None else temps[path].name, _within(journal.parent, path))
            for path, data in files.items()
            if path not in streams and (data is not None or os.path.lexists(path))
        ]
        if len(steps) > 1:  # (one rename is atomic by itself)
            _write_journal(journal, steps)
        for path, data in files.items():
            if path in streams or (data is None and not os.path.lexists(path)):
                continue
            target = renamed.get(path, path)
            kept[target] = _keep_aside(target)
            if data is None:
                os.unlink(target)
            else:
                os.replace(temps[path], target)
                del temps[path]
    except BaseException:
        # The journal first: this process undoes the renames, none is to be completed.
        undo: list[Callable[[], None]] = [functools.partial(_remove, journal)]
        undo += [functools.partial(_remove, tmp) for tmp in temps.values()]
        for path, old in kept.items():  # the old files back in place
            undo.append(functools.partial(_remove, path) if old is None else functools.partial(_put_back, old, path))
        _run_all(undo)
        raise
    _run_all([functools.partial(_remove, journal)] + [functools.partial(_remove, old) for old in kept.values() if old is not None])


def _within(folder: Path, path: Path) -> str:
    """``path``'s path within ``folder``, as the journal names it."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    if Path(relative).parts[:1] == (os.pardir,):
        raise ValueError(f"{path} is not in {folder}: one write changes the files of one folder")
    return relative


def _write_journal(journal: Path, steps: list[tuple[Optional[str], str]]) -> None:
    """The journal, whole or not at all (written beside, synced, renamed into place)."""
    tmp = _beside(journal, "tmp")
    with open(tmp, "wb") as f:
        f.write(json.dumps({"steps": steps}).encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, journal)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself: no lock file
    left behind); without ``fcntl`` (Windows) or where the folder cannot be opened, none.
    A child forked meanwhile does not keep it (see :func:`_close_locks_in_child`)."""
    try:
        import fcntl

        with _LOCKS_HELD_GUARD:
            fd = os.open(folder, os.O_RDONLY)
            _LOCKS_HELD.add(fd)
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (some network ones): none
            pass
        yield
    finally:
        with _LOCKS_HELD_GUARD:
            _LOCKS_HELD.discard(fd)
            os.close(fd)  # (releases the lock)


#: The descriptors of the folder locks this process holds, and what guards the set (a
#: fork waits for it, so a child never finds a descriptor half added or half closed).
_LOCKS_HELD: set[int] = set()
_LOCKS_HELD_GUARD = threading.Lock()


def _close_locks_in_child() -> None:
    """In a child forked while this process held folder locks: close its copies of their
    descriptors. A ``flock`` belongs to the open file, which fork shares: the child's copy
    kept the lock after the parent let it go, for the child's life (a pool of workers),
    and a save in the child waited for good on it. Closing (not unlocking) leaves the
    parent's lock as it is."""
    for fd in _LOCKS_HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _LOCKS_HELD.clear()
    _LOCKS_HELD_GUARD.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_LOCKS_HELD_GUARD.acquire, after_in_parent=_LOCKS_HELD_GUARD.release, after_in_child=_close_locks_in_child
    )


def _remove_leftovers(files: Mapping[Path, Optional[bytes]], journal_folder: Path) -> None:
    """Remove the temporary files and kept-aside links that a killed write of these files
    (or of the journal) left (called under the folder's lock, after the journal is done
    with: no live write of them has any)."""
    by_folder = _names_by_folder(files)
    by_folder.setdefault(journal_folder, set()).add(JOURNAL)
    for folder, names in by_folder.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            left = _LEFTOVER.fullmatch(entry)
            if left is not None and left.group(1) in names:
                _remove(folder / entry)


def _names_by_folder(files: Mapping[Path, Optional[bytes]]) -> dict[Path, set[str]]:
    by_folder: dict[Path, set[str]] = {}
    for path in files:
        target = Path(os.path.realpath(path)) if os.path.islink(path) else path
        by_folder.setdefault(target.parent, set()).add(target.name)
    return by_folder


#: What :func:`_beside` names a temporary file or a kept-aside link.
_LEFTOVER = re.compile(r"\.(.+)\.[0-9a-f]{32}\.(?:tmp|old)")


def _run_all(steps: Sequence[Callable[[], None]]) -> None:
    """Run every step, even if Ctrl-C comes meanwhile: the step it cut short runs again
    (each must be safe to run twice), and the KeyboardInterrupt is raised once all are
    done. Cut short, an undo would leave the folder mixing old files and new ones, a
    cleanup would leave the hidden links to the old files."""
    interrupt: Optional[KeyboardInterrupt] = None
    done = 0
    while done < len(steps):
        try:
            while done < len(steps):
                steps[done]()
                done += 1
        except KeyboardInterrupt as err:
            interrupt = err
    if interrupt is not None:
        raise interrupt


def _put_back(old: Path, path: Path) -> None:
    """The old file (its link, ``old``) at ``path`` again; the link gone either way (it is
    still there if ``path`` was not changed yet: a rename onto the same file does nothing)."""
    try:
        os.replace(old, path)
    except OSError:
        pass
    _remove(old)


@contextmanager
def cleanup_new_folders(path: Union[str, os.PathLike[str]]) -> Iterator[Path]:
    """If the block fails, remove the folders up to ``path`` that did not exist before it
    and are still empty, so a failed save leaves nothing behind::

        with cleanup_new_folders("out/tokenizer") as folder:
            folder.mkdir(parents=True, exist_ok=True)
            write_files_atomic({folder / "vocab.tiktoken": data})
    """
    folder = Path(path)
    missing = []  # deepest first
    here = folder.absolute()
    while not os.path.lexists(here) and here != here.parent:
        missing.append(here)
        here = here.parent
    try:
        yield folder
    except BaseException:
        for made in missing:
            try:
                made.rmdir()  # only if it exists and is empty
            except FileNotFoundError:
                continue
            except OSError:
                break
        raise


@contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """A new hidden folder to write a save of the folder ``target`` into before
    :func:`write_files_atomic` moves the files in: beside ``target`` (``.<name>.<random>
    .saving``), inside it where its parent cannot be written; removed at the end of the
    block. The ones a killed save left are removed by the next save of ``target`` once
    they are a quarter of an hour old (a save under way in another process writes into
    its own for a few seconds; a lock would not do: the save's own writes into it lock
    it)."""
    import tempfile

    places = ((target.parent, f".{target.name}."), (target, ".hf_bpe."))
    for where, prefix in places:
        _remove_dead_staging(where, prefix)
    try:
        staging = Path(tempfile.mkdtemp(prefix=places[0][1], suffix=".saving", dir=places[0][0]))
    except OSError:  # a parent this process may not write to
        staging = Path(tempfile.mkdtemp(prefix=places[1][1], suffix=".saving", dir=places[1][0]))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


#: A staging folder changed this recently may be a save under way.
_STAGING_GRACE_SECONDS = 15 * 60


def _remove_dead_staging(where: Path, prefix: str) -> None:
    """Remove the staging folders (:func:`staging_folder`) of a killed save in ``where``."""
    try:
        names = [name for name in os.listdir(where) if name.startswith(prefix) and name.endswith(".saving")]
    except OSError:
        return
    for name in names:
        path = where / name
        try:
            status = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(status.st_mode) and time.time() - status.st_mtime > _STAGING_GRACE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)


def _naming(err: OSError, path: Path) -> OSError:
    """``err`` again (same type and errno) with a message that names ``path``."""
    return type(err)(err.errno, f"cannot write {os.fspath(path)}: {err.strerror or err}")


def _is_stream(path: Path) -> bool:
    """Whether ``path`` (a link followed) is something other than a regular file or a
    folder: a device such as ``/dev/stdout``, a named pipe or a socket, which a rename
    would replace instead of writing to."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # missing (or a dangling link, written through as a new file)
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _beside(path: Path, kind: str) -> Path:
    """A new hidden name in ``path``'s folder."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.{kind}")


def _keep_aside(path: Path) -> Optional[Path]:
    """A hard link to the file at ``path`` (None if there is none), to put back on failure."""
    if not os.path.lexists(path):
        return None
    link = _beside(path, "old")
    try:
        os.link(path, link, follow_symlinks=False)
    except OSError:  # a file system without hard links: a copy does as well
        shutil.copyfile(path, link, follow_symlinks=False)
    return link


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
