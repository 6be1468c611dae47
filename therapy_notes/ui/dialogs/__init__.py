"""Dialogs: opened with `open()` and answered through `finished`, never `exec()`."""
