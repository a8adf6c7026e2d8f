"""The model probes: checks that run the user's model, loss and optimizer."""
