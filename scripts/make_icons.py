"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from its SVG.

    python scripts/make_icons.py

Reads `resources/icons/therapy-notes.svg` and writes `resources/icons/png/*.png`,
`resources/icons/therapy-notes.ico` and `resources/icons/therapy-notes.icns`. Only Qt is
needed (QtSvg renders, QImage writes PNG); both container formats hold PNG images, which
every supported Windows and macOS version reads.
"""

from __future__ import annotations

import os
import struct
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from therapy_notes.resource_paths import APP_ID, ICON_SIZES_PX, icon_path

ICO_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {
    16: b"icp4",
    32: b"icp5",
    64: b"icp6",
    128: b"ic07",
    256: b"ic08",
    512: b"ic09",
    1024: b"ic10",
}


def render(renderer: QSvgRenderer, size_px: int) -> bytes:
    """The icon at `size_px` square, as PNG bytes."""
    image = QImage(size_px, size_px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A .ico holding PNG images (Windows Vista and later)."""
    sizes = [s for s in ICO_SIZES_PX if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A .icns holding PNG images (macOS 10.7 and later)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for size, kind in ICNS_TYPES.items()
        if size in pngs
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    """Write every generated icon file next to the SVG source."""
    _app = QGuiApplication(sys.argv[:1])
    source = icon_path()
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        sys.stderr.write(f"cannot read {source}\n")
        return 1
    pngs = {size: render(renderer, size) for size in ICON_SIZES_PX}
    for size, png in pngs.items():
        target = icon_path(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
    (source.parent / f"{APP_ID}.ico").write_bytes(ico(pngs))
    (source.parent / f"{APP_ID}.icns").write_bytes(icns(pngs))
    sys.stdout.write(f"wrote {len(pngs)} PNG sizes, {APP_ID}.ico and {APP_ID}.icns\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
