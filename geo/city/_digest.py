"""Content hashes of source files, remembered by file identity so an unchanged project is
checked in milliseconds instead of re-reading every export.

A city-year CSV is hundreds of MB; hashing it on every ``atlas build`` (and every ``make
dashboard``) costs seconds. Like git's index, the memo keys a digest by the file's size,
modification and change times and inode; when all four match, the bytes are taken to be the
same. A file modified within :data:`RACY_NS` of the moment its digest was taken is hashed again
next time (its mtime cannot tell a later same-second write apart).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

RACY_NS = 2_000_000_000
"""Files changed this close to their hashing are never trusted from the memo."""


def file_digest(path: Path) -> str:
    """Content hash of a file, streamed (a city-year CSV is hundreds of MB)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class DigestMemo:
    """Digests of files by identity, kept in a JSON file of the build folder (never beside the
    user's data). ``hashed`` counts the files actually read, for reports and tests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hashed = 0
        try:
            self._known: dict[str, dict] = json.loads(path.read_text())
        except (OSError, ValueError):
            self._known = {}
        self._changed = False
        self._asked: set[str] = set()

    def digest(self, path: Path) -> str:
        """The file's content hash, read again only when its identity changed."""
        key = str(path.resolve())
        self._asked.add(key)
        st = path.stat()
        seen = self._known.get(key)
        if (seen and seen["identity"] == _identity(st)
                and seen["at_ns"] - st.st_mtime_ns > RACY_NS):
            return seen["digest"]
        at_ns = time.time_ns()
        digest = file_digest(path)
        self.hashed += 1
        self._known[key] = {"identity": _identity(st), "digest": digest, "at_ns": at_ns}
        self._changed = True
        return digest

    def save(self) -> None:
        """Write the memo atomically (a killed build leaves the previous one), keeping only the
        files this build asked about."""
        if not self._changed and self._asked == set(self._known):
            return
        self._known = {k: v for k, v in self._known.items() if k in self._asked}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(self._known, sort_keys=True))
        os.replace(tmp, self.path)
        self._changed = False
