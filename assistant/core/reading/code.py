"""Read Python code (PyTorch, Keras/TensorFlow, scikit-learn) pasted in a message or named as a
script, into facts of the knowledge base, each with the line it came from.

The code is parsed, never run: no ``exec``, no import, no unpickling. A text that parses
whole is read from its syntax tree; one that does not (a fragment, a paste with prose around
it, a typo) is read a logical line at a time, the nesting taken from the indentation, and a
line that does not parse gives up only the calls and assignments inside it
("... ends with nn.Softmax(dim=1) and the criterion is nn.NLLLoss()").

What the statements say is turned into facts by :mod:`assistant.core.reading.code_facts`;
this module finds the statements.
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Literal

from assistant.core.errors import UsageError
from assistant.core.reading.bounds import Cut, long_paste_note
from assistant.core.reading.patterns import Sifted
from knowledge.types import FactId, Value

MAX_CHARS = 200_000
"""Of a longer paste only this much is read: reading time grows with the text."""
MAX_LINES = 5_000
"""Of a longer paste only this many lines are read."""
GIVE_UP_AFTER = 200
"""After this many lines in a row that are not Python, the rest is taken for a log or prose
and not read: a line that does not parse costs far more than one that does."""
QUOTE_CHARS = 100
"""How much of a line is quoted as evidence."""
FRAGMENT_CHARS = 400
"""The longest call read out of a line of prose."""
LINE_FRAGMENTS = 40
"""The most calls read out of one line that does not parse: a longer run is data, not code."""

ScopeKind = Literal["loop", "no_grad", "function", "class", "block"]


@dataclass(frozen=True)
class CodeReading:
    facts: dict[FactId, Value] = field(default_factory=dict)
    """What the code establishes."""
    evidence: dict[FactId, str] = field(default_factory=dict)
    """For each fact, the line it came from: ``"line 12: nn.Softmax(dim=1)"``, or
    ``"train.py:12: nn.Softmax(dim=1)"`` when the code came from a file."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about the reading: a paste read in part, another language."""
    looks_like_code: bool = False
    """Whether the text is (mostly) code rather than words with code in them."""
    cut: Cut | None = None
    """What was read of a paste too long to read whole (its note is in :attr:`notes`)."""


# -- statements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A block a statement sits in: a loop, a ``with torch.no_grad()``, a function."""

    kind: ScopeKind
    line: int
    name: str = ""
    """The function's or class's name."""


@dataclass(frozen=True)
class Statement:
    line: int
    node: ast.stmt
    """The statement; of a compound one (``for``, ``with``, ``def``) only the header counts,
    its body comes as statements of their own."""
    scopes: tuple[Scope, ...]
    """The enclosing blocks, outermost first."""
    quote: str
    """The code it came from, as shown in evidence."""

    def inside(self, kind: ScopeKind) -> Scope | None:
        """The innermost enclosing block of ``kind``."""
        for scope in reversed(self.scopes):
            if scope.kind == kind:
                return scope
        return None


_NO_GRAD = re.compile(r"\b(no_grad|inference_mode)\b|set_grad_enabled\(\s*False")


def _scope_of(node: ast.stmt) -> Scope | None:
    line = node.lineno
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return Scope("loop", line)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if any(_NO_GRAD.search(ast.unparse(d)) for d in node.decorator_list):
            return Scope("no_grad", line, node.name)
        return Scope("function", line, node.name)
    if isinstance(node, ast.ClassDef):
        return Scope("class", line, node.name)
    if isinstance(node, ast.With | ast.AsyncWith):
        if any(_NO_GRAD.search(ast.unparse(item.context_expr)) for item in node.items):
            return Scope("no_grad", line)
        return Scope("block", line)
    if isinstance(node, ast.If | ast.Try | ast.Match):
        return Scope("block", line)
    return None


