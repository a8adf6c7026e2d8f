"""The dialogue engine: session events, beliefs, planning and replies."""
