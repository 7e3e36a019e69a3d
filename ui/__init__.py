"""The front ends: the desktop app (the only Qt importer) and the command line."""