def header_nodes(node: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that belong to its own line, not to its body."""
    if isinstance(node, ast.For | ast.AsyncFor):
        return [node.target, node.iter]
    if isinstance(node, ast.While | ast.If):
        return [node.test]
    if isinstance(node, ast.With | ast.AsyncWith):
        return list(node.items)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return [*node.decorator_list, node.args]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    if isinstance(node, ast.Try):
        return []
    if isinstance(node, ast.Match):
        return [node.subject]
    return [node]


def _bodies(node: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(node, ast.Try):
        return [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
    if isinstance(node, ast.Match):
        return [case.body for case in node.cases]
    return [
        body
        for name in ("body", "orelse", "finalbody")
        if isinstance(body := getattr(node, name, None), list)
    ]


def _walk(body: list[ast.stmt], scopes: tuple[Scope, ...], quote: _Quoter) -> list[Statement]:
    found: list[Statement] = []
    for node in body:
        found.append(Statement(node.lineno, node, scopes, quote(node.lineno)))
        scope = _scope_of(node)
        inner = scopes if scope is None else (*scopes, scope)
        for block in _bodies(node):
            found += _walk(block, inner, quote)
    return found


class _Quoter:
    """The physical line ``n`` of the text, cut for evidence."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __call__(self, line: int) -> str:
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return _cut(text)


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


# -- reading a text that does not parse whole ----------------------------------------------

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_HEADER = re.compile(
    r"^(?:async\s+)?(?:for|while|with|def|class|if|elif|else|try|except|finally|match|case)\b"
)
_CALL_START = Sifted(r"(?<![\w.])(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*\(")
_ASSIGNMENT = Sifted(
    r"(?<![\w.])(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:\[[^\]\n]{0,20}\])?\s*=\s*"
    r"(?:True|False|None|[-+]?\d[\d.e+-]*|'[^'\n]{0,60}'|\"[^\"\n]{0,60}\"|\[[^\]\n]{0,80}\])"
    r"(?![\w.(])"
)
_API_NAME = Sifted(
    r"(?<![\w.])(?:torch\.nn\.|nn\.|torch\.optim\.|optim\.|keras\.(?:layers\.|losses\.)?|"
    r"layers\.|losses\.)[A-Z]\w+(?![\w(])"
)
"""An API class named in prose without a call: "I train them with nn.CrossEntropyLoss"."""


@dataclass(frozen=True)
class _LogicalLine:
    start: int
    """The number of its first physical line."""
    text: str
    indent: int
    size: int
    """How many physical lines it joins."""


def _logical_lines(lines: list[str], first: int = 1, join: bool = True) -> list[_LogicalLine]:
    """Physical lines joined while brackets stay open or a line ends with a backslash
    (with ``join`` false, each line alone). ``first`` is the number of ``lines[0]``."""
    found: list[_LogicalLine] = []
    buffer: list[str] = []
    start = first
    depth = 0
    for number, line in enumerate(lines, start=first):
        code = _without_comment(line)
        if not buffer:
            if not code.strip():
                continue
            start = number
        buffer.append(code)
        depth = max(0, depth + _bracket_balance(code))
        # a bracket that never closes must not swallow the rest of the text
        if join and ((depth and len(buffer) < 30) or code.rstrip().endswith("\\")):
            continue
        found.append(_logical(start, buffer))
        buffer, depth = [], 0
    if buffer:
        found.append(_logical(start, buffer))
    return found


def _logical(start: int, buffer: list[str]) -> _LogicalLine:
    text = "\n".join(buffer)
    return _LogicalLine(start, text, len(text) - len(text.lstrip()), len(buffer))


def _without_comment(line: str) -> str:
    if "#" not in line:
        return line
    quote: str | None = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _bracket_balance(code: str) -> int:
    if "'" not in code and '"' not in code:
        return sum(map(code.count, "([{")) - sum(map(code.count, ")]}"))
    balance = 0
    quote: str | None = None
    for char in code:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            balance += 1
        elif char in ")]}":
            balance -= 1
    return balance


PADDED_LINES = 400
"""Up to this line, code is parsed behind blank lines that put it at its line, rather than
parsed at line 1 and its nodes moved: the parser skips a blank line for far less than
``ast.increment_lineno`` takes to walk a tree, which was most of the time a pasted line
took to read. Further down, the blank lines would cost more than the walk."""


_TWO_NAMES = re.compile(
    r"(?P<first>[A-Za-z_][A-Za-z0-9_]*)[ \t]+(?:[0-9'\"]|(?P<second>[A-Za-z_][A-Za-z0-9_]*))"
)
_NOT_NAMES = frozenset({*keyword.kwlist, *keyword.softkwlist, "type"})
"""Words that may stand first in a statement, or second after a name ("x if y else z"):
keywords, and the soft keywords of this Python and the next (``match``, ``case``, ``type``)."""


def _cannot_parse(text: str) -> bool:
    """Whether ``text`` starts with a name followed, past spaces, by another name, a number
    or a string: no Python statement does, so the parser would refuse it at its second
    token. Prose does ("My model does not learn"), and a refusal costs the parser two
    passes and an exception, most of the time a pasted message took to read."""
    found = _TWO_NAMES.match(text)
    return (
        found is not None
        and found.group("first") not in _NOT_NAMES
        and found.group("second") not in _NOT_NAMES
    )


def _parse_at(text: str, line: int) -> ast.Module | None:
    """``text`` parsed as the code starting at ``line``, or None where it does not parse."""
    if _cannot_parse(text):
        return None
    padded = 1 < line <= PADDED_LINES
    try:
        tree = ast.parse("\n" * (line - 1) + text if padded else text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if line > 1 and not padded:
        ast.increment_lineno(tree, line - 1)
    return tree


@dataclass
class _Tolerant:
    """A text read one logical line at a time."""

    statements: list[Statement] = field(default_factory=list)
    parsed_lines: int = 0
    failed_lines: int = 0
    first_failure: int | None = None
    stopped_at: int | None = None
    """The line from which the rest was not read (``GIVE_UP_AFTER``)."""


def _read_tolerant(lines: list[str], quote: _Quoter) -> _Tolerant:
    result = _Tolerant()
    stack: list[tuple[int, Scope | None]] = []
    pending_decorators: list[str] = []
    queue = _logical_lines(lines)
    queue.reverse()
    failed_in_a_row = 0
    while queue:
        logical = queue.pop()
        if failed_in_a_row >= GIVE_UP_AFTER and queue:
            result.stopped_at = logical.start
            break
        while stack and stack[-1][0] >= logical.indent:
            stack.pop()
        scopes = tuple(scope for _, scope in stack if scope is not None)
        text = logical.text.strip()
        if text.startswith("@"):
            pending_decorators.append(text)
            continue
        tree = _parse_line(text, logical.start, pending_decorators)
        pending_decorators = []
        if tree is None and logical.size > 1:
            # a bracket left open joined lines that belong apart: read them one by one
            end = logical.start + logical.size - 1
            queue += reversed(_logical_lines(lines[logical.start - 1 : end], logical.start, False))
            continue
        if tree is None:
            result.failed_lines += 1
            failed_in_a_row += 1
            result.first_failure = result.first_failure or logical.start
            result.statements += _fragments(text, logical.start, scopes)
            continue
        failed_in_a_row = 0
        result.parsed_lines += 1
        result.statements += _walk(tree.body, scopes, quote)
        if tree.body and _HEADER.match(text) and text.rstrip().endswith(":"):
            stack.append((logical.indent, _scope_of(tree.body[0])))
    return result


def _parse_line(text: str, line: int, decorators: list[str]) -> ast.Module | None:
    if _HEADER.match(text) and text.rstrip().endswith(":"):
        if text.startswith(("elif", "else", "except", "finally", "case")):
            # a clause of a block opened above: read its condition as an `if`
            text = "if True:" if not text.startswith("elif") else text[2:]
        text = f"{text} pass"
    if decorators:
        return _parse_at("\n".join([*decorators, text]), line - len(decorators))
    return _parse_at(text, line)


def _fragments(text: str, line: int, scopes: tuple[Scope, ...]) -> list[Statement]:
    """The calls and simple assignments inside a line that does not parse as a whole."""
    found: list[Statement] = []
    taken: list[tuple[int, int]] = []
    for match in _CALL_START.finditer(text):
        if len(taken) >= LINE_FRAGMENTS:
            break
        if taken and match.start() < taken[-1][1]:
            continue
        end = _closing(text, match.end() - 1)
        if end is None:
            continue
        # a call of what a call returns: nn.BCELoss()(out, y)
        while end < len(text) and text[end] == "(" and (after := _closing(text, end)):
            end = after
        found += _fragment(text[match.start() : end], line, scopes)
        taken.append((match.start(), end))
    for pattern in (_ASSIGNMENT, _API_NAME):
        for match in islice(pattern.finditer(text), LINE_FRAGMENTS):
            # "activation='softmax'" inside a call already read is an argument, not a line
            if not any(start <= match.start() < end for start, end in taken):
                found += _fragment(match.group(0), line, scopes)
    return found


def _closing(text: str, open_at: int) -> int | None:
    depth = 0
    stop = min(len(text), open_at + FRAGMENT_CHARS)
    for index in range(open_at, stop):
        char = text[index]
        if char in _OPENERS:
            depth += 1
        elif char in _OPENERS.values():
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _fragment(code: str, line: int, scopes: tuple[Scope, ...]) -> list[Statement]:
    tree = _parse_at(code, line)
    if tree is None:
        return []
    return [Statement(line, node, scopes, _cut(code)) for node in tree.body]


# -- the text -------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_OTHER_LANGUAGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("R", re.compile(r"<-\s|\blibrary\(\w+\)|\bfunction\s*\(|\bc\(\d", re.M)),
    ("JavaScript", re.compile(r"\b(?:const|let|var)\s+\w+\s*=|=>|console\.log|;\s*$", re.M)),
    ("Rust", re.compile(r"\bfn\s+\w+|\blet\s+mut\b|\buse\s+\w+::|::<|->\s*Result<", re.M)),
    ("C++", re.compile(r"#include\s*<|\bstd::|\bint\s+main\s*\(|;\s*$", re.M)),
    ("Julia", re.compile(r"^\s*using\s+\w+|^\s*end\s*$|\bfunction\s+\w+\(.*\)\s*$", re.M)),
    ("MATLAB", re.compile(r"^\s*%|\bend\s*$|\bzeros\(\d+,\s*\d+\)\s*;", re.M)),
    ("Lua", re.compile(r"\brequire\s*['\"(]|\blocal\s+\w+\s*=|^\s*end\s*$", re.M)),
)
"""Marks of languages people mistake for Python or paste from other frameworks."""
OTHER_LANGUAGE_MARKS = 3
"""How many marks of a language it takes to name it."""


def _code_lines(text: str) -> tuple[list[str], int]:
    """The lines to read (fences blanked, prose kept: its calls count) and the number of
    lines the whole text has."""
    total = text.count("\n") + 1
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    lines = text.split("\n")[:MAX_LINES]
    return [("" if _FENCE.match(line) else line.expandtabs(4)) for line in lines], total


def _other_language(text: str) -> str | None:
    best, marks = None, 0
    for name, pattern in _OTHER_LANGUAGES:
        count = sum(1 for _ in zip(range(20), pattern.finditer(text), strict=False))
        if count > marks:
            best, marks = name, count
    return best if marks >= OTHER_LANGUAGE_MARKS else None


@dataclass(frozen=True)
class Parsed:
    """A text's statements, and how much of it was read as Python."""

    statements: list[Statement]
    lines: list[str]
    """The lines read, as the statements' line numbers count them."""
    whole: bool
    """The text parsed as a whole: scopes and order are exact."""
    lines_read: int
    """Logical lines that parsed as Python."""
    lines_failed: int
    first_failure: int | None
    total_lines: int
    lines_kept: int
    stopped_at: int | None = None
    """The line from which a text that stopped being Python was not read."""


def parse(text: str) -> Parsed:
    """The statements of ``text``: its syntax tree where it parses, else line by line."""
    lines, total = _code_lines(text)
    quote = _Quoter(lines)
    # the parser warns about odd literals ("1st") on stderr: the user's paste is not ours
    # to lint, and under -W error a warning would stop the reading
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return _parse_lines(lines, total, quote)


def _parse_lines(lines: list[str], total: int, quote: _Quoter) -> Parsed:
    tree = _parse_at("\n".join(lines), 1)
    if tree is not None:
        statements = _walk(tree.body, (), quote)
        return Parsed(statements, lines, True, len(statements), 0, None, total, len(lines))
    tolerant = _read_tolerant(lines, quote)
    return Parsed(
        tolerant.statements,
        lines,
        False,
        tolerant.parsed_lines,
        tolerant.failed_lines,
        tolerant.first_failure,
        total,
        len(lines),
        tolerant.stopped_at,
    )


# -- entry points ---------------------------------------------------------------------------

_CODE_HINT = re.compile(r"[=(]|^\s*(?:import|from|def|class|for|with|@)\b", re.M)


def read_code(text: str, *, origin: str | None = None) -> CodeReading:
    """What the Python code in ``text`` says, as facts with the line each came from.

    ``origin`` names the file the text came from; evidence then reads ``"train.py:12: ..."``.
    Only parsing is done: nothing in the text is imported or run.
    """
    # the fact readers build on this module's statements, so they are imported when used
    from assistant.core.reading.code_facts import facts_of

    text = unicodedata.normalize("NFKC", text)
    if not _CODE_HINT.search(text):
        return CodeReading()
    parsed = parse(text)
    found = facts_of(parsed.statements, parsed.lines, whole=parsed.whole)
    where = f"{origin}:" if origin else "line "
    evidence = {fact: f"{where}{line}: {quote}" for fact, (line, quote) in found.evidence.items()}
    looks_like_code = _looks_like_code(parsed)
    cut = _paste_cut(text, parsed)
    notes = [long_paste_note([cut])] if cut else []
    notes += _notes(text, parsed, looks_like_code)
    if origin is None and looks_like_code and _trains(found.facts):
        notes.append(how_to_run_checks())
    return CodeReading(
        facts=found.facts,
        evidence=evidence,
        notes=notes,
        looks_like_code=looks_like_code,
        cut=cut,
    )


def _trains(facts: dict[FactId, Value]) -> bool:
    """Whether the paste is a PyTorch training script (an optimizer and a loop that calls
    ``backward()``), which checks can run on once it has an ``experiment()``; a model
    definition alone, or Keras code, is not."""
    return "optimizer" in facts and "zero_grad_called" in facts


def _looks_like_code(parsed: Parsed) -> bool:
    read, failed = parsed.lines_read, parsed.lines_failed
    return read >= 2 and read >= failed


def _lines(count: int) -> str:
    return f"{count:,} line{'' if count == 1 else 's'}"


def _paste_cut(text: str, parsed: Parsed) -> Cut | None:
    if parsed.total_lines <= parsed.lines_kept:
        return None
    return Cut(
        read=f"code in its first {_lines(parsed.lines_kept)}",
        chars=len(text),
        lines=parsed.total_lines,
    )


def _notes(text: str, parsed: Parsed, looks_like_code: bool) -> list[str]:
    notes: list[str] = []
    mostly_failed = parsed.lines_failed > parsed.lines_read
    language = _other_language(text[:MAX_CHARS]) if mostly_failed else None
    if language is not None:
        notes.append(
            f"This looks like {language}; I read Python (PyTorch, Keras, scikit-learn), so I "
            "took only what also reads as Python."
        )
    elif parsed.stopped_at is not None:
        notes.append(
            f"I read {parsed.stopped_at - 1:,} of {parsed.lines_kept:,} lines: the rest is not "
            f"Python ({GIVE_UP_AFTER} lines in a row before line {parsed.stopped_at:,} do not "
            "parse), so I took it for a log or prose."
        )
    elif looks_like_code and parsed.lines_failed:
        total = parsed.lines_read + parsed.lines_failed
        notes.append(
            f"I read {parsed.lines_read:,} of {total:,} lines as Python: the rest does not "
            f"parse (the first at line {parsed.first_failure}), so I took only the calls in "
            "them."
        )
    return notes


# -- scripts ----------------------------------------------------------------------------------


def is_plain_script(source: str, function: str = "experiment") -> bool:
    """Whether ``source`` defines no top-level ``function``: a training script rather than a
    target. Decided by parsing alone; a file that does not parse defines nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            return False
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == function for t in node.targets
        ):
            return False
        if isinstance(node, ast.ImportFrom | ast.Import) and any(
            (alias.asname or alias.name) == function for alias in node.names
        ):
            return False
    return True


HOW_TO_RUN_CHECKS = (
    "I read {script} without running it. To let me run checks on the model itself, run "
    "unstuck run {file} (it runs the script for a few training steps and watches it), or "
    "add a function experiment() to it that returns the model, the data, the loss and the "
    "optimizer (see the README), and name it as {file}:experiment."
)
"""What a user is told after a training script was read, never run: how to have checks run
on it. The one place that says so, for a script named on the command line, in the terminal
app or pasted into a chat."""


def how_to_run_checks(path: str | None = None) -> str:
    """``HOW_TO_RUN_CHECKS`` for the script at ``path``, or for a pasted one."""
    if path is None:
        return HOW_TO_RUN_CHECKS.format(script="the pasted script", file="your_script.py")
    return HOW_TO_RUN_CHECKS.format(script=path, file=path)


def read_script_source(source: str, shown: str) -> CodeReading:
    """A training script's text read statically, its evidence naming ``shown`` and the line.

    Pure: the caller reads the file (``assistant.drive.script_reading.read_script``). Raises
    ``UsageError`` for a text that is not Python source.
    """
    if "\x00" in source[:8192]:
        raise UsageError(
            f"the script '{shown}' holds binary data (NUL bytes), not Python source. Name "
            "the .py file that trains the model, not a checkpoint or a compiled file."
        )
    reading = read_code(source, origin=shown)
    if not reading.looks_like_code:
        seen = _first_words(source)
        raise UsageError(
            f"'{shown}' does not read as Python: it starts with {seen}. Expected a Python "
            "training script (a .py file that builds the model and runs the training loop)."
        )
    return replace(reading, notes=[*reading.notes, how_to_run_checks(shown)])


def _first_words(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return repr(_cut(line.strip())[:60])
    return "nothing (the file is empty)"
