"""`pip install .` ships the app's assets: the wheel is built and read back, then used.

The README's first command is a plain (not editable) install, so the `resources/` folder
beside the package must travel inside the wheel as `therapy_notes.resources`, and
`resource_paths` must find it there rather than in the source tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from therapy_notes.resource_paths import ICON_SIZES_PX

ROOT = Path(__file__).resolve().parent.parent


_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "tests", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the source: a build leaves build/ behind in the tree it reads."""
    source = tmp_path_factory.mktemp("source") / "therapy-notes"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("therapy_notes-*.whl")
    return built


def test_the_wheel_carries_every_asset_inside_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = (p for p in (ROOT / "resources").rglob("*") if p.is_file())
    inside = {f"therapy_notes/{p.relative_to(ROOT)}" for p in assets if "__pycache__" not in str(p)}
    assert inside <= names, sorted(inside - names)
    assert "therapy_notes/resources/templates/soap.json" in names
    assert "therapy_notes/resources/models/embedder.int8.onnx" in names
    assert all(not n.startswith("resources/") for n in names)  # nothing loose in site-packages
    assert "therapy_notes/storage/migrations/env.py" in names
    assert any(n.startswith("therapy_notes/storage/migrations/versions/") for n in names)


def test_an_installed_wheel_finds_its_assets_without_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from therapy_notes.resource_paths import resources_dir, icon_path, resource_path;"
        "from therapy_notes.services.templates import load_template;"
        "print(resources_dir());"
        "print(load_template('SOAP').title);"
        f"print(all(icon_path(s).is_file() for s in {ICON_SIZES_PX!r}));"
        "print(resource_path('samples', 'sample_session.wav').stat().st_size > 0)"
    )
    # -S: no site-packages, so neither the editable install nor the source tree is seen.
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(site)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    folder, title, icons, sample = result.stdout.splitlines()
    assert Path(folder) == site / "therapy_notes" / "resources"
    assert title.startswith("SOAP")
    assert (icons, sample) == ("True", "True")
