"""`python -m therapy_notes.cli` runs the same command line as `therapy-notes`."""

import sys

from therapy_notes.cli import main

sys.exit(main())
