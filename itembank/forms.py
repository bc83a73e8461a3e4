"""Forms: saved fixed sets of items in versions, assembled to a blueprint or picked by hand.

A form (:class:`~itembank.assessments.AssessmentForm`) holds one or more
versions, each an ordered list of items: ``A``, ``B``, ... parallel
versions for retakes, or morning work's tiers.  It belongs to a teacher or
to a team.  It may be changed until it is first given (:func:`lock_form`,
called when an assignment gives it); after that a change is a new form, the
next version of the lineage (:func:`revise_form`), so that what students
answered stays exactly what the form says.

Assembly (:func:`assemble_versions`) hands the live bank's items under a
standard to :func:`engine.forms.blueprint.assemble_to_blueprint`: disjoint
parallel versions meeting the blueprint (items per learning objective and
per depth of knowledge), with the most information at the standard's
mastery cut.  :func:`blueprint_report` checks any form's versions against
its blueprint.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlmodel import Session, select

from engine.forms.blueprint import Blueprint, assemble_to_blueprint, blueprint_met
from itembank.assessments import AssessmentForm, FormItem, FormPurpose
from itembank.bank import OperationalBank
from itembank.errors import Conflict, Invalid, NotFound
from itembank.standards import find_standard
from itembank.tables import Item, ItemStatus, Standard, utcnow
from itembank.text_rules import text_problem

__all__ = [
    "MAX_FORM_ITEMS",
    "MAX_VERSIONS",
    "version_labels",
    "FormSpec",
    "Assembled",
    "assemble_versions",
    "create_form",
    "get_form",
    "form_versions",
    "update_form",
    "revise_form",
    "lock_form",
    "BlueprintReport",
    "blueprint_report",
]

#: Most items on one version of a form.
MAX_FORM_ITEMS = 60
#: Most versions of a form.
MAX_VERSIONS = 8


def version_labels(n: int) -> list[str]:
    """The labels of ``n`` parallel versions: ``A``, ``B``, ..."""
    return list(string.ascii_uppercase[:n])


@dataclass(frozen=True)
class FormSpec:
    """A blueprint as a team writes it.

    Attributes
    ----------
    length : int
        Items per version.
    versions : int
        Parallel versions (A, B, ...).
    standards : dict of str to (int, int)
        Learning objective code -> (min, max) items per version; empty:
        every objective under the form's standard gets at least one item
        when the length allows.
    dok : dict of int to (int, int)
        Depth-of-knowledge level -> (min, max) items per version.
    written : bool
        Whether rubric-scored (written) items may be picked.
    """

    length: int
    versions: int = 1
    standards: dict[str, tuple[int, int]] = field(default_factory=dict)
    dok: dict[int, tuple[int, int]] = field(default_factory=dict)
    written: bool = False


@dataclass(frozen=True)
class Assembled:
    """Versions built by :func:`assemble_versions`: item ids per label, information at the cut."""

    versions: dict[str, list[str]]
    information: dict[str, float]
    cut: float
    optimal: bool
    blueprint: dict


def _objective_ids(session: Session, standard: Standard, codes: list[str]) -> dict[str, int]:
    """The ids of learning objectives by code, each under ``standard`` (or ``standard`` itself)."""
    out = {}
    for code in codes:
        row = find_standard(session, code, standard.framework)
        node: Standard | None = row
        while node is not None and node.id != standard.id:
            node = session.get(Standard, node.parent_id) if node.parent_id is not None else None
        if node is None:
            raise Invalid(f"blueprint standard {code} is not under {standard.code}", "blueprint")
        out[code] = int(row.id)
    return out


def assemble_versions(session: Session, bank: OperationalBank, standard: Standard, spec: FormSpec) -> Assembled:
    """Parallel versions of a form on ``standard`` meeting ``spec``, most informative at its mastery cut.

    Raises
    ------
    Invalid
        Too few items, a blueprint standard outside ``standard``, or no
        versions meet the blueprint.
    """
    if not 1 <= spec.versions <= MAX_VERSIONS:
        raise Invalid(f"a form has 1 to {MAX_VERSIONS} versions, got {spec.versions}", "blueprint")
    pos = bank.items_under(standard.id, self_scoring_only=not spec.written)
    if pos.size == 0:
        raise Invalid(f"standard {standard.code} has no operational items in the live bank", "standard")
    ids = bank.params.item_ids[pos].tolist()
    content = [bank.content[i] for i in ids]
    objective = np.array([c.objective_id or 0 for c in content], dtype=np.int64)
    dok = np.array([c.dok for c in content], dtype=np.int64)
    by_code = _objective_ids(session, standard, list(spec.standards))
    if spec.standards:
        limits = {by_code[code]: bounds for code, bounds in spec.standards.items()}
    else:
        present = np.unique(objective)
        limits = {int(o): (1, spec.length) for o in present} if 1 < present.size <= spec.length else {}
    try:
        blueprint = Blueprint(length=spec.length, objectives=limits, dok=dict(spec.dok))
        cut = bank.scheme(standard.id).mastery_cut
        result = assemble_to_blueprint(
            bank.params.subset(pos), objective, dok, blueprint, cut=cut, n_versions=spec.versions
        )
    except ValueError as err:
        raise Invalid(f"no form on {standard.code} meets the blueprint: {err}", "blueprint") from None
    labels = version_labels(spec.versions)
    codes = {v: k for k, v in by_code.items()}
    stored = {
        "length": spec.length,
        "versions": spec.versions,
        "standards": {
            codes.get(o) or session.get(Standard, o).code: [lo, hi] for o, (lo, hi) in blueprint.objectives.items()
        },
        "dok": {str(level): [lo, hi] for level, (lo, hi) in blueprint.dok.items()},
        "written": spec.written,
        "cut": float(cut),
    }
    return Assembled(
        versions={label: [ids[p] for p in row] for label, row in zip(labels, result.forms)},
        information={label: float(x) for label, x in zip(labels, result.information[:, 0])},
        cut=float(cut),
        optimal=result.optimal,
        blueprint=stored,
    )


def _check_versions(session: Session, versions: dict[str, list[str]]) -> None:
    """Refuse empty, oversized or mislabelled versions, unknown or retired items, an item twice."""
    if not versions:
        raise Invalid("a form needs at least one version", "versions")
    if len(versions) > MAX_VERSIONS:
        raise Invalid(f"a form has at most {MAX_VERSIONS} versions, got {len(versions)}", "versions")
    for label, items in versions.items():
        problem = text_problem(label, max_length=16)
        if problem or not label.strip():
            raise Invalid(f"version label {label!r}: {problem or 'must not be empty'}", "versions")
        if not items:
            raise Invalid(f"version {label} has no items", "versions")
        if len(items) > MAX_FORM_ITEMS:
            raise Invalid(
                f"version {label} has {len(items)} items; a version holds at most {MAX_FORM_ITEMS}", "versions"
            )
        if len(set(items)) != len(items):
            twice = next(i for i in items if items.count(i) > 1)
            raise Invalid(f"version {label} lists item {twice} twice", "versions")
    wanted = sorted({i for items in versions.values() for i in items})
    found = dict(session.exec(select(Item.id, Item.status).where(Item.id.in_(wanted))).all())
    for item_id in wanted:
        if item_id not in found:
            raise Invalid(f"no item with id {item_id}", "versions")
        if found[item_id] == ItemStatus.retired.value:
            raise Invalid(f"item {item_id} is retired", "versions")


def _store_items(session: Session, form_id: int, versions: dict[str, list[str]]) -> None:
    for label, items in versions.items():
        for position, item_id in enumerate(items, start=1):
            session.add(FormItem(form_id=form_id, label=label, position=position, item_id=item_id))
    session.flush()


def create_form(
    session: Session,
    *,
    title: str,
    versions: dict[str, list[str]],
    purpose: str = FormPurpose.quiz.value,
    standard_id: int | None = None,
    owner_teacher_id: int | None = None,
    team_id: int | None = None,
    blueprint: dict | None = None,
    created_by: int | None = None,
    previous: AssessmentForm | None = None,
) -> AssessmentForm:
    """Save a form with its versions (flushed, not committed).

    Raises
    ------
    Invalid
        Bad versions (:func:`_check_versions`), an unknown purpose, or both
        a teacher and a team as owner.
    """
    if purpose not in {p.value for p in FormPurpose}:
        raise Invalid(f"purpose must be one of {', '.join(p.value for p in FormPurpose)}", "purpose")
    if owner_teacher_id is not None and team_id is not None:
        raise Invalid("a form belongs to a teacher or to a team, not both", "team_id")
    _check_versions(session, versions)
    form = AssessmentForm(
        title=title,
        purpose=purpose,
        standard_id=standard_id,
        owner_teacher_id=owner_teacher_id,
        team_id=team_id,
        blueprint=blueprint,
        previous_id=None if previous is None else previous.id,
        version=1 if previous is None else previous.version + 1,
        created_by=created_by,
    )
    session.add(form)
    session.flush()
    _store_items(session, form.id, versions)
    return form


def get_form(session: Session, form_id: int) -> AssessmentForm:
    """The form ``form_id``; :class:`NotFound` otherwise."""
    row = session.get(AssessmentForm, form_id)
    if row is None:
        raise NotFound(f"no form with id {form_id}")
    return row


def form_versions(session: Session, form_id: int) -> dict[str, list[str]]:
    """The form's item ids per version label, in label then position order."""
    stmt = select(FormItem.label, FormItem.item_id).where(FormItem.form_id == form_id)
    out: dict[str, list[str]] = {}
    for label, item_id in session.exec(stmt.order_by(FormItem.label, FormItem.position)).all():
        out.setdefault(label, []).append(item_id)
    return out


