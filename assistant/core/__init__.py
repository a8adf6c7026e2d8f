"""The engine core: session log, beliefs, planning, reading and replies. Pure: no I/O."""
