"""Himaya's core: domain types, rules and services. Pure Python; no Qt, no SQL, no network."""
