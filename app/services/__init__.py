"""Use cases. Each checks permissions first, then writes one transaction."""
