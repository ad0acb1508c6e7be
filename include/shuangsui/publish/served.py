"""The served site folder (公示网站目录), switched whole: each build is written into a new
folder beside it, and the served path, a symbolic link, is then pointed at that folder in one
atomic step (os.replace of a new link). A build that fails part-way — a full disk (ENOSPC),
a file too large, a crash — leaves the previous site served as it was and no half-written
tree behind.

Beside `site` (the served path) live:
- `site.build-<8 hex>`: the build `site` points at (and, for a moment, the next one);
- `site.build-migrated`: a real `site` folder, as builds before this scheme left it, moved
  aside once so `site` can become a link;
- `.site.lock`: held while a build switches, so two builds never race.
Anything else beside it is never touched.

A file whose bytes did not change is hard-linked from the previous build, so it keeps its
inode and modification time (ETags and mirrors see it unchanged) and costs no disk space;
only new bytes are written, each flushed to disk (fsync) before the switch.

Serve the link's folder with symlinks followed (nginx does by default). A bind mount of the
link itself would pin the build it pointed at when the container started: mount the folder
holding the link (docker-compose.yaml mounts ./data/public)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

BUILD = "build-"
MIGRATED = "build-migrated"


class SiteNotWritten(OSError):
    """The new site could not be written; the previous one is still served unchanged."""


def _build_pattern(site: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(site.name)}\.{BUILD}(?:[0-9a-f]{{8}}|migrated)")


def _link_pattern(site: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(site.name)}\.link-[0-9a-f]{{8}}")


def current(site: Path) -> Path | None:
    """The folder the site is served from now (None before the first build)."""
    if site.is_symlink():
        target = site.parent / os.readlink(site)
        return target if target.is_dir() else None
    return site if site.is_dir() else None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _point(site: Path, build: Path) -> None:
    """Point the link `site` at `build`, atomically (a new link renamed over the old)."""
    link = site.parent / f".{site.name}.link-{secrets.token_hex(4)}"
    os.symlink(build.name, link)
    try:
        os.replace(link, site)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # switched already: only its durability is at stake
        _fsync_dir(site.parent)


def _settle(site: Path) -> None:
    """Make `site` a link to a build: a real folder (left by builds before this scheme) is
    moved aside once; a move interrupted before its link was made is finished."""
    migrated = site.parent / f"{site.name}.{MIGRATED}"
    if site.is_dir() and not site.is_symlink():
        os.rename(site, migrated)
        _point(site, migrated)
    elif not site.exists() and not site.is_symlink() and migrated.is_dir():
        _point(site, migrated)


def _remove_others(site: Path, keep: Path | None) -> None:
    """Remove the builds other than `keep` and links left by an interrupted switch."""
    builds, links = _build_pattern(site), _link_pattern(site)
    for entry in site.parent.iterdir():
        if builds.fullmatch(entry.name) and entry != keep and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        elif links.fullmatch(entry.name) and entry.is_symlink():
            entry.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(site: Path) -> Iterator[None]:
    """Hold the site's lock; on entry `site` is a link to its build (or absent) and the
    leftovers of failed builds are gone."""
    site.parent.mkdir(parents=True, exist_ok=True)
    with open(site.parent / f".{site.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _settle(site)
            _remove_others(site, current(site))
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_file(path: Path, data: bytes) -> None:
    """One new file of a build, flushed to disk (a full disk fails here, not later)."""
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.read_bytes() == data
    except OSError:
        return False


def _kept(old: Path, files: dict[str, bytes], drop: set[str]) -> list[str]:
    """Files of the old build that no build wrote (put there by hand): carried over."""
    kept = []
    for folder, _, names in os.walk(old):
        for name in names:
            rel = (Path(folder) / name).relative_to(old).as_posix()
            if rel not in files and rel not in drop:
                kept.append(rel)
    return sorted(kept)


def _fill(build: Path, old: Path | None, files: dict[str, bytes], drop: set[str]) -> None:
    """Write the new build: unchanged files linked from `old`, new bytes written."""
    for rel, data in sorted(files.items()):
        path = build / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if old is not None and _same_bytes(old / rel, data):
                with contextlib.suppress(OSError):  # no hard links here: write the bytes
                    os.link(old / rel, path)
                    continue
            write_file(path, data)
        except OSError as e:
            e.filename = rel  # a failed write() names no file
            raise
    for rel in _kept(old, files, drop) if old is not None else []:
        (build / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(old / rel, build / rel, follow_symlinks=False)
        except OSError:
            shutil.copy2(old / rel, build / rel, follow_symlinks=False)
    for folder, _, _ in os.walk(build):
        _fsync_dir(Path(folder))


def _new_build(site: Path) -> Path:
    while True:
        build = site.parent / f"{site.name}.{BUILD}{secrets.token_hex(4)}"
        with contextlib.suppress(FileExistsError):
            build.mkdir()  # mode from the umask, as the web server's user must read it
            return build


def replace(site: Path, files: dict[str, bytes], *, drop: set[str]) -> bool:
    """Serve `files` (path relative to the site -> bytes) at `site`, switched at once; the
    previous build's files not in `files` are kept, except those in `drop` (what an earlier
    build wrote). Call it inside `locked(site)`. Returns False if the site already is
    exactly this (nothing is written). Raises SiteNotWritten if a write fails: the previous
    site is then still served and the new build's folder is removed."""
    old = current(site)
    if (
        old is not None
        and not any((old / rel).exists() for rel in drop - set(files))
        and all(_same_bytes(old / rel, data) for rel, data in files.items())
    ):
        return False
    build: Path | None = None
    done = False
    try:
        build = _new_build(site)
        _fill(build, old, files, drop)
        _point(site, build)
        done = True
    except OSError as e:
        where = f"{e.filename} in {build.name}" if build and e.filename else site.parent
        raise SiteNotWritten(
            e.errno,
            f"{site}: the site was not updated; the previous one is still served unchanged. "
            f"Writing {where} failed: {e.strerror or e}. Free space on the disk holding "
            f"{site.parent} (or remove the cause) and build the site again",
        ) from e
    finally:
        if build is not None and not done:
            shutil.rmtree(build, ignore_errors=True)
    _remove_others(site, build)
    return True
