"""What the frozen executables run: the same `main` as the `therapy-notes` command."""

import multiprocessing
import sys

from therapy_notes.cli import main

if __name__ == "__main__":
    # The window's speech engine is a child process of this executable (spawn): in a frozen
    # app the child is this same program, and this call makes it run the engine instead.
    multiprocessing.freeze_support()
    sys.exit(main())
