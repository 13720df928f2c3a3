"""Build generations on disk: publishing one, staging leftovers, and readers' leases, which
say which old generations a build may remove.

A kernel maps its generation's files as it needs them (one resolution's codes when a visitor
first asks for it), so a generation must outlive every process that reads it. Each reader holds
a shared ``flock`` on the generation's lease file for as long as its Atlas lives; a build
removes every older generation on which it can take the exclusive lock, and keeps the others
for a later build. Without kernels, a city keeps one generation on disk, not two.

Removal renames the folder first (``.tmp-removing-*``, which an interrupted build's next run
clears), so a reader never takes a half-removed generation for a whole one; a reader that finds
its generation gone reads ``CURRENT`` again.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import weakref
from pathlib import Path

LEASE = ".readers"
"""The lease file in each generation (empty: only its lock matters)."""

REMOVING = ".tmp-removing-"
"""Prefix of a generation being removed (a staging leftover for :func:`remove_leftovers`)."""


def publish_generation(pointer: Path, generation: Path) -> None:
    """Name ``generation`` in the one-line file ``pointer`` (``CURRENT``) atomically, durably."""
    tmp = pointer.with_name(f".{pointer.name}.tmp")
    tmp.write_text(generation.name + "\n")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, pointer)
    fd = os.open(pointer.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(root: Path) -> None:
    """Staging folders of builds that were killed: never named by CURRENT, safe to remove."""
    for parent in (root, root / "cache"):
        if parent.is_dir():
            for tmp in parent.glob(".tmp-*"):
                shutil.rmtree(tmp, ignore_errors=True)


def write_lease(folder: Path) -> None:
    """The lease file of a generation being written (staging)."""
    (folder / LEASE).touch()


def take_lease(generation: Path) -> int | None:
    """A shared lock on ``generation`` for this process (the file descriptor), None when the
    generation is gone (removed since ``CURRENT`` named it: read it again).

    A generation written before leases existed has no lease file: it is read without one, -1
    (a build keeps it while it is the one just replaced, as builds always did)."""
    try:
        fd = os.open(generation / LEASE, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:  # a removed generation was renamed away first
        return -1 if generation.is_dir() else None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a build is removing this generation
    except OSError as error:  # no locks on this file system: read it, unprotected
        if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            return fd
        os.close(fd)
        raise
    if os.fstat(fd).st_nlink == 0:  # removed while we waited
        os.close(fd)
        return None
    return fd


def bind_lease(owner: object, fd: int) -> None:
    """Hold the lease as long as ``owner`` (the Atlas whose mapped files are in it) lives."""
    if fd >= 0:
        weakref.finalize(owner, os.close, fd)


def remove_unread(root: Path, keep: Path) -> list[Path]:
    """Remove the generations under ``root`` but ``keep`` that no process reads; returns the
    ones kept because a reader holds them. A generation written before leases existed is kept
    only while it is the one just replaced, as builds always did."""
    kept = []
    old = sorted(p for p in root.glob("gen-*") if p.is_dir() and p != keep)
    for generation in old:
        if not (generation / LEASE).is_file():  # before leases
            if generation == old[-1]:
                kept.append(generation)
            else:
                _remove(root, generation)
        elif not _remove_if_unread(root, generation):
            kept.append(generation)
    return kept


def _remove_if_unread(root: Path, generation: Path) -> bool:
    try:
        fd = os.open(generation / LEASE, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a reader holds it (or the file system has no locks: keep it)
            return False
        _remove(root, generation)  # under the lock: no reader can take it meanwhile
        return True
    finally:
        os.close(fd)


def _remove(root: Path, generation: Path) -> None:
    doomed = root / f"{REMOVING}{generation.name}"
    try:
        generation.rename(doomed)
    except OSError:
        return
    shutil.rmtree(doomed, ignore_errors=True)
