"""Sync on the desktop: the status bar, conflicts for supervisors, devices for the secretariat."""
