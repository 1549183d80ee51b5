"""Which files an import may read, and why each other one is not read.

An import is told folders and files on the command line (or by the app's upload folder).  Inside a folder, a link
may point anywhere (``x.txt -> /etc/passwd``, ``-> /dev/zero``), a FIFO named ``.txt`` would block the import for
ever, a 60 MB text would hold the writer lock for minutes, and a 20 MB .docx may inflate to gigabytes of XML.  This
module walks the folders without following links out of them, reads nothing, and returns the files to import beside
one :class:`Skip` per file it leaves out, with the reason a person can act on.  Nothing is dropped silently.
"""
from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .loaders import SUPPORTED, LoadError

# A .docx (any zip container) may inflate to this many times the file-size limit before it is refused unread:
# Word's XML is verbose (a 1 MiB text is ~5 MiB of document.xml) but a zip bomb is thousands of times larger.
ZIP_INFLATION = 10


@dataclass
class Skip:
    """A file not imported.  ``error``: refused (counts as a failure: link out of the folder, too large, not a
    regular file); otherwise merely not a report file (an unsupported type found inside a folder)."""

    file: str
    reason: str
    error: bool = True


def check_file(path: Path, max_bytes: int | None) -> None:
    """Raise :class:`LoadError` when ``path`` is not a regular file of at most ``max_bytes`` (zip contents too)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise LoadError(f"无法读取：{exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("不是普通文件（设备、管道或目录），未读取")
    if max_bytes is None:
        return
    if info.st_size > max_bytes:
        raise LoadError(f"文件过大：{info.st_size / 2**20:.1f} MiB，上限 {max_bytes / 2**20:g} MiB"
                        "（HUIBAO_INGEST__MAX_FILE_MB）")
    with path.open("rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if is_zip:
        try:
            with zipfile.ZipFile(path) as archive:
                inflated = sum(i.file_size for i in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # the loader says what is wrong with it
        if inflated > ZIP_INFLATION * max_bytes:
            raise LoadError(f"压缩内容过大：解压后 {inflated / 2**20:.0f} MiB，上限 "
                            f"{ZIP_INFLATION * max_bytes / 2**20:g} MiB（疑似压缩炸弹），未读取")


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def collect_files(paths: list[str | Path], max_bytes: int | None = None) -> tuple[list[Path], list[Skip]]:
    """Files to import (folders walked in sorted order, so runs repeat) and the files left out, with reasons.

    A file named on the command line is read as given (the user named it), but checked for size and type; inside a
    folder, a link is followed only when its target stays inside that folder, and only supported types are taken
    (others are listed as not imported).  ``max_bytes`` None: no size limit.
    """
    files: list[Path] = []
    skips: list[Skip] = []

    def take(path: Path) -> None:
        try:
            check_file(path, max_bytes)
        except LoadError as exc:
            skips.append(Skip(str(path), str(exc)))
            return
        files.append(path)

    for given in map(Path, paths):
        if not given.is_dir():
            take(given)  # a missing or unsupported file is the loader's error, as before
            continue
        root = given.resolve()
        for folder, dirs, names in os.walk(given, followlinks=False):
            dirs.sort()
            for d in list(dirs):
                sub = Path(folder) / d
                if sub.is_symlink():
                    dirs.remove(d)
                    if not _inside(sub, root):
                        skips.append(Skip(str(sub), "链接指向所选文件夹之外，未读取"))
            for name in sorted(names):
                path = Path(folder) / name
                if path.suffix.lower() not in SUPPORTED:
                    skips.append(Skip(str(path), f"不支持的文件类型 {path.suffix or '（无扩展名）'}，未导入", False))
                elif path.is_symlink() and not _inside(path, root):
                    skips.append(Skip(str(path), "链接指向所选文件夹之外，未读取"))
                else:
                    take(path)
    return files, skips