def _refuse_if_locked(form: AssessmentForm) -> None:
    if form.locked_at is not None:
        raise Conflict(
            f"form {form.id} was given on {form.locked_at:%Y-%m-%d} and can no longer change; "
            f"save the change as a new version (POST /api/v1/forms/{form.id}/revisions)"
        )


def update_form(
    session: Session, form: AssessmentForm, *, title: str | None = None, versions: dict[str, list[str]] | None = None
) -> AssessmentForm:
    """Change a form that was never given.

    Raises
    ------
    Conflict
        The form has been given (it is locked).
    """
    _refuse_if_locked(form)
    if versions is not None:
        _check_versions(session, versions)
        for row in session.exec(select(FormItem).where(FormItem.form_id == form.id)).all():
            session.delete(row)
        session.flush()
        _store_items(session, form.id, versions)
        form.blueprint = None if form.blueprint is None else {**form.blueprint, "edited_by_hand": True}
    if title is not None:
        form.title = title
    session.add(form)
    session.flush()
    return form


def revise_form(
    session: Session,
    form: AssessmentForm,
    *,
    title: str | None = None,
    versions: dict[str, list[str]] | None = None,
    created_by: int | None = None,
) -> AssessmentForm:
    """The next version of ``form``: a new form with the changes (the old one stays as given)."""
    current = form_versions(session, form.id)
    return create_form(
        session,
        title=form.title if title is None else title,
        versions=current if versions is None else versions,
        purpose=form.purpose,
        standard_id=form.standard_id,
        owner_teacher_id=form.owner_teacher_id,
        team_id=form.team_id,
        blueprint=form.blueprint if versions is None else None,
        created_by=created_by,
        previous=form,
    )


