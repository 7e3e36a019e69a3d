"""Sync with the secretariat: protocol, client and hub (comes with the sync issue)."""
