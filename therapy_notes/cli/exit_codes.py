"""The process exit codes every command returns, so scripts can tell a usage slip from a failure."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
