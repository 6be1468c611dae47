"""One place finds the app's assets; the icon's generated files exist and are well formed."""

from __future__ import annotations

import struct
from pathlib import Path

from therapy_notes.resource_paths import (
    APP_ID,
    ICON_SIZES_PX,
    icon_path,
    resource_path,
    resources_dir,
)

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_resources_folder_is_the_top_level_one() -> None:
    assert resources_dir() == ROOT / "resources"
    assert icon_path().read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_every_asset_kind_is_found_through_the_one_module() -> None:
    assert resource_path("templates", "soap.json").is_file()
    assert resource_path("samples", "sample_session.wav").is_file()
    assert resource_path("models", "embedder.int8.onnx").is_file()
    assert not (ROOT / "therapy_notes" / "resources").exists()  # one home for assets


def test_every_png_size_is_generated_at_its_size() -> None:
    for size in ICON_SIZES_PX:
        data = icon_path(size).read_bytes()
        assert data.startswith(PNG_MAGIC)
        width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
        assert (width, height) == (size, size)


def test_the_ico_and_icns_hold_png_images() -> None:
    ico = (icon_path().parent / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    assert count >= 6
    first_offset = struct.unpack("<I", ico[6 + 12 : 6 + 16])[0]
    assert ico[first_offset : first_offset + 8] == PNG_MAGIC
    icns = (icon_path().parent / f"{APP_ID}.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns  # the 1024 px image a Retina Dock uses


def test_installers_and_the_desktop_entry_use_the_icon() -> None:
    desktop = (ROOT / "packaging" / "linux" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert f"Icon={APP_ID}" in desktop
    assert "Exec=therapy-notes" in desktop
    spec = (ROOT / "packaging" / "therapy_notes.spec").read_text(encoding="utf-8")
    assert "therapy-notes.ico" in spec
    assert "therapy-notes.icns" in spec
    assert "icon=None" not in spec
    iss = (ROOT / "packaging" / "windows" / "therapy_notes.iss").read_text(encoding="utf-8")
    assert "therapy-notes.ico" in iss
