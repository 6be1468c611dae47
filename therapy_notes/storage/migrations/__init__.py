"""Alembic migrations; they ship inside the package so an installed app can upgrade itself."""
