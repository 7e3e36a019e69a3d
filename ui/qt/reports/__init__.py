"""Exports and figures on the desktop: case summaries, batches, the statistics dashboard."""
