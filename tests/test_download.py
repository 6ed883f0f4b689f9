"""The vocabulary cache and downloader (hf_bpe.download), against a real HTTP server.

The server is a ``http.server.ThreadingHTTPServer`` on 127.0.0.1 serving the real official
files (from examples/realdata.py) under the official URL paths; ``HF_BPE_DOWNLOAD_URL``
points hf_bpe at it. Each test gets an empty cache directory and an empty tiktoken cache.
"""

from __future__ import annotations

import base64
import errno
import gzip
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
import realdata
import tiktoken.load

import hf_bpe
from hf_bpe import download
from hf_bpe.download import VOCAB_FILES, fetch
from hf_bpe.errors import (
    DownloadError,
    HashMismatchError,
    HfBpeError,
    OfflineError,
    UnknownEncodingError,
    VocabFileError,
)

R50K = VOCAB_FILES["r50k_base.tiktoken"]


@pytest.fixture(scope="module")
def real_files() -> dict[str, bytes]:
    """The official files' bytes, keyed by URL path."""
    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    paths = {
        "r50k_base.tiktoken": realdata.vocab_file("r50k_base"),
        "encoder.json": encoder_json,
        "vocab.bpe": vocab_bpe,
    }
    out = {}
    for filename, path in paths.items():
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == VOCAB_FILES[filename].sha256
        out["/" + VOCAB_FILES[filename].url_path] = data
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _VocabServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        srv = self.server
        with srv.lock:
            srv.requests.append(self.path)
            srv.authorizations.append(self.headers.get("Authorization"))
        if srv.authorization is not None and self.headers.get("Authorization") != srv.authorization:
            self.send_error(401)
            return
        path = self.path.partition("?")[0]
        if srv.prefix:
            if not path.startswith(srv.prefix):
                self.send_error(404)
                return
            path = path[len(srv.prefix) :]
        body = srv.files.get(path)
        if body is None:
            self.send_error(404)
            return
        mode = srv.modes.get(path, "ok")
        if mode.startswith("redirect:"):
            self.send_response(302)
            self.send_header("Location", mode.removeprefix("redirect:"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "chunked-drop":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            part = body[: len(body) // 2]
            self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.flush()
            self.close_connection = True  # no terminating 0-chunk: the transfer is cut
            return
        if mode.startswith("encoded-"):  # encoded-gzip, encoded-gzip-cut, encoded-gzip-extra, encoded-br
            coding = mode.split("-")[1]
            body = gzip.compress(body) if coding == "gzip" else body
            body = body[: len(body) // 2] if mode.endswith("-cut") else body
            body = body + b"trailing bytes" if mode.endswith("-extra") else body
            self.send_response(200)
            self.send_header("Content-Encoding", coding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode in ("unannounced-drop", "misannounced-drop"):  # the body ends where the connection does
            self.send_response(200)
            if mode == "misannounced-drop":
                self.send_header("Content-Length", "abc")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "ok":
            self.wfile.write(body)
        elif mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif mode == "stall":
            self.wfile.write(body[:200_000])
            self.wfile.flush()
            srv.release.wait(30)
            self.close_connection = True
        else:
            raise AssertionError(mode)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _VocabServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, bytes], prefix: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = dict(files)
        self.modes: dict[str, str] = {}
        self.prefix = prefix
        self.requests: list[str] = []  # with their queries
        self.authorization: str | None = None  # the Authorization header required, if any
        self.authorizations: list[str | None] = []  # the header of each request
        self.lock = threading.Lock()
        self.release = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.prefix}/"


@pytest.fixture
def server(real_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Iterator[_VocabServer]:
    srv = _VocabServer(real_files)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", srv.base_url)
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        thread.join(10)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty hf_bpe cache, an empty tiktoken cache, online, no mirror."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    for switch in ("HF_BPE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_BPE_DOWNLOAD_URL"):
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.setenv("HF_BPE_DOWNLOAD_TIMEOUT", "20")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return cache


def _contents(directory: Path) -> list[str]:
    """Every entry of ``directory``, hidden temp files included ([] if it does not exist)."""
    return sorted(os.listdir(directory)) if directory.exists() else []


# --------------------------------------------------------------------------- downloads


def test_download_into_empty_cache_then_load(
    cache: Path, server: _VocabServer, real_files: dict[str, bytes]
) -> None:
    path = fetch("r50k_base.tiktoken")
    assert path == cache / "r50k_base.tiktoken"
    assert path.read_bytes() == real_files["/encodings/r50k_base.tiktoken"]
    assert server.requests == ["/encodings/r50k_base.tiktoken"]
    assert _contents(cache) == ["r50k_base.tiktoken"]  # no temp file left behind
    from hf_bpe.vocab_files import load_tiktoken_bpe

    assert load_tiktoken_bpe(path) == tiktoken.load.load_tiktoken_bpe(
        str(realdata.vocab_file("r50k_base"))
    )
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_tiktoken_bpe(path, expected_hash=sha) == load_tiktoken_bpe(path)  # tiktoken's argument
    with pytest.raises(HashMismatchError, match="expected 00"):
        load_tiktoken_bpe(path, expected_hash="00" * 32)
    assert load_tiktoken_bpe(path, expected_hash="") == load_tiktoken_bpe(path)  # "" checks nothing, as in tiktoken
    assert load_tiktoken_bpe(os.fsencode(path)) == load_tiktoken_bpe(path)  # type: ignore[arg-type]  # as open() takes
    with pytest.raises(VocabFileError, match="reads local files, not URLs"):
        load_tiktoken_bpe(server.base_url + "encodings/r50k_base.tiktoken")  # tiktoken would download it
    # A second fetch is served from the cache (and verified), without a request.
    assert fetch("r50k_base.tiktoken") == path
    assert len(server.requests) == 1


def test_data_gym_files_download_under_official_names(cache: Path, server: _VocabServer) -> None:
    assert fetch("encoder.json") == cache / "encoder.json"
    assert fetch("vocab.bpe") == cache / "vocab.bpe"
    assert server.requests == [
        "/gpt-2/encodings/main/encoder.json",
        "/gpt-2/encodings/main/vocab.bpe",
    ]
    assert _contents(cache) == ["encoder.json", "vocab.bpe"]


def test_mirror_with_path_and_no_trailing_slash(
    cache: Path, real_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = _VocabServer(real_files, prefix="/mirror/openai")
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", srv.base_url.rstrip("/"))
        assert fetch("vocab.bpe").read_bytes() == real_files["/gpt-2/encodings/main/vocab.bpe"]
        assert srv.requests == ["/mirror/openai/gpt-2/encodings/main/vocab.bpe"]
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(10)


def test_a_mirror_with_a_password_and_a_query(cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # A mirror behind a login (user:password@, sent as Basic auth) or a signed URL (its
    # query kept after the file's path): urllib took the password for the host's name,
    # and the query went before the path.
    server.authorization = "Basic " + base64.b64encode(b"me:s3cr%t").decode()
    host = server.base_url.removeprefix("http://")
    monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", f"http://me:s3cr%25t@{host}?sig=abc&exp=1")
    assert download.sha256_of(fetch("r50k_base.tiktoken")) == R50K.sha256
    assert server.requests == ["/encodings/r50k_base.tiktoken?sig=abc&exp=1"]
    monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", f"http://me:wrong@{host}")
    with pytest.raises(DownloadError, match="HTTP 401") as failed:
        fetch("p50k_base.tiktoken")
    assert "wrong" not in str(failed.value) and f"http://{host}encodings/p50k_base.tiktoken" in str(failed.value)
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")  # the file's sources, named without the password
    with pytest.raises(OfflineError, match=f"mirror set in HF_BPE_DOWNLOAD_URL, http://{host}encodings/p50k_base") as offline:
        fetch("p50k_base.tiktoken")
    assert "wrong" not in str(offline.value)
    assert _contents(cache) == ["r50k_base.tiktoken"]


def test_a_password_goes_on_to_the_same_host_only(
    cache: Path, server: _VocabServer, real_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = _VocabServer(real_files)  # another port: another host to a browser
    thread = threading.Thread(target=elsewhere.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        server.authorization = "Basic " + base64.b64encode(b"me:pw").decode()
        server.modes["/encodings/r50k_base.tiktoken"] = "redirect:/moved/encodings/r50k_base.tiktoken"
        server.files["/moved/encodings/r50k_base.tiktoken"] = real_files["/encodings/r50k_base.tiktoken"]
        server.modes["/gpt-2/encodings/main/vocab.bpe"] = f"redirect:{elsewhere.base_url}gpt-2/encodings/main/vocab.bpe"
        monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", server.base_url.replace("http://", "http://me:pw@"))
        assert download.sha256_of(fetch("r50k_base.tiktoken")) == R50K.sha256  # same host: sent again
        assert server.authorizations[-2:] == [server.authorization] * 2
        fetch("vocab.bpe")
        assert elsewhere.requests == ["/gpt-2/encodings/main/vocab.bpe"] and elsewhere.authorizations == [None]
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
        thread.join(10)


def test_file_url_mirror(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "encodings").mkdir(parents=True)
    shutil.copy(realdata.vocab_file("r50k_base"), mirror / "encodings" / "r50k_base.tiktoken")
    for url in (mirror.as_uri(), f"file:{mirror}"):  # file:///path, and file:/path, which urllib reads too
        monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", url)
        assert download.sha256_of(fetch("r50k_base.tiktoken")) == R50K.sha256
        assert _contents(cache) == ["r50k_base.tiktoken"]
        (cache / "r50k_base.tiktoken").unlink()


def test_concurrent_fetches_leave_one_whole_file(cache: Path, server: _VocabServer) -> None:
    results: list[Path | BaseException] = []

    def worker() -> None:
        try:
            results.append(fetch("r50k_base.tiktoken"))
        except BaseException as err:  # reported below
            results.append(err)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [cache / "r50k_base.tiktoken"] * 4
    assert download.sha256_of(cache / "r50k_base.tiktoken") == R50K.sha256
    assert _contents(cache) == ["r50k_base.tiktoken"]


def test_a_finished_download_is_not_taken_for_a_killed_ones(cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """From CI (the test above failed once): a download closed its .part file, and so let go
    of its lock, before moving it into place; another download's cleaner, looking for what
    killed downloads left, removed it there ("cannot move the download into place")."""
    replace = os.replace

    def another_download_starts_meanwhile(src: Any, dst: Any) -> None:
        download._remove_stale_parts(Path(dst))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", another_download_starts_meanwhile)
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
    assert download.sha256_of(cache / "r50k_base.tiktoken") == R50K.sha256


# --------------------------------------------------------------------------- bad transfers


def test_server_sending_a_wrong_file(cache: Path, server: _VocabServer) -> None:
    wrong = server.files["/gpt-2/encodings/main/vocab.bpe"]
    server.files["/encodings/r50k_base.tiktoken"] = wrong
    with pytest.raises(HashMismatchError) as info:
        fetch("r50k_base.tiktoken")
    msg = str(info.value)
    assert server.base_url + "encodings/r50k_base.tiktoken" in msg
    assert hashlib.sha256(wrong).hexdigest() in msg and R50K.sha256 in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, HfBpeError)
    assert _contents(cache) == []


def test_server_sending_a_file_with_one_byte_changed(cache: Path, server: _VocabServer) -> None:
    body = bytearray(server.files["/encodings/r50k_base.tiktoken"])
    body[len(body) // 2] ^= 0x01
    server.files["/encodings/r50k_base.tiktoken"] = bytes(body)
    with pytest.raises(HashMismatchError, match="expected " + R50K.sha256):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


@pytest.mark.parametrize(("mode", "said"), [
    ("drop", "got {half} of {size} announced bytes"),
    # Nothing said the body was cut short but the official file's size (no Content-Length,
    # or one that is no number): that was a HashMismatchError asking whether the server
    # serves the official file.
    ("unannounced-drop", "the transfer was cut short, got {half} of the official file's {size} bytes"),
    ("misannounced-drop", "the transfer was cut short, got {half} of the official file's {size} bytes"),
])
def test_connection_dropped_mid_file(cache: Path, server: _VocabServer, mode: str, said: str) -> None:
    server.modes["/encodings/r50k_base.tiktoken"] = mode
    size = len(server.files["/encodings/r50k_base.tiktoken"])
    with pytest.raises(DownloadError) as info:
        fetch("r50k_base.tiktoken")
    assert not isinstance(info.value, (OfflineError, HashMismatchError))
    assert said.format(half=size // 2, size=size) in str(info.value)
    assert _contents(cache) == []


def test_chunked_transfer_dropped_mid_file(cache: Path, server: _VocabServer) -> None:
    server.modes["/encodings/r50k_base.tiktoken"] = "chunked-drop"
    with pytest.raises(DownloadError, match="r50k_base.tiktoken failed"):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_server_stalling_times_out(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.modes["/encodings/r50k_base.tiktoken"] = "stall"
    monkeypatch.setenv("HF_BPE_DOWNLOAD_TIMEOUT", "0.5")
    with pytest.raises(DownloadError, match="failed after 200000 bytes: TimeoutError: timed out"):  # was "after 0"
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_no_partial_file_under_the_official_name_while_downloading(
    cache: Path, server: _VocabServer
) -> None:
    server.modes["/encodings/r50k_base.tiktoken"] = "stall"
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            fetch("r50k_base.tiktoken")
        except BaseException as err:  # checked below
            errors.append(err)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        # Wait (up to 20 s) until the first bytes have landed in the temporary file.
        for _ in range(2000):
            parts = [p for p in cache.glob(".r50k_base.tiktoken.*.part") if p.stat().st_size]
            if parts:
                break
            threading.Event().wait(0.01)
        assert parts, "the download never started"
        assert _contents(cache) == [parts[0].name]  # nothing under the official name yet
    finally:
        server.release.set()  # the server now closes the connection: a truncated transfer
        thread.join(30)
    assert len(errors) == 1 and isinstance(errors[0], DownloadError)
    assert _contents(cache) == []


def test_http_error_status(cache: Path, server: _VocabServer) -> None:
    del server.files["/encodings/r50k_base.tiktoken"]
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_nothing_listening(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", f"http://127.0.0.1:{port}/")
    with pytest.raises(DownloadError, match=f"127.0.0.1:{port}/encodings/r50k_base.tiktoken") as info:
        fetch("r50k_base.tiktoken")
    assert f"put the file at {cache / 'r50k_base.tiktoken'} (sha256 {R50K.sha256})" in str(info.value)
    assert _contents(cache) == []


@pytest.mark.parametrize("value", ["soon", "0", "-3", "inf", "nan", "1e10"])
def test_bad_timeout_setting(cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch,
                             value: str) -> None:
    monkeypatch.setenv("HF_BPE_DOWNLOAD_TIMEOUT", value)
    with pytest.raises(DownloadError, match="HF_BPE_DOWNLOAD_TIMEOUT must be a positive number") as info:
        fetch("r50k_base.tiktoken")
    assert "network" not in str(info.value)  # a setting, not the network: no hint about working offline
    assert server.requests == []


@pytest.mark.parametrize(("mirror", "message"), [
    ("mirror.local/openai/", "HF_BPE_DOWNLOAD_URL must be a URL"),  # was urllib's "unknown url type"
    ("/srv/mirror/", r"HF_BPE_DOWNLOAD_URL must be a URL \(https://host/path/ or, for a folder, file:///path/\)"),
    ("http://[::1/", r"HF_BPE_DOWNLOAD_URL is not a valid URL \(Invalid IPv6 URL\): 'http://\[::1/'"),
    ("http://user:secret@[::1/", r"is not a valid URL \(Invalid IPv6 URL\): '<an invalid URL>'"),
    ("http://user:secret@127.0.0.1:port/", r"is not a valid URL \(Port .*\): 'http://user:\*\*\*@127.0.0.1:port/'"),
])
def test_a_malformed_mirror_setting_is_a_download_error(
    cache: Path, monkeypatch: pytest.MonkeyPatch, mirror: str, message: str
) -> None:
    monkeypatch.setenv("HF_BPE_DOWNLOAD_URL", mirror)
    with pytest.raises(DownloadError, match=message):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_a_gzip_encoded_body_is_decoded(cache: Path, server: _VocabServer) -> None:
    # Some mirrors store files gzip-encoded and always send them so (requests, and so
    # tiktoken, decode them); the hash is of the decoded file.
    server.modes["/encodings/r50k_base.tiktoken"] = "encoded-gzip"
    assert download.sha256_of(fetch("r50k_base.tiktoken")) == R50K.sha256


@pytest.mark.parametrize(("mode", "message"), [("encoded-gzip-cut", "gzip-encoded body was cut short"),
                                               ("encoded-gzip-extra", "bytes after the end of the gzip"),
                                               ("encoded-br", "br-encoded, which hf_bpe cannot decode")])
def test_an_undecodable_body_is_a_download_error(cache: Path, server: _VocabServer, mode: str, message: str) -> None:
    server.modes["/encodings/r50k_base.tiktoken"] = mode
    with pytest.raises(DownloadError, match=message):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_a_body_longer_than_the_official_file_is_stopped(cache: Path, server: _VocabServer) -> None:
    # 200 MB of zeros after the file, gzip-encoded: 200 KB on the wire. The whole body was
    # decoded to disk before its hash said no.
    body = server.files["/encodings/r50k_base.tiktoken"]
    server.files["/encodings/r50k_base.tiktoken"] = body + bytes(200_000_000)
    server.modes["/encodings/r50k_base.tiktoken"] = "encoded-gzip"
    with pytest.raises(HashMismatchError, match=f"sent more than the {len(body)} bytes of the official file"):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == []


def test_a_cache_entry_that_cannot_be_replaced_has_no_offline_hint(cache: Path, server: _VocabServer) -> None:
    # The download worked; the cache failed: "without network access" would mislead.
    (cache / "r50k_base.tiktoken").mkdir(parents=True)
    (cache / "r50k_base.tiktoken" / "x").write_text("a directory where the file goes")
    with pytest.raises(DownloadError, match="cannot move the download into place") as caught:
        fetch("r50k_base.tiktoken")
    assert "network" not in str(caught.value)


def test_a_full_disk_is_not_blamed_on_the_network(server: _VocabServer) -> None:
    import errno
    import io

    class FullDisk(io.BytesIO):
        def write(self, data: object) -> int:  # type: ignore[override]
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DownloadError, match="cannot write the download of .* into the cache .No space left"):
        download._stream(server.base_url.rstrip("/") + "/encodings/r50k_base.tiktoken", FullDisk(), 30.0)


def _hold_locked(part: Path) -> subprocess.Popen[str]:
    """A process that holds ``part`` open and locked, as a download in progress does, in
    its own process-ID namespace when it can have one (a container sharing the cache: its
    process ID means nothing here), until its input is closed."""
    holder = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o666)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', os.getpid(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    command = [sys.executable, "-c", holder, str(part)]
    unshare = shutil.which("unshare")
    if unshare is not None and os.geteuid() == 0:
        command = [unshare, "--pid", "--fork", "--kill-child", *command]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().startswith("locked ")
    return process


def test_a_part_file_another_process_holds_stays_and_what_killed_downloads_left_goes(
    cache: Path, server: _VocabServer
) -> None:
    """A .part file was judged by the host name and process ID in its name: a download in
    another process-ID namespace (a container sharing the cache and the host name) looked
    dead, its file was removed under it and it failed. A download now holds its .part
    file locked; what no process holds is what a killed download left."""
    cache.mkdir()
    running = cache / ".r50k_base.tiktoken.4567.part"
    killed = cache / ".r50k_base.tiktoken.0123.part"  # just now: a retry right after the kill
    killed.write_bytes(b"half a file")
    holder = _hold_locked(running)
    try:
        assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
        assert _contents(cache) == sorted([running.name, "r50k_base.tiktoken"])
    finally:
        assert holder.stdin is not None
        holder.stdin.close()  # the holder ends: its lock goes with it
        holder.wait(30)
    os.remove(cache / "r50k_base.tiktoken")
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"  # its holder gone: removed
    assert _contents(cache) == ["r50k_base.tiktoken"]


def test_where_files_cannot_be_locked_a_part_file_goes_after_an_hour(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(fd: int, wait: bool) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(download, "_lock", no_locks)  # a file system without flock (some network ones)
    cache.mkdir()
    stale, fresh = cache / ".r50k_base.tiktoken.0123.part", cache / ".r50k_base.tiktoken.4567.part"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"another process is downloading")
    hours_ago = stale.stat().st_mtime - 2 * download.STALE_PART_SECONDS
    os.utime(stale, (hours_ago, hours_ago))
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
    assert _contents(cache) == [fresh.name, "r50k_base.tiktoken"]


def test_a_full_disk_is_said_as_such_whenever_the_write_fails(cache: Path, server: _VocabServer) -> None:
    """The write that failed for want of space was said well, but closing the file then
    flushed its buffer, failed again, and that bare OSError (no file, no hint) replaced
    the message. The file size limit fails a write there as a full disk does."""
    child = (
        "import resource, signal\n"
        "import hf_bpe\n"
        "from hf_bpe.download import fetch\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "for limit in (100_000, 600_000, 600_001, 835_553):\n"
        "    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))\n"
        "    try:\n"
        "        fetch('r50k_base.tiktoken')\n"
        "    except hf_bpe.DownloadError as err:\n"
        "        print(type(err).__name__, err)\n"
    )
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    for line in lines:
        assert "cannot write the download of" in line and "(File too large): free some space, or point HF_BPE_CACHE_DIR elsewhere" in line
    assert _contents(cache) == []


def test_an_unreadable_cached_file_is_downloaded_again(cache: Path, server: _VocabServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    target = cache / "r50k_base.tiktoken"
    cache.mkdir()
    shutil.copy(realdata.vocab_file("r50k_base"), target)
    target.chmod(0)
    command = [sys.executable, "-c", "from hf_bpe.download import fetch; print(fetch('r50k_base.tiktoken'))"]
    if os.geteuid() == 0:  # root reads anything: drop that power for the child
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    offline = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_BPE_OFFLINE": "1"}, timeout=120)
    # Offline, the file is not replaced: the error is the PermissionError it is (an
    # OSError, as the README says), not a HashMismatchError calling the file corrupt.
    assert offline.returncode == 1 and "Traceback" in offline.stderr
    assert f"PermissionError: [Errno 13] Permission denied; HF_BPE_OFFLINE is set, so it was not downloaded again: '{target}'" in offline.stderr
    assert server.requests == []
    # Online with a download that fails: the copy is said to be unreadable (it was
    # "corrupt: sha256 unknown: it cannot be read").
    failing = {**os.environ, "HF_BPE_DOWNLOAD_URL": server.base_url + "nowhere/"}
    failed = subprocess.run(command, capture_output=True, text=True, env=failing, timeout=120)
    assert failed.returncode == 1 and f"HTTP 404 Not Found (the cached copy at {target} cannot be read: Permission denied)" in failed.stderr
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(target)
    assert download.sha256_of(target) == R50K.sha256 and server.requests[-1:] == ["/encodings/r50k_base.tiktoken"]


def test_cache_dir_not_writable(
    cache: Path, server: _VocabServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(DownloadError, match="set HF_BPE_CACHE_DIR to a writable directory"):
        fetch("r50k_base.tiktoken")


def test_a_read_only_cache_dir_is_a_download_error(cache: Path, server: _VocabServer) -> None:
    # On a read-only file system, cleaning up the .part file that could not be created
    # failed too (EROFS, not "no such file"), and its bare OSError replaced the message.
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare for a private read-only mount")
    cache.mkdir()
    child = (
        "import hf_bpe\n"
        "from hf_bpe.download import fetch\n"
        "try:\n"
        "    fetch('r50k_base.tiktoken')\n"
        "except hf_bpe.DownloadError as err:\n"
        "    print('DownloadError', err)\n"
    )
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$1" -c "$2"'
    result = subprocess.run([unshare, "-m", "sh", "-c", script, str(cache), sys.executable, child],
                            capture_output=True, text=True, env=dict(os.environ), timeout=120)
    if "mount" in result.stderr and result.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "DownloadError r50k_base.tiktoken is in neither the hf_bpe cache nor tiktoken's, and cannot write to the cache directory"
    ), result.stdout
    assert "set HF_BPE_CACHE_DIR to a writable directory" in result.stdout
    assert _contents(cache) == []


def test_unknown_file_name(cache: Path) -> None:
    with pytest.raises(UnknownEncodingError, match="'r50k.tiktoken' is not a known vocabulary"):
        fetch("r50k.tiktoken")


# --------------------------------------------------------------------------- offline


def test_offline_names_the_file_and_where_to_put_it(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    with pytest.raises(OfflineError) as info:
        fetch("cl100k_base.tiktoken")
    msg = str(info.value)
    vfile = VOCAB_FILES["cl100k_base.tiktoken"]
    assert f"Put the file at {cache / 'cl100k_base.tiktoken'} (sha256 {vfile.sha256})" in msg
    assert "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken" in msg
    assert f"the mirror set in HF_BPE_DOWNLOAD_URL, {server.base_url}encodings/cl100k" in msg
    assert "HF_BPE_OFFLINE" in msg
    assert "or TIKTOKEN_CACHE_DIR at tiktoken's cache" in msg  # as the download error says
    assert isinstance(info.value, DownloadError) and isinstance(info.value, OSError)
    assert server.requests == []
    assert _contents(cache) == []


def test_offline_says_what_stands_where_the_file_should_go(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offline error told the user to put the file where no file can go: under a
    cache "directory" that is a file, or where a folder of the file's name stands."""
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    (cache / "r50k_base.tiktoken").mkdir(parents=True)
    with pytest.raises(OfflineError, match=f"{cache / 'r50k_base.tiktoken'} is a directory: remove it. Put the file at"):
        fetch("r50k_base.tiktoken")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(OfflineError, match=f"The cache directory cannot be made: {blocker} is not a directory. Put the file at"):
        fetch("r50k_base.tiktoken")


@pytest.mark.parametrize(
    ("value", "offline"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False),
     ("false", False)],
)
def test_offline_switch_values(monkeypatch: pytest.MonkeyPatch, value: str, offline: bool) -> None:
    for switch in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):  # (a shell of one who works offline sets them)
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.setenv("HF_BPE_OFFLINE", value)
    assert download.is_offline() is offline


@pytest.mark.parametrize(
    ("env", "switch"),
    [
        ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE"),
        ({"TRANSFORMERS_OFFLINE": "yes"}, "TRANSFORMERS_OFFLINE"),
        ({"HF_BPE_OFFLINE": "0", "HF_HUB_OFFLINE": "1"}, None),  # hf_bpe's own switch decides
        ({"HF_BPE_OFFLINE": "1", "HF_HUB_OFFLINE": "0"}, "HF_BPE_OFFLINE"),
        ({"HF_HUB_OFFLINE": "0"}, None),
    ],
)
def test_hugging_faces_offline_switches_count_unless_hf_bpes_is_set(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], switch: str | None
) -> None:
    """A firewalled cluster sets HF_HUB_OFFLINE: a download would only wait for its timeout."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert download.offline_switch() == switch
    if switch is None:
        assert fetch("r50k_base.tiktoken").is_file()
    else:
        with pytest.raises(OfflineError, match=f"not in the hf_bpe cache and {switch} is set"):
            fetch("r50k_base.tiktoken")
        assert server.requests == []


def test_offline_uses_a_dropped_in_file(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    cache.mkdir()
    shutil.copy(realdata.vocab_file("r50k_base"), cache / "r50k_base.tiktoken")
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"


# --------------------------------------------------------------------------- corrupt caches


def _corrupt_copy(src: Path, dst: Path) -> None:
    data = bytearray(src.read_bytes())
    data[100] ^= 0x20
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))


def test_corrupt_cached_file_is_downloaded_again(cache: Path, server: _VocabServer) -> None:
    _corrupt_copy(realdata.vocab_file("r50k_base"), cache / "r50k_base.tiktoken")
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
    assert download.sha256_of(cache / "r50k_base.tiktoken") == R50K.sha256
    assert server.requests == ["/encodings/r50k_base.tiktoken"]
    assert _contents(cache) == ["r50k_base.tiktoken"]


def test_corrupt_cached_file_offline(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    target = cache / "r50k_base.tiktoken"
    _corrupt_copy(realdata.vocab_file("r50k_base"), target)
    before = target.read_bytes()
    with pytest.raises(HashMismatchError) as info:
        fetch("r50k_base.tiktoken")
    msg = str(info.value)
    actual = download.sha256_of(target)
    assert f"{target} is corrupt (its sha256 is {actual}; the official file's sha256 is {R50K.sha256})" in msg
    assert R50K.url in msg
    assert target.read_bytes() == before  # left for the user to inspect and replace


def test_a_cached_file_of_another_size_is_not_read(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A huge (here sparse) file under an official name was read to the end on every load.
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "r50k_base.tiktoken"
    with open(target, "wb") as f:
        f.truncate(1 << 30)
    with pytest.raises(HashMismatchError, match=rf"is corrupt \(it has {1 << 30} bytes, the official file {R50K.size}; the official file's sha256 is {R50K.sha256}\)"):
        fetch("r50k_base.tiktoken")


def test_corrupt_cached_file_and_a_failing_download(cache: Path, server: _VocabServer) -> None:
    _corrupt_copy(realdata.vocab_file("r50k_base"), cache / "r50k_base.tiktoken")
    server.modes["/encodings/r50k_base.tiktoken"] = "drop"
    with pytest.raises(DownloadError, match="the cached copy at .* is corrupt"):
        fetch("r50k_base.tiktoken")
    assert _contents(cache) == ["r50k_base.tiktoken"]


# --------------------------------------------------------------------------- tiktoken's cache


def test_tiktoken_cache_dir_is_used_in_place(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    tk = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    tk.mkdir()
    # The name tiktoken itself gives the file: sha1 of the official URL.
    key = hashlib.sha1(b"https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken")
    shutil.copy(realdata.vocab_file("r50k_base"), tk / key.hexdigest())
    assert fetch("r50k_base.tiktoken") == tk / key.hexdigest()
    assert _contents(cache) == []


def test_realdata_tiktoken_cache_serves_every_file(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache that real tiktoken loads offline (see test_registry) serves hf_bpe too."""
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    tk = realdata.tiktoken_cache_dir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tk))
    for filename, vfile in VOCAB_FILES.items():
        assert fetch(filename) == tk / vfile.tiktoken_cache_key


def test_data_gym_cache_dir_when_tiktoken_cache_dir_unset(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    gym = tmp_path / "gym"
    gym.mkdir()
    encoder_json, _ = realdata.gpt2_data_gym()
    vfile = VOCAB_FILES["encoder.json"]
    shutil.copy(encoder_json, gym / vfile.tiktoken_cache_key)
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(gym))
    assert fetch("encoder.json") == gym / vfile.tiktoken_cache_key


def test_tiktoken_cache_dir_is_taken_as_tiktoken_takes_it_with_a_tilde(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tiktoken joins TIKTOKEN_CACHE_DIR as given: "~/tk" (set from Python, a config file
    or quoted in a shell) is a folder named "~" in the working folder, not the home's
    "tk", which hf_bpe looked in: a cache tiktoken filled was missed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "~/tk")
    (tmp_path / "~" / "tk").mkdir(parents=True)
    shutil.copy(realdata.vocab_file("r50k_base"), tmp_path / "~" / "tk" / R50K.tiktoken_cache_key)
    ranks = tiktoken.load.load_tiktoken_bpe(R50K.url, expected_hash=R50K.sha256)  # read there, not downloaded
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    assert fetch("r50k_base.tiktoken") == Path("~/tk") / R50K.tiktoken_cache_key
    assert hf_bpe.load_tiktoken_bpe(fetch("r50k_base.tiktoken")) == ranks


def test_empty_tiktoken_cache_dir_disables_it(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path))  # ignored, as in tiktoken
    assert download.tiktoken_cache_dirs() == []


def test_corrupt_tiktoken_cache_file_is_ignored(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tk = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    bad = tk / R50K.tiktoken_cache_key
    _corrupt_copy(realdata.vocab_file("r50k_base"), bad)
    before = bad.read_bytes()
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
    assert bad.read_bytes() == before  # tiktoken's cache is read, never written
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    assert fetch("r50k_base.tiktoken") == cache / "r50k_base.tiktoken"
    # With no good copy anywhere, the error says the one of tiktoken's cache was passed over.
    (cache / "r50k_base.tiktoken").unlink()
    with pytest.raises(OfflineError, match=r"tiktoken's cache holds a copy that is not the official file, not used: .*" + R50K.tiktoken_cache_key):
        fetch("r50k_base.tiktoken")


# --------------------------------------------------------------------------- settings


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HF_BPE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert download.cache_dir() == tmp_path / "xdg" / "hf_bpe"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert download.cache_dir() == tmp_path / "home" / ".cache" / "hf_bpe"
    # A relative one is to be ignored (the XDG spec): it made a cache wherever the program ran.
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    assert download.cache_dir() == tmp_path / "home" / ".cache" / "hf_bpe"
    monkeypatch.setenv("HF_BPE_CACHE_DIR", "~/vocab")
    assert download.cache_dir() == tmp_path / "home" / "vocab"


def test_official_urls() -> None:
    assert R50K.url == "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken"
    assert VOCAB_FILES["encoder.json"].url == (
        "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/encoder.json"
    )
    assert R50K.tiktoken_cache_key == "0ea1e91bbb3a60f729a8dc8f777fd2fc07cd8df4"


# --------------------------------------------------------------------------- through get_encoding


def test_get_encoding_downloads_into_an_empty_cache(
    cache: Path, server: _VocabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hf_bpe import registry

    monkeypatch.setattr(registry, "_ENCODINGS", {})  # nothing built yet in this test
    monkeypatch.setattr(registry, "_BUILD_LOCKS", {})
    enc = registry.get_encoding("gpt2")
    assert server.requests == [
        "/gpt-2/encodings/main/encoder.json",
        "/gpt-2/encodings/main/vocab.bpe",
    ]
    assert _contents(cache) == ["encoder.json", "parsed", "vocab.bpe"]  # parsed: the kept ranks
    ranks = tiktoken.load.load_tiktoken_bpe(str(realdata.vocab_file("r50k_base")))
    assert enc._mergeable_ranks == ranks
    oracle = tiktoken.Encoding(
        "gpt2", pat_str=enc._pat_str, mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 50256}, explicit_n_vocab=50257,
    )
    docs = realdata.documents("english", doc_bytes=4096, max_bytes=40_000)
    assert [enc.encode(d) for d in docs] == [oracle.encode(d) for d in docs]
    # Offline now: the downloaded files serve the next build without any request.
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    assert registry.build_encoding("gpt2")._mergeable_ranks == ranks
    assert len(server.requests) == 2


def test_without_a_home_directory_tiktokens_cache_still_serves(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_files: dict[str, bytes]
) -> None:
    """A container run as a user with no passwd entry and no HOME: Path.home() fails."""
    from hf_bpe import registry

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")  # what pathlib raises then

    for var in ("HF_BPE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    with pytest.raises(DownloadError, match="r50k_base.tiktoken is not in tiktoken's cache, and there is no home directory .* set HF_BPE_CACHE_DIR"):
        fetch("r50k_base.tiktoken")
    tiktoken_cache = tmp_path / "tiktoken-cache"
    tiktoken_cache.mkdir()
    (tiktoken_cache / R50K.tiktoken_cache_key).write_bytes(real_files["/" + R50K.url_path])
    assert fetch("r50k_base.tiktoken") == tiktoken_cache / R50K.tiktoken_cache_key
    assert registry.build_encoding("r50k_base").encode("hello home") == tiktoken.get_encoding("r50k_base").encode("hello home")
