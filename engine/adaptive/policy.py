"""An adaptive-testing policy: selection rule, exposure control, stopping, blueprint.

One immutable, JSON-friendly value that the session state machine
(:mod:`engine.adaptive.check`) and the simulator (:mod:`engine.adaptive.simulation`) both
take, so the policy a district tries in simulation is exactly the one that
runs in its checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.adaptive.content import Blueprint
from engine.adaptive.exposure import ExposurePolicy
from engine.adaptive.selection import SelectionRule
from engine.adaptive.stopping import StoppingRule

__all__ = ["CatPolicy"]


@dataclass(frozen=True)
class CatPolicy:
    """Selection, exposure control, stopping and content balancing.

    Attributes
    ----------
    rule : SelectionRule
    exposure : ExposurePolicy
    stopping : StoppingRule
    blueprint : Blueprint or None
        Content balancing (Kingsbury-Zara) and the eligible objectives; None
        for the whole bank without balancing.
    """

    rule: SelectionRule = field(default_factory=SelectionRule)
    exposure: ExposurePolicy = field(default_factory=ExposurePolicy)
    stopping: StoppingRule = field(default_factory=StoppingRule)
    blueprint: Blueprint | None = None

    @classmethod
    def check_for_understanding(cls, max_items: int = 15, min_items: int = 3) -> CatPolicy:
        """A student's adaptive check: stop as soon as mastery is clear.

        Maximum information, SPRT against the mastery cut (alpha = beta =
        0.05, indifference +-0.3), between ``min_items`` and ``max_items``
        items.  In the policy study of ``benchmarks/results/adaptive.md`` the
        SPRT gave the shortest tests at the best classification accuracy.
        The session sets the cut from the standard's band scheme.
        """
        return cls(
            stopping=StoppingRule(
                min_items=min_items, max_items=max_items, se_target=None, classify="sprt", indifference=0.3
            )
        )

    @classmethod
    def practice(cls, p_target: float = 0.75, n_items: int = 5) -> CatPolicy:
        """Practice: ``n_items`` items each answered correctly with probability about ``p_target``."""
        return cls(
            rule=SelectionRule("target-p", p_target=p_target),
            stopping=StoppingRule(min_items=n_items, max_items=n_items, se_target=None),
        )

    def to_dict(self) -> dict:
        return {
            "rule": dict(vars(self.rule)),  # flat dataclasses of scalars: no deep copy needed
            "exposure": dict(vars(self.exposure)),
            "stopping": self.stopping.to_dict(),
            "blueprint": None if self.blueprint is None else self.blueprint.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> CatPolicy:
        try:
            return cls(
                rule=SelectionRule(**data.get("rule", {})),
                exposure=ExposurePolicy(**data.get("exposure", {})),
                stopping=StoppingRule.from_dict(data.get("stopping", {})),
                blueprint=None if data.get("blueprint") is None else Blueprint.from_dict(data["blueprint"]),
            )
        except TypeError as err:  # unknown keys
            raise ValueError(f"bad policy: {err}") from None
