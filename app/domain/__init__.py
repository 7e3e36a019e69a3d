"""Domain records: frozen, validated dataclasses."""
