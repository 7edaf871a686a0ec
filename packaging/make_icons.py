"""Render the app icon's PNG, ICO and ICNS files from its SVG sources.

    python packaging/make_icons.py            # (re)write resources/icons/*
    python packaging/make_icons.py --check    # exit 1 if a generated file is stale

Sources (hand-written, in resources/icons/):

* ``backprop-lab.svg``: the full icon, used for 48 px and up;
* ``backprop-lab-small.svg``: a simplified version, used for 16, 24 and 32 px.

Outputs (committed, so a build needs no extra tools):

* ``backprop-lab-<N>.png`` for N in simulator.resources.ICON_SIZES;
* ``backprop-lab.ico`` (Windows): 16, 24, 32, 48 px as 32-bit BMP entries and 64, 128,
  256 px as PNG entries, the layout Windows' own tools use;
* ``backprop-lab.icns`` (macOS): PNG entries icp4/icp5/icp6/ic07/ic08/ic09/ic10 and the
  @2x ones ic11/ic12/ic13/ic14 (up to 1024 px).

Only PySide6 (QtGui + QtSvg, both in PySide6-Essentials) is needed; no Pillow. The
output is deterministic for a given Qt version.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = REPO_ROOT / "resources" / "icons"
NAME = "backprop-lab"
BIG_SVG = ICON_DIR / f"{NAME}.svg"
SMALL_SVG = ICON_DIR / f"{NAME}-small.svg"
SMALL_MAX = 32  # sizes up to this use the simplified SVG

sys.path.insert(0, str(REPO_ROOT))
from simulator.resources import ICON_SIZES  # noqa: E402

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_BMP_MAX = 48
# ICNS element type -> pixel size (all PNG-encoded; supported since macOS 10.7).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


def _qt():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    return app, QBuffer, QByteArray, QIODevice, Qt, QImage, QPainter, QSvgRenderer


class Renderer:
    """Renders the icon at any size, caching the images."""

    def __init__(self) -> None:
        (self._app, self._QBuffer, self._QByteArray, self._QIODevice, self._Qt,
         self._QImage, self._QPainter, QSvgRenderer) = _qt()
        self._svgs = {}
        for path in (BIG_SVG, SMALL_SVG):
            r = QSvgRenderer(str(path))
            if not r.isValid():
                raise SystemExit(f"make_icons: cannot read {path}")
            self._svgs[path] = r
        self._cache: dict[int, object] = {}

    def image(self, size: int):
        """A premultiplied-ARGB QImage of the icon at size x size."""
        if size not in self._cache:
            src = SMALL_SVG if size <= SMALL_MAX else BIG_SVG
            img = self._QImage(size, size, self._QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(self._Qt.GlobalColor.transparent)
            p = self._QPainter(img)
            p.setRenderHint(self._QPainter.RenderHint.Antialiasing)
            p.setRenderHint(self._QPainter.RenderHint.SmoothPixmapTransform)
            self._svgs[src].render(p)
            p.end()
            self._cache[size] = img
        return self._cache[size]

    def png(self, size: int) -> bytes:
        """The icon at size x size, PNG-encoded (maximum compression)."""
        data = self._QByteArray()
        buf = self._QBuffer(data)
        buf.open(self._QIODevice.OpenModeFlag.WriteOnly)
        if not self.image(size).save(buf, "PNG", 0):
            raise SystemExit(f"make_icons: cannot encode the {size}px PNG")
        buf.close()
        return bytes(data.data())

    def bmp_dib(self, size: int) -> bytes:
        """The icon as an ICO BMP entry: BITMAPINFOHEADER, BGRA rows bottom-up, AND mask."""
        img = self.image(size).convertToFormat(self._QImage.Format.Format_ARGB32)
        stride = img.bytesPerLine()
        bits = bytes(img.constBits())
        rows = [bits[y * stride: y * stride + 4 * size] for y in range(size)]
        # ARGB32 is stored B, G, R, A on little-endian machines, as the DIB wants.
        if sys.byteorder != "little":
            rows = [b"".join(r[i:i + 4][::-1] for i in range(0, len(r), 4)) for r in rows]
        header = struct.pack("<IiiHHIIiiII", 40, size, 2 * size, 1, 32, 0, 0, 0, 0, 0, 0)
        mask_stride = ((size + 31) // 32) * 4
        mask = bytes(mask_stride * size)  # all 0: the alpha channel decides
        return header + b"".join(reversed(rows)) + mask


def ico_bytes(r: Renderer) -> bytes:
    """A Windows .ico with ICO_SIZES."""
    entries = [(s, r.bmp_dib(s) if s <= ICO_BMP_MAX else r.png(s)) for s in ICO_SIZES]
    out = [struct.pack("<HHH", 0, 1, len(entries))]
    offset = 6 + 16 * len(entries)
    for size, data in entries:
        dim = 0 if size >= 256 else size
        out.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset))
        offset += len(data)
    out += [data for _, data in entries]
    return b"".join(out)


def icns_bytes(r: Renderer) -> bytes:
    """A macOS .icns with PNG elements."""
    chunks = []
    for kind, size in ICNS_TYPES:
        data = r.png(size)
        chunks.append(kind + struct.pack(">I", 8 + len(data)) + data)
    body = b"".join(chunks)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs(r: Renderer) -> dict[Path, bytes]:
    """Every generated file and its content."""
    files = {ICON_DIR / f"{NAME}-{s}.png": r.png(s) for s in ICON_SIZES}
    files[ICON_DIR / f"{NAME}.ico"] = ico_bytes(r)
    files[ICON_DIR / f"{NAME}.icns"] = icns_bytes(r)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the generated files are up to date")
    args = parser.parse_args(argv)
    files = outputs(Renderer())
    stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
    if args.check:
        for p in stale:
            print(f"stale: {p.relative_to(REPO_ROOT)}")
        return 1 if stale else 0
    for p, data in files.items():
        if p in stale:
            p.write_bytes(data)
        print(f"{'wrote' if p in stale else 'same '} {p.relative_to(REPO_ROOT)} "
              f"({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
