"""Real-protocol fakes for tests: a Realtime server, an in-memory unit of work, audio."""
