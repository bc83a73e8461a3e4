"""The questions of a form attempt with what the student answered and, once scored, how it went.

:func:`attempt_questions` reads an attempt's version in order, each
question with the student's saved answer, and (once the answer is scored)
its effective response: the score, whether it was right, the rubric level
a teacher gave and their note.  Whether the student may see the key and
rationale is the assignment's feedback policy
(:func:`itembank.assignments.feedback_released`), decided by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from itembank.assessments import Assignment, Attempt
from itembank.attempts import attempt_items, attempt_responses, item_contents, saved_answers
from itembank.bank import ItemContent

__all__ = ["Question", "attempt_questions"]


@dataclass(frozen=True)
class Question:
    """One question of an attempt."""

    position: int
    content: ItemContent
    answer: Any
    score: int | None
    correct: bool | None
    scored: bool
    waiting_for_scoring: bool
    rubric_label: str | None
    note: str

    @property
    def missed(self) -> bool:
        """Scored and not full marks, or not answered at all."""
        if not self.scored:
            return self.answer is None
        return self.score is not None and self.score < self.content.n_categories - 1


def attempt_questions(session: Session, assignment: Assignment, attempt: Attempt) -> list[Question]:
    """The attempt's questions in order (empty for an adaptive attempt)."""
    items = attempt_items(session, assignment, attempt)
    contents = item_contents(session, items)
    saved = saved_answers(session, attempt.id)
    responses = attempt_responses(session, attempt)
    out = []
    for position, item_id in enumerate(items, start=1):
        content = contents[item_id]
        response = responses.get(item_id)
        answer = response.answer if response is not None else (saved[item_id].answer if item_id in saved else None)
        label = None
        if response is not None and response.score is not None and content.rubric:
            label = next((r["label"] for r in content.rubric if r["score"] == response.score), None)
        out.append(
            Question(
                position=position,
                content=content,
                answer=answer,
                score=None if response is None else response.score,
                correct=None if response is None else response.correct,
                scored=response is not None,
                waiting_for_scoring=response is not None and response.score is None,
                rubric_label=label,
                note="" if response is None else response.note,
            )
        )
    return out
