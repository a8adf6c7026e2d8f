"""The engine core, pure (no I/O): the session log and the tracker that builds its state, the
belief model, the planner that decides the next step, the explainer that words the replies, and
the text reader."""
