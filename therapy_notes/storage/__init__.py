"""SQLite (or PostgreSQL) storage behind the repository Protocols of `services.ports`."""

from therapy_notes.storage.database import Database, open_database, open_url
from therapy_notes.storage.profile_cache import ProfileCache
from therapy_notes.storage.uow import SqlUnitOfWork

__all__ = ["Database", "ProfileCache", "SqlUnitOfWork", "open_database", "open_url"]