def lock_form(session: Session, form: AssessmentForm, when: datetime | None = None) -> None:
    """Mark ``form`` as given (no-op when it was given before)."""
    if form.locked_at is None:
        form.locked_at = when or utcnow()
        session.add(form)
        session.flush()


@dataclass(frozen=True)
class BlueprintReport:
    """How each version meets the form's blueprint (None rows when the form has no blueprint)."""

    met: dict[str, bool]
    rows: list[dict]


def blueprint_report(session: Session, form: AssessmentForm, versions: dict[str, list[str]]) -> BlueprintReport | None:
    """Check every version against the form's stored blueprint; None when it was picked by hand."""
    spec = form.blueprint
    if not spec:
        return None
    codes = list(spec.get("standards", {}))
    ids = {
        code: sid
        for code, sid in session.exec(select(Standard.code, Standard.id).where(Standard.code.in_(codes))).all()
    }
    objectives = {ids[c]: tuple(spec["standards"][c]) for c in codes if c in ids}
    dok_limits = {int(level): tuple(bounds) for level, bounds in spec.get("dok", {}).items()}
    blueprint = Blueprint(length=int(spec["length"]), objectives=objectives, dok=dok_limits)
    labels = list(versions)
    slots = [(n, item_id) for n, label in enumerate(labels) for item_id in versions[label]]
    items = {row.id: row for row in session.exec(select(Item).where(Item.id.in_({i for _, i in slots}))).all()}
    check = blueprint_met(
        [n for n, _ in slots],
        [items[i].objective_id or 0 for _, i in slots],
        [items[i].dok for _, i in slots],
        blueprint,
        len(labels),
    )
    lengths = {label: len(versions[label]) for label in labels}
    rows = [{"what": "length", "min": blueprint.length, "max": blueprint.length, "counts": lengths}]
    code_of = {v: k for k, v in ids.items()}
    for k, (sid, (lo, hi)) in enumerate(objectives.items()):
        counts = {label: int(check.objective_counts[n, k]) for n, label in enumerate(labels)}
        rows.append({"what": f"standard {code_of[sid]}", "min": lo, "max": hi, "counts": counts})
    for k, (level, (lo, hi)) in enumerate(dok_limits.items()):
        counts = {label: int(check.dok_counts[n, k]) for n, label in enumerate(labels)}
        rows.append({"what": f"DOK {level}", "min": lo, "max": hi, "counts": counts})
    return BlueprintReport(met={label: bool(check.met[n]) for n, label in enumerate(labels)}, rows=rows)
