"""A loopback stand-in for the Hugging Face Hub: just the endpoints that ``push_to_hub``
and ``from_pretrained`` use, files kept in memory, bound to 127.0.0.1 only. ``repos`` holds
each repository's main branch; ``branches`` its other revisions (branches and pull
requests, ``refs/pr/N``), each begun as a copy of the main branch. Each state of a
revision has its own commit id (huggingface_hub's cache keys files by it); a commit
is all or nothing, and ``refuse_commits = True`` makes the next ones fail (HTTP 500).

    hub = FakeHub(); hub.start()      # hub.url -> "http://127.0.0.1:PORT"
    # HF_ENDPOINT=hub.url (set before huggingface_hub is imported), HF_TOKEN=anything
    hub.stop()
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlparse

def commit_id(repo: str, files: dict[str, bytes]) -> str:
    """The id of ``repo`` holding ``files``: one per state, as a Hub's commits are."""
    digest = hashlib.sha1(repo.encode())
    for path, content in sorted(files.items()):
        digest.update(f"{path}\0{hashlib.sha1(content).hexdigest()}\0".encode())
    return digest.hexdigest()


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, dict[str, bytes]] = {}  # repo id -> path -> content (main)
        self.branches: dict[tuple[str, str], dict[str, bytes]] = {}  # (repo id, revision) -> path -> content
        self.commits: list[str] = []  # "repo@revision: message" of each commit made
        self.refuse_commits = False
        self.snapshots: dict[str, dict[str, bytes]] = {}  # commit id -> the files then
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, code: int, body: Any = b"", headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if not isinstance(body, bytes):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _file(self) -> None:  # GET/HEAD /{repo}/resolve/{rev}/{path}
                path = urlparse(self.path).path.strip("/")
                repo, _, rest = path.partition("/resolve/")
                revision, _, name = rest.partition("/")  # the revision is quoted whole: refs%2Fpr%2F1
                repo, name = unquote(repo), unquote(name)
                files = hub.files(repo, unquote(revision))
                commit = hub.commit_of(repo, files)
                content = files.get(name)
                if content is None:
                    if repo not in hub.repos:
                        self._send(404, {"error": "not found"}, {"X-Error-Code": "RepoNotFound"})
                    else:  # with the commit, as the Hub: huggingface_hub then caches the file's absence
                        self._send(404, {"error": "not found"}, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit})
                    return
                etag = f'"{hashlib.sha256(content).hexdigest()}"'
                self._send(200, content, {"X-Repo-Commit": commit, "ETag": etag, "Content-Type": "application/octet-stream"})

            def do_HEAD(self) -> None:
                self._file()

            def do_GET(self) -> None:
                path = unquote(urlparse(self.path).path)
                if path.startswith("/api/models/"):
                    rest = path[len("/api/models/") :]
                    repo = "/".join(rest.split("/")[:2])
                    if repo not in hub.repos:
                        self._send(404, {"error": "repo not found"}, {"X-Error-Code": "RepoNotFound"})
                        return
                    files = hub.repos[repo]
                    if "/tree/" in rest:  # /api/models/{repo}/tree/{revision}[/{folder}]: the files in it
                        revision, _, folder = urlparse(self.path).path.partition("/tree/")[2].partition("/")
                        files = {
                            name: content
                            for name, content in hub.files(repo, unquote(revision)).items()
                            if not folder or name.startswith(unquote(folder).rstrip("/") + "/")
                        }
                        entries = [{"type": "file", "path": p, "size": len(c), "oid": hashlib.sha1(c).hexdigest()} for p, c in sorted(files.items())]
                        self._send(200, entries)
                        return
                    if "/revision/" in rest:  # /api/models/{repo}/revision/{revision}
                        files = hub.files(repo, unquote(urlparse(self.path).path.partition("/revision/")[2]))
                    sha = hub.commit_of(repo, files)
                    self._send(200, {"id": repo, "modelId": repo, "sha": sha, "siblings": [{"rfilename": p} for p in sorted(files)]})
                    return
                self._file()

            def do_POST(self) -> None:
                path = unquote(urlparse(self.path).path)
                body = self._body()
                if path == "/api/repos/create":
                    info = json.loads(body or b"{}")
                    repo = f"{info.get('organization') or 'user'}/{info['name']}" if "/" not in info["name"] else info["name"]
                    hub.repos.setdefault(repo, {})
                    self._send(200, {"url": f"{hub.url}/{repo}", "repoId": repo, "name": repo})
                elif path == "/api/validate-yaml":
                    self._send(200, {"errors": [], "warnings": []})
                elif path.startswith("/api/models/") and "/preupload/" in path:
                    files = json.loads(body)["files"]
                    self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]})
                elif path.startswith("/api/models/") and "/branch/" in path:
                    repo, _, branch = path[len("/api/models/") :].partition("/branch/")
                    hub.branches.setdefault((repo, branch), dict(hub.repos[repo]))
                    self._send(200, {})
                elif path.startswith("/api/models/") and "/commit/" in path:
                    repo, _, revision = path[len("/api/models/") :].partition("/commit/")
                    if hub.refuse_commits:
                        self._send(500, {"error": "the fake hub refuses commits"})
                        return
                    hub.repos.setdefault(repo, {})
                    answer: dict[str, Any] = {}
                    if "create_pr=1" in urlparse(self.path).query:
                        number = 1 + sum(1 for r, rev in hub.branches if r == repo and rev.startswith("refs/pr/"))
                        base, revision = hub.files(repo, revision), f"refs/pr/{number}"
                        hub.branches[(repo, revision)] = dict(base)
                        answer["pullRequestUrl"] = f"{hub.url}/{repo}/discussions/{number}"
                    files = hub.files(repo, revision)
                    for line in body.decode().splitlines():
                        item = json.loads(line)
                        if item.get("key") == "header":
                            hub.commits.append(f"{repo}@{revision}: {item['value'].get('summary', '')}")
                        elif item.get("key") == "file":
                            files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                        elif item.get("key") == "deletedFile":
                            files.pop(item["value"]["path"], None)
                    commit = hub.commit_of(repo, files)
                    self._send(200, {"commitOid": commit, "commitUrl": f"{hub.url}/{repo}/commit/{commit}", **answer})
                else:
                    self._send(404, {"error": f"unknown endpoint {path}"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def files(self, repo: str, revision: str = "main") -> dict[str, bytes]:
        """The files of ``repo`` at ``revision`` (empty if there are none)."""
        if revision in self.snapshots:
            return self.snapshots[revision]
        if revision == "main":
            return self.repos.get(repo, {})
        return self.branches.get((repo, revision), {})

    def commit_of(self, repo: str, files: dict[str, bytes]) -> str:
        """The commit id of ``files`` (a revision's), kept to answer for that state."""
        commit = commit_id(repo, files)
        self.snapshots.setdefault(commit, dict(files))
        return commit

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
