"""Every decimal number in a chapter's prose is printed by its chapter, or allowed with a reason.

The rules and the report live in ``tests/prose_numbers.py``; the numbers in
solutions are checked against the solutions' own code in
``tests/test_solutions.py``.
"""

from __future__ import annotations

import pytest
from prose_numbers import (
    CHAPTERS,
    CONSTANTS,
    NUMBER,
    allowed,
    body_prose,
    chapter_text,
    listing,
    load,
    solutions,
    untied,
)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_printed_or_allowed(path):
    nb = load(path)
    rows = untied(body_prose(nb), chapter_text(nb), allow=allowed(nb))
    assert not rows, (
        f"{len(rows)} numbers in {path.name}'s prose that no output prints "
        f"(print or glue them, or allow them in metadata.vanishing.prose_numbers with a reason):\n{listing(rows)}"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_allowed_number_has_a_reason_and_is_still_quoted(path):
    nb = load(path)
    own = nb["metadata"].get("vanishing", {}).get("prose_numbers", {})
    prose = body_prose(nb) + "\n".join(text for _, text in solutions(nb))
    quoted = {m.group(0).lstrip("-") for m in NUMBER.finditer(prose)}
    for number, reason in own.items():
        assert NUMBER.fullmatch(number), f"{number!r} is not a number the check would flag"
        assert len(reason.split()) >= 3, f"{number}: say why it is allowed"
        assert number in quoted, f"{number} is allowed but no longer in the prose: remove it"
        assert number not in CONSTANTS, f"{number} is already a course-wide constant"


def test_the_check_flags_an_unprinted_number_and_passes_a_printed_one():
    prose = "The run reached 0.713 after 1.25 steps, and 0.25 is the slope."
    rows = untied(prose, "accuracy 0.7130\n", "steps = 1.25", allow=CONSTANTS)
    assert [d for d, _ in rows] == ["0.713"], "0.713 is not 0.7130's whole number; 1.25 is in code"
    assert untied(prose, "0.713", "1.25", allow=CONSTANTS) == []
