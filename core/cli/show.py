"""Text from files, shown safely: every word, line and message the command line prints goes through here.

A model, vectors file or corpus can hold any character, and a terminal obeys some of them: ESC and the
C1 controls start escape sequences (retitle the window, move the cursor, rewrite what was printed,
on some terminals answer back as if typed), a newline or tab breaks one-line messages and columns,
and bidirectional overrides reorder what follows. Such characters are printed as Python escapes
(``\\x1b``, ``\\n``, ``\\u202e``), so what is shown is inert and still says what the file holds.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional embeddings,
#: overrides and isolates (the characters that can change how a terminal shows the rest of a line).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def shown(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape; other text as is."""
    if _UNSAFE.search(text) is None:  # the usual case: nothing to do
        return text
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    return named.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(message: str) -> str:
    """A message on one line: a newline in it (a file name holding one, a server's multi-line answer)
    is shown as ``\\n`` like every other control character, and the message is otherwise unchanged."""
    return shown(message.strip("\n"))


