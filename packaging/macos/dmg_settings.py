r"""dmgbuild settings: the drag-to-Applications disk image for TherapyNotes.app.

    dmgbuild -s packaging/macos/dmg_settings.py -D app=dist/TherapyNotes.app \\
        "Therapy Notes" dist/TherapyNotes-VERSION.dmg

dmgbuild executes this file with `defines` (the -D values) in its namespace.
"""

import os.path

application = defines.get("app", "dist/TherapyNotes.app")  # type: ignore[name-defined]  # noqa: F821
appname = os.path.basename(application)

format = "UDZO"  # dmgbuild reads this name
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon_locations = {appname: (140, 120), "Applications": (500, 120)}
background = "builtin-arrow"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((100, 100), (640, 280))
default_view = "icon-view"
icon_size = 128
text_size = 13
