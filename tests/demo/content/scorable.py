"""A demo item in the form the bank serves and scores it (:class:`itembank.bank.ItemContent`)."""

from __future__ import annotations

from demo import content as dc
from itembank.bank import ItemContent


def scorable(item: dc.ItemSpec) -> ItemContent:
    """The bank's content of ``item``, as :func:`itembank.answers.score_answer` reads it."""
    stored = item.to_dict()
    return ItemContent(
        id=item.code,
        stem=item.stem,
        interaction=item.interaction,
        choices=tuple(stored["choices"]),  # type: ignore[arg-type]
        key=stored["key"],
        tolerance=item.tolerance or 0.0,
        rationale=item.rationale,
        version=1,
        n_categories=item.n_categories,
        objective_id=None,
        dok=item.dok,
        rubric=tuple(stored["rubric"]),  # type: ignore[arg-type]
    )
