"""Legacy Word (.doc) and WPS (.wps) files, read through LibreOffice.

Years of 汇报 sit in Word 97 .doc files and in Kingsoft WPS .wps files (OLE compound documents close to Word 97's,
which LibreOffice detects by content, not by the file name).  Rather than a second, partial parser we let ``soffice --headless`` convert the file to .docx and read
that with the docx loader every other Word file goes through.

Each conversion runs in its own temporary folder with its own LibreOffice profile (``-env:UserInstallation``), so
two conversions at the same time (the CLI and the app) never share a lock or a half-written profile; the folder is
removed afterwards whatever happens.  A conversion that hangs is killed with its whole process group after the
per-file timeout, so one bad file costs at most that long and the batch goes on.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "Debian/Ubuntu：apt-get install libreoffice-writer-nogui"
# What a .doc/.wps may really be: an OLE compound file (Word 97–2003, WPS), a renamed .docx (zip) or RTF.  Web pages
# saved as .doc are text and pass too; other binary content would be imported by LibreOffice as garbled text.
CONTAINERS = (bytes.fromhex("D0CF11E0A1B11AE1"), b"PK\x03\x04", b"{\\rtf")


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, timeout: float, work_dir: str | Path | None = None) -> bytes:
    """The bytes of ``path`` converted to .docx by LibreOffice; ``LoadError`` when that is impossible.

    ``work_dir`` is where the temporary folder goes (default: the system temp dir, ``TMPDIR``).
    """
    from .loaders import LoadError

    head = path.read_bytes()[:4096]
    if not head.startswith(CONTAINERS) and b"\x00" in head:
        raise LoadError(f"不是 Word/WPS 文档（{path.suffix} 文件内容无法识别，可能已损坏）")
    soffice = find_soffice()
    if soffice is None:
        raise LoadError(f"读取 {path.suffix} 文件需要 LibreOffice，但本机没有安装（{INSTALL_HINT}）")
    with tempfile.TemporaryDirectory(prefix="huibao-convert-", dir=work_dir) as tmp:
        tmp_dir = Path(tmp)
        source = tmp_dir / f"input{path.suffix.lower()}"  # a plain name: the user's file name never reaches a shell
        shutil.copyfile(path, source)
        out_dir = tmp_dir / "out"
        command = [soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={(tmp_dir / 'profile').as_uri()}",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(source)]
        env = {**os.environ, "HOME": str(tmp_dir)}  # nothing of LibreOffice's lands in the user's home
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise LoadError(f"LibreOffice 转换超时（超过 {timeout:g} 秒，已中止；可调大 HUIBAO_INGEST__CONVERT_TIMEOUT）")
        finally:
            _kill_group(proc)  # soffice may leave a child behind even after a clean exit
        target = out_dir / "input.docx"
        if proc.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            detail = [line for line in detail if "javaldx" not in line]
            raise LoadError(f"LibreOffice 无法转换此文件（已损坏，或不是 Word/WPS 文档）"
                            f"{'：' + detail[-1][:200] if detail else ''}")
        return target.read_bytes()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
