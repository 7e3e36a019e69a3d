"""The case list and the case file."""
