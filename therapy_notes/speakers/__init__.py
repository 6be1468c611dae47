"""Who said what: speaker embeddings of each turn and a two-speaker online diarizer."""
