"""The vocabulary-file cache behind the named encodings: find, verify, download.

Every file a named encoding needs is known here by its official file name, its official
URL and its sha256. :func:`fetch` returns the path of a verified copy, looking in this
order:

1. the hf_bpe cache directory, where each file sits under its official name
   (``cl100k_base.tiktoken``, ``encoder.json``, ``vocab.bpe``, ...), so that a user
   behind a firewall can simply drop the files in;
2. tiktoken's own cache (``TIKTOKEN_CACHE_DIR``, else ``DATA_GYM_CACHE_DIR``, else
   tiktoken's default ``<tempdir>/data-gym-cache``), where tiktoken keeps each file under
   the sha1 hex digest of its URL; such a file is used in place, not copied;
3. a download from the official URL (or from a mirror, see ``HF_BPE_DOWNLOAD_URL``) into
   the hf_bpe cache directory.

The sha256 is checked on every call, for cached files as well as downloads. A download
streams into a hidden temporary file in the cache directory and is moved into place with
:func:`os.replace` only once its length and sha256 are right, so the cache never holds a
half-written or wrong file under an official name. A cached file with the wrong sha256 is
downloaded again (or reported, when offline).

Environment variables (all read at call time, never at import time):

``HF_BPE_CACHE_DIR``
    The cache directory. Default: ``$XDG_CACHE_HOME/hf_bpe`` when ``XDG_CACHE_HOME`` is
    set to an absolute path, else ``~/.cache/hf_bpe``. Its ``parsed/`` folder keeps the
    parsed ranks of verified vocabulary files (see :func:`hf_bpe.vocab_files.load_kept`),
    its ``merges/`` folder the merges derived for the last 16 vocabularies saved or
    loaded as ``tokenizer.json`` (see :func:`hf_bpe.hf_vocab.merge_parts`).
``HF_BPE_OFFLINE``
    ``1`` (or ``true``/``yes``/``on``) forbids downloads: a missing file raises
    :class:`~hf_bpe.errors.OfflineError` saying which file to put where and where to get it.
    When it is not set, Hugging Face's ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` does
    the same (``HF_BPE_OFFLINE=0`` allows downloads whatever they say).
``HF_BPE_DOWNLOAD_URL``
    A mirror: this base URL replaces ``https://openaipublic.blob.core.windows.net/`` in
    every official URL (``http://mirror.local/openai/`` fetches
    ``http://mirror.local/openai/encodings/cl100k_base.tiktoken``). ``file://`` URLs work;
    a query (``?sig=...``) is kept after the file's path; ``https://user:password@host/``
    sends Basic authentication to that host (not to one a redirect names) and is shown
    without the password.
``HF_BPE_DOWNLOAD_TIMEOUT``
    Seconds to wait for the server on connect and on each read (default 60).
``TIKTOKEN_CACHE_DIR``, ``DATA_GYM_CACHE_DIR``
    tiktoken's cache, read (never written) as described above. An empty value disables it,
    as in tiktoken.

Standard proxy variables (``https_proxy``, ``no_proxy``, ...) apply to downloads.

Example: offline, with an empty cache, a missing file is an error that says what to do::

    >>> import os, tempfile
    >>> from unittest import mock
    >>> from hf_bpe.download import VOCAB_FILES, fetch
    >>> VOCAB_FILES["cl100k_base.tiktoken"].url
    'https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken'
    >>> settings = {"HF_BPE_CACHE_DIR": tempfile.mkdtemp(), "HF_BPE_OFFLINE": "1",
    ...             "TIKTOKEN_CACHE_DIR": ""}
    >>> with mock.patch.dict(os.environ, settings):
    ...     try:
    ...         fetch("cl100k_base.tiktoken")
    ...     except OSError as err:          # hf_bpe.OfflineError
    ...         print(type(err).__name__, str(err)[:60])
    OfflineError cl100k_base.tiktoken is not in the hf_bpe cache and HF_BPE_O
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from .errors import DownloadError, HashMismatchError, OfflineError, UnknownEncodingError

if TYPE_CHECKING:  # pragma: no cover
    import urllib.request

logger = logging.getLogger("hf_bpe")

OFFICIAL_BASE_URL = "https://openaipublic.blob.core.windows.net/"
DEFAULT_TIMEOUT = 60.0
#: The longest timeout accepted (a day; far longer ones overflow the socket's clock).
MAX_TIMEOUT = 86400.0
#: Where the file system has no locks, a download's ``.part`` file untouched this long was
#: left by a killed process.
STALE_PART_SECONDS = 3600
_CHUNK = 1 << 16
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class VocabFile:
    """One official vocabulary file: its name, its place under the base URL, its sha256
    and its size in bytes (a file or a download of another size is not read to the end).

    >>> f = VOCAB_FILES["vocab.bpe"]
    >>> f.url_path
    'gpt-2/encodings/main/vocab.bpe'
    >>> f.tiktoken_cache_key      # sha1 of the official URL, tiktoken's cache file name
    '6d1cbeee0f20b3d9449abfede4726ed8212e3aee'
    """

    filename: str
    url_path: str
    sha256: str
    size: int

    @property
    def url(self) -> str:
        """The official download URL."""
        return OFFICIAL_BASE_URL + self.url_path

    @property
    def tiktoken_cache_key(self) -> str:
        """The name tiktoken gives this file in its cache: sha1 hex of the official URL."""
        return hashlib.sha1(self.url.encode()).hexdigest()


_FILES = (
    VocabFile(
        "r50k_base.tiktoken",
        "encodings/r50k_base.tiktoken",
        "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
        835_554,
    ),
    VocabFile(
        "p50k_base.tiktoken",
        "encodings/p50k_base.tiktoken",
        "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        836_186,
    ),
    VocabFile(
        "cl100k_base.tiktoken",
        "encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        1_681_126,
    ),
    VocabFile(
        "o200k_base.tiktoken",
        "encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        3_613_922,
    ),
    VocabFile(
        "encoder.json",
        "gpt-2/encodings/main/encoder.json",
        "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
        1_042_301,
    ),
    VocabFile(
        "vocab.bpe",
        "gpt-2/encodings/main/vocab.bpe",
        "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        456_318,
    ),
)

#: Every file the named encodings use, by official file name.
VOCAB_FILES: Mapping[str, VocabFile] = MappingProxyType({f.filename: f for f in _FILES})


def cache_dir() -> Path:
    """The hf_bpe cache directory (``HF_BPE_CACHE_DIR`` or the default); not created here.
    Without a home directory (and neither variable set) a :class:`DownloadError`."""
    configured = os.environ.get("HF_BPE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = Path(os.environ.get("XDG_CACHE_HOME") or ".").expanduser()
    if xdg.is_absolute():  # the XDG base directory spec: a relative path is to be ignored
        return xdg / "hf_bpe"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry (a container run with --user N)
        raise _CacheError(
            "no home directory to hold the hf_bpe cache (HOME is unset and the user has no "
            "passwd entry): set HF_BPE_CACHE_DIR to a writable directory"
        ) from None
    return home / ".cache" / "hf_bpe"


def is_offline() -> bool:
    """True when ``HF_BPE_OFFLINE`` forbids downloads (or, if it is not set, Hugging Face's
    ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``)."""
    return offline_switch() is not None


def offline_switch() -> str | None:
    """The variable that forbids downloads, if one does: the first one set of
    ``HF_BPE_OFFLINE``, ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` decides (``1``,
    ``true``, ``yes``, ``on`` forbid; any other value, ``0`` say, allows them)."""
    for name in ("HF_BPE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return name if value in _TRUE else None
    return None


def download_url(vfile: VocabFile) -> str:
    """Where ``vfile`` is downloaded from: the official URL, or the mirror's (its path
    joined with the file's, its query kept, a ``user:password@`` left out: see
    :func:`download_authorization`)."""
    mirror = _mirror()
    if mirror is None:
        return vfile.url
    base = mirror.path if mirror.path.endswith("/") else mirror.path + "/"
    return urlunsplit(mirror._replace(netloc=_netloc_host(mirror), path=base + vfile.url_path, fragment=""))


def download_authorization() -> str | None:
    """The ``Authorization`` header for the mirror's ``user:password@``, if it has one
    (Basic, as a browser sends it; never sent on to where a redirect points)."""
    mirror = _mirror()
    if mirror is None or (mirror.username is None and mirror.password is None):
        return None
    import base64

    user, password = unquote(mirror.username or ""), unquote(mirror.password or "")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _mirror() -> SplitResult | None:
    """``HF_BPE_DOWNLOAD_URL``, split, or None when it is not set."""
    mirror = os.environ.get("HF_BPE_DOWNLOAD_URL", "").strip()
    if not mirror:
        return None
    scheme, colon, _ = mirror.partition(":")
    if not colon or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]+", scheme):  # (not C:\ either) urllib: "unknown url type"
        raise _SettingError(
            f"HF_BPE_DOWNLOAD_URL must be a URL (https://host/path/ or, for a folder, file:///path/), "
            f"got {_shown(mirror)!r}"
        )
    try:
        parts = urlsplit(mirror)
        parts.port  # (a ValueError for a port that is no number)
    except ValueError as err:  # "Invalid IPv6 URL", "Port could not be cast to integer value as 'x'"
        raise _SettingError(f"HF_BPE_DOWNLOAD_URL is not a valid URL ({err}): {_shown(mirror)!r}") from None
    return parts


def _netloc_host(parts: SplitResult) -> str:
    """The ``host[:port]`` of ``parts``, without the ``user:password@`` before it."""
    return parts.netloc.rpartition("@")[2]


def _shown(url: str) -> str:
    """``url`` as a message may show it: a password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:  # no host to tell from its password: show neither
        return "<an invalid URL>" if "@" in url else url
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{_netloc_host(parts)}"))


def download_timeout() -> float:
    """Seconds to wait for the server (``HF_BPE_DOWNLOAD_TIMEOUT``, default 60)."""
    raw = os.environ.get("HF_BPE_DOWNLOAD_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:
        raise _SettingError(
            f"HF_BPE_DOWNLOAD_TIMEOUT must be a positive number of seconds up to "
            f"{MAX_TIMEOUT:.0f}, got {raw!r}"
        )
    return value


def tiktoken_cache_dirs() -> list[Path]:
    """tiktoken's cache directory as tiktoken itself would choose it (or none)."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            value = os.environ[var]
            return [Path(value)] if value else []  # (as tiktoken: a "~" is a folder's name)
    return [Path(tempfile.gettempdir()) / "data-gym-cache"]


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file's contents."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _damage(path: Path, vfile: VocabFile) -> str | None:
    """None if ``path`` holds the official ``vfile``, else what differs: its size (a file
    of another size is not read: it cannot be the official one) or its sha256."""
    size = path.stat().st_size
    if size != vfile.size:
        return f"it has {size} bytes, the official file {vfile.size}"
    digest = sha256_of(path)
    return None if digest == vfile.sha256 else f"its sha256 is {digest}"


def _lookup(filename: str) -> VocabFile:
    try:
        return VOCAB_FILES[filename]
    except KeyError:
        known = ", ".join(VOCAB_FILES)
        raise UnknownEncodingError(
            f"{filename!r} is not a known vocabulary file (known: {known})"
        ) from None


def _in_tiktoken_cache(vfile: VocabFile, damaged: list[str] | None = None) -> Path | None:
    """A verified copy of ``vfile`` in tiktoken's cache, if there is one; copies that are not
    the official file are noted in ``damaged`` (for the error, if there is one)."""
    for directory in tiktoken_cache_dirs():
        candidate = directory / vfile.tiktoken_cache_key
        try:
            if not candidate.is_file():
                continue
            damage = _damage(candidate, vfile)
        except OSError:
            continue  # tiktoken's cache is only a bonus: unreadable means absent
        if damage is None:
            logger.debug("%s: verified copy in tiktoken's cache, %s", vfile.filename, candidate)
            return candidate
        if damaged is not None:
            damaged.append(f"{candidate} ({damage})")
    return None


def _noting(damaged: list[str]) -> str:
    """The copies in tiktoken's cache that were passed over, for an error message."""
    return f" (tiktoken's cache holds a copy that is not the official file, not used: {', '.join(damaged)})" if damaged else ""


def fetch(filename: str) -> Path:
    """Return the path of a verified copy of the official file ``filename``.

    Looks in the hf_bpe cache, then in tiktoken's cache, then downloads (see the module
    docstring). Raises :class:`~hf_bpe.errors.OfflineError` when the file is missing and
    ``HF_BPE_OFFLINE`` is set, :class:`~hf_bpe.errors.HashMismatchError` for a wrong
    download or (offline) a wrong cached file, :class:`~hf_bpe.errors.DownloadError` for
    network failures and truncated transfers; offline, a cached file that cannot be read
    raises its ``OSError`` (``PermissionError``).
    """
    vfile = _lookup(filename)
    try:
        target = cache_dir() / vfile.filename
    except _CacheError as no_home:  # tiktoken's cache may still hold the file
        found = _in_tiktoken_cache(vfile)
        if found is not None:
            return found
        raise _CacheError(f"{vfile.filename} is not in tiktoken's cache, and there is {no_home}") from None
    damage: str | None = None  # what is wrong with the copy in the hf_bpe cache
    unreadable: OSError | None = None
    if target.is_file():
        try:
            damage = _damage(target, vfile)
        except OSError as err:  # unreadable: as if corrupt (a download replaces it)
            unreadable = err
            damage = f"it cannot be read ({err.strerror})"
        if damage is None:
            logger.debug("%s: verified copy in the hf_bpe cache, %s", filename, target)
            return target
    damaged: list[str] = []
    found = _in_tiktoken_cache(vfile, damaged)
    if found is not None:
        return found
    switch = offline_switch()
    if switch is not None:
        if unreadable is not None:  # no permission: the OSError it is, not a corrupt file
            raise type(unreadable)(
                unreadable.errno,
                f"{unreadable.strerror}; {switch} is set, so it was not downloaded again",
                str(target),
            ) from None
        if damage is not None:
            raise HashMismatchError(
                f"{target} is corrupt ({damage}; the official file's sha256 is {vfile.sha256}). "
                f"{switch} is set, so it was not downloaded again: replace it with the "
                f"official file from {vfile.url} (or unset {switch})."
            )
        source = vfile.url
        try:
            mirrored = download_url(vfile)
        except _SettingError:  # said when downloading
            mirrored = source
        if mirrored != source:
            source += f" or from the mirror set in HF_BPE_DOWNLOAD_URL, {mirrored}"
        raise OfflineError(
            f"{vfile.filename} is not in the hf_bpe cache and {switch} is set, so it "
            f"was not downloaded. {_in_the_way(target)}Put the file at {target} (sha256 {vfile.sha256}); it can "
            f"be obtained from {source}. Alternatively point HF_BPE_CACHE_DIR at a "
            f"directory holding it (or TIKTOKEN_CACHE_DIR at tiktoken's cache), or unset "
            f"{switch}.{_noting(damaged)}"
        )
    try:
        _download(vfile, target)
    except DownloadError as err:
        if unreadable is not None:
            raise DownloadError(f"{err} (the cached copy at {target} cannot be read: {unreadable.strerror})") from err
        if damage is not None:
            raise DownloadError(f"{err} (the cached copy at {target} is corrupt: {damage})") from err
        if isinstance(err, _SettingError):  # not the network's fault
            raise
        if isinstance(err, _CacheError):
            raise _CacheError(f"{vfile.filename} is in neither the hf_bpe cache nor tiktoken's, and {err}") from err
        raise DownloadError(
            f"{err}. Without network access, put the file at {target} (sha256 "
            f"{vfile.sha256}), or point HF_BPE_CACHE_DIR (or TIKTOKEN_CACHE_DIR) at a directory "
            f"holding it; HF_BPE_OFFLINE=1 turns downloads off{_noting(damaged)}"
        ) from err
    return target


def _in_the_way(target: Path) -> str:
    """What stands where the cached file should go (for the offline error), if anything."""
    for folder in (target.parent, *target.parent.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                return f"The cache directory cannot be made: {folder} is not a directory. "
            break
    if os.path.lexists(target) and not target.is_file():
        kind = "a directory" if target.is_dir() else "not a regular file"
        return f"{target} is {kind}: remove it. "
    return ""


class _CacheError(DownloadError):
    """The cache directory failed, not the network (no hint about working offline)."""


class _SettingError(DownloadError):
    """A download setting (``HF_BPE_DOWNLOAD_URL``, ``HF_BPE_DOWNLOAD_TIMEOUT``) is wrong:
    said as it is, without the hints about the network."""


def _download(vfile: VocabFile, target: Path) -> None:
    """Download ``vfile`` to ``target`` atomically; nothing is left behind on failure."""
    url = download_url(vfile)
    timeout = download_timeout()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _CacheError(
            f"cannot create the cache directory {target.parent} ({err}); "
            "set HF_BPE_CACHE_DIR to a writable directory"
        ) from err
    _remove_stale_parts(target)
    tmp, fd = _new_part(target)
    # Unbuffered: a full disk fails in _stream's write, said as such, not again in a flush
    # on closing that would replace its message with a bare OSError. Open (so locked) until
    # the file is in place: closed before, another download's cleaner could take it for a
    # killed download's and remove it under this one.
    out = os.fdopen(fd, "wb", buffering=0)
    try:
        start = time.perf_counter()
        digest, size = _stream(url, out, timeout, limit=vfile.size, authorization=download_authorization())
        try:
            os.fsync(out.fileno())
        except OSError as err:
            raise _disk_error(url, err) from err
        if digest != vfile.sha256:
            raise HashMismatchError(
                f"{vfile.filename} downloaded from {url} has sha256 {digest} ({size} bytes), "
                f"expected {vfile.sha256}; it was discarded, nothing was written to the cache. "
                "If HF_BPE_DOWNLOAD_URL points at a mirror, check that it serves the official file."
            )
        if os.name == "nt":
            out.close()  # (Windows moves no open file, and has no locks to keep)
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise _CacheError(f"cannot move the download into place at {target} ({err})") from err
        logger.info("downloaded %s (%d bytes) from %s in %.1fs", vfile.filename, size, url, time.perf_counter() - start)
    finally:
        out.close()
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def _new_part(target: Path) -> tuple[Path, int]:
    """A new hidden ``.part`` file beside ``target`` to download into, and its descriptor,
    which holds a lock on it for as long as the download runs (the lock goes with the
    process, however it ends): how another download tells a live ``.part`` file from one a
    killed download left (:func:`_remove_stale_parts`), across processes, containers
    and process-ID namespaces alike."""
    while True:
        tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as err:
            raise _CacheError(
                f"cannot write to the cache directory {target.parent} ({err}); "
                "set HF_BPE_CACHE_DIR to a writable directory"
            ) from err
        try:
            _lock(fd, wait=True)  # (waits only while a cleaner looks at it)
        except OSError:  # a file system without locks: the hour's rule alone
            return tmp, fd
        if os.fstat(fd).st_nlink:
            return tmp, fd
        os.close(fd)  # removed by a cleaner between its creation and the lock: another one


def _remove_stale_parts(target: Path) -> None:
    """Delete what a killed download of ``target`` left: a ``.part`` file no process holds
    locked (see :func:`_new_part`), or, where the file system has no locks, one untouched
    for an hour."""
    for part in target.parent.glob(f".{target.name}.*.part"):
        try:
            fd = os.open(part, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError:
            fd = -1  # (a link, or gone meanwhile)
        try:
            try:
                if fd < 0:
                    raise OSError("not opened")
                _lock(fd, wait=False)
            except BlockingIOError:
                continue  # a download in progress
            except OSError:  # no locks here: only the hour tells
                if time.time() - part.lstat().st_mtime <= STALE_PART_SECONDS:
                    continue
            part.unlink()  # (under the lock: a download that just made it sees it gone)
        except OSError:
            pass  # (gone meanwhile, or not to be removed)
        finally:
            if fd >= 0:
                os.close(fd)


def _lock(fd: int, wait: bool) -> None:
    """Lock the file open as ``fd`` for this process (``flock``); BlockingIOError if another
    holds it and ``wait`` is false, another OSError where there are no such locks."""
    try:
        import fcntl
    except ImportError:  # (Windows)
        raise OSError("no file locks here") from None
    fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)


def _disk_error(url: str, err: OSError) -> DownloadError:
    """The error for a download that cannot be written into the cache (the local disk, not
    the network)."""
    return _CacheError(
        f"cannot write the download of {url} into the cache ({err.strerror or err}): "
        "free some space, or point HF_BPE_CACHE_DIR elsewhere"
    )


def _stream(
    url: str, out: BinaryIO, timeout: float, limit: int | None = None, authorization: str | None = None
) -> tuple[str, int]:
    """Copy the body at ``url`` into ``out``; return (sha256, size). DownloadError on failure,
    HashMismatchError as soon as the body is longer than ``limit`` bytes."""
    import http.client  # here, not at import: loading a cached file needs no network code
    import urllib.error
    import urllib.request

    digest = hashlib.sha256()
    size = received = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "hf_bpe"})
        opener = urllib.request.build_opener()
        if authorization is not None:
            request.add_unredirected_header("Authorization", authorization)
            opener = urllib.request.build_opener(_redirects_keeping_authorization_on_host())
        with opener.open(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")  # of the encoded body
            decoder = _decoder(url, response.headers.get("Content-Encoding"))
            while chunk := response.read1(_CHUNK):  # what has come (a stalled server: counted)
                received += len(chunk)
                if decoder is not None:  # (at most one byte past the limit: memory stays bounded too)
                    chunk = decoder.decompress(chunk, limit - size + 1) if limit is not None else decoder.decompress(chunk)
                if limit is not None and size + len(chunk) > limit:
                    raise HashMismatchError(
                        f"{url} sent more than the {limit} bytes of the official file; the download "
                        "was stopped and discarded, nothing was written to the cache"
                    )
                digest.update(chunk)
                _write_all(out, chunk, url)
                size += len(chunk)
    except (DownloadError, HashMismatchError):
        raise
    except urllib.error.HTTPError as err:
        raise DownloadError(f"downloading {url} failed: HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        raise DownloadError(f"downloading {url} failed: {err.reason}") from err
    except (OSError, http.client.HTTPException, ValueError, zlib.error) as err:
        # ValueError: a malformed URL, e.g. a mirror setting with a broken host; zlib.error:
        # a body that says it is gzip-encoded but is not.
        reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        raise DownloadError(f"downloading {url} failed after {size} bytes: {reason}") from err
    if announced is not None and announced.strip().isdigit() and int(announced) != received:
        raise DownloadError(
            f"downloading {url} failed: the transfer was cut short, got {received} of "
            f"{int(announced)} announced bytes"
        )
    if decoder is not None and not decoder.eof:
        raise DownloadError(f"downloading {url} failed: the gzip-encoded body was cut short")
    if decoder is not None and decoder.unused_data:
        raise DownloadError(f"downloading {url} failed: bytes after the end of the gzip-encoded body")
    if not (announced and announced.strip().isdigit()) and decoder is None and limit is not None and size < limit:
        raise DownloadError(
            f"downloading {url} failed: the transfer was cut short, got {size} of the official "
            f"file's {limit} bytes"
        )
    return digest.hexdigest(), size


def _write_all(out: BinaryIO, chunk: bytes, url: str) -> None:
    """Write all of ``chunk`` to ``out`` (an unbuffered file may take part of it)."""
    view = memoryview(chunk)
    try:
        while view:
            written = out.write(view)
            view = view[written:]
    except OSError as err:  # the local disk, not the network
        raise _disk_error(url, err) from err


def _redirects_keeping_authorization_on_host() -> urllib.request.HTTPRedirectHandler:
    """A redirect handler that sends the mirror's ``Authorization`` on to the same host
    (scheme, host and port) only: urllib's sends an unredirected header nowhere, and a
    plain one everywhere, a password to whatever host a redirect names."""
    import urllib.request

    class KeepOnHost(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            authorization = req.unredirected_hdrs.get("Authorization")
            if new is not None and authorization is not None and urlsplit(newurl)[:2] == urlsplit(req.full_url)[:2]:
                new.add_unredirected_header("Authorization", authorization)
            return new

    return KeepOnHost()


def _decoder(url: str, encoding: str | None) -> zlib._Decompress | None:
    """A decoder for a body sent with ``Content-Encoding: encoding`` (some mirrors store
    files gzip-encoded and send them so whatever the request asks), or None for none."""
    name = (encoding or "identity").strip().lower()
    if name == "identity":
        return None
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return zlib.decompressobj()
    raise DownloadError(f"downloading {url} failed: the server sent it {name}-encoded, which hf_bpe cannot decode")
