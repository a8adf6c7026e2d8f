"""The one drive loop: run the probes the engine asks for and feed the results back."""
