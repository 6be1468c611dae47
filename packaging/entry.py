"""What the frozen executables run: the same `main` as the `therapy-notes` command."""

import sys

from therapy_notes.cli import main

if __name__ == "__main__":
    sys.exit(main())
