"""What parsed code says about a setup, as facts of the knowledge base.

Each reading looks at the statements :mod:`assistant.core.reading.code` found and sets facts
with the line that shows them: the model (:mod:`.code_model`), the training loop
(:mod:`.code_loop`), the data and evaluation (:mod:`.code_data`), over the calls and
assignments :mod:`.code_calls` lists. A fragment may lack the rest of the script, so an
absence (no ``zero_grad``, no regulariser) counts only where the code shows the part it
belongs to (a loop that steps the optimizer, a whole script).
"""

from __future__ import annotations

from assistant.core.reading.code import Statement
from assistant.core.reading.code_calls import Code, Found
from assistant.core.reading.code_data import read_data, read_details
from assistant.core.reading.code_loop import read_freezing, read_loop, read_shapes
from assistant.core.reading.code_model import read_loss, read_model, read_optimizer, read_output


def facts_of(statements: list[Statement], lines: list[str], *, whole: bool) -> Found:
    """Every fact the statements show, with the line that shows it."""
    code = Code(statements, lines, whole)
    found = Found()
    loss = read_loss(code, found)
    output = read_output(code, found, loss)
    read_model(code, found, output)
    read_optimizer(code, found)
    read_loop(code, found)
    read_freezing(code, found)
    read_shapes(code, found)
    read_data(code, found, loss)
    read_details(code, found)
    return found
