"""Watching a real training loop through PyTorch's global hooks: record, then judge.

``Watcher`` (``hooks.py``) installs the hooks and fills a ``Recording`` (``recording.py``);
``judge`` (``judge.py``) turns a recording into facts with evidence; ``capture.py`` builds a
``Target`` from what was captured, so the ordinary probes can run on it. The script runner
(``probes/script.py``), ``train_step_check`` and the notebook's ``watch()`` share all three.
"""
