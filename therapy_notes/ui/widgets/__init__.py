"""Widgets: they draw state and report intent; the controllers hold the logic."""
