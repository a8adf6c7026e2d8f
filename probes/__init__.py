"""Runnable checks on a user's model and data. Probes report facts; they never import the engine."""
