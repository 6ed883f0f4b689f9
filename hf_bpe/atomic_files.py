"""Write files so that readers see the old ones or all the new ones, never a mix.

Saving a tokenizer writes several files that only make sense together (the ranks, the
settings, ``tokenizer.json``). :func:`write_files_atomic` writes each to a temporary file
beside it first, then renames them all into place, and removes the files a save must not
leave behind (a ``tokenizer.json`` of an earlier save, say): a failure while writing (a full
disk, an interrupt) leaves the folder as it was.

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "stale.json").write_text("{}")
    2
    >>> write_files_atomic({folder / "a.txt": b"new", folder / "stale.json": None})
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Optional, Union

__all__ = ["write_atomic", "write_files_atomic"]


def write_atomic(path: Union[str, os.PathLike[str]], data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one."""
    write_files_atomic({Path(path): data})


def write_files_atomic(files: Mapping[Path, Optional[bytes]]) -> None:
    """Write every file of ``files`` whose content is bytes and remove every one whose
    content is None, all together: each is written (and synced) to a temporary file first,
    then all are renamed over the old ones, then the others removed. An error names the
    file asked for."""
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            if data is None:
                continue
            tmp = temps[path] = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            try:
                # O_EXCL: never reuse a file; mode 0o666 minus the umask, like open() does.
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as err:
                raise type(err)(err.errno, f"cannot write {os.fspath(path)}: {err.strerror or err}") from None
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps.values():
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise
    for path, data in files.items():
        if data is None:
            path.unlink(missing_ok=True)
