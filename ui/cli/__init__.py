"""himaya-cli: the command line front end (no Qt)."""
