"""The app's assets (icons, note templates, the speaker model, the sample recording).

Not code: this file makes the folder the package `therapy_notes.resources` (the mapping is
in `setup.py`), so `pip install .`, an editable install and the frozen bundle all carry it.
Find files here through `therapy_notes.resource_paths`, never by building paths.
"""
