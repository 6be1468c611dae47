"""The one part of the build that `pyproject.toml` cannot say statically.

The app's assets live in the top-level `resources/` folder, beside `therapy_notes/`, and are
installed as the package `therapy_notes.resources`. A mapped package has to be listed next
to the packages that are found, and `[tool.setuptools.packages.find]` cannot add one, so
the list is built here; everything else about the build is in `pyproject.toml`.
"""

from setuptools import find_packages, setup

FOUND = find_packages(include=["therapy_notes", "therapy_notes.*"])

setup(
    packages=[*FOUND, "therapy_notes.resources"],
    package_dir={"therapy_notes.resources": "resources"},
)
