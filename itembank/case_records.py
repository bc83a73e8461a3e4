"""The CASE view of a standards framework: its document and every item, as the publisher identified them.

A framework imported from a CASE package (:mod:`interop.case`) keeps its
``CFDocument`` (:class:`CaseDocument`) and each ``CFItem``
(:class:`CaseItem`) with its identifier, URI, type and statement, so that
the next import of the same framework updates and retires by identifier,
items aligned through a CASE identifier find their standard, and an export
gives the publisher's identifiers back.

An item is one of three ``roles``: a ``standard`` (a node of the
three-level hierarchy: ``standard_id`` is its row), a ``container`` above
the competencies (a grade of a K-12 framework: no standard) or ``folded``
below the objectives (a component such as ``7.RP.A.2a``: ``standard_id`` is
the objective it belongs to, which is what an item aligned to it measures).

Identifiers are stored as UUIDs, as CASE 1.1 requires; an early package's
identifier that is not one (an ASN URL) is kept in ``original_identifier``
and stored as the name-based UUID of it (:func:`canonical_identifier`), the
same on every import.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from itembank.tables import UtcDateTime, utcnow

__all__ = ["CaseRole", "CaseDocument", "CaseItem", "canonical_identifier", "IDENTIFIER_LENGTH"]

IDENTIFIER_LENGTH = 36


class CaseRole(str, Enum):
    """What a CASE item is in masterycat's three-level hierarchy."""

    standard = "standard"
    container = "container"
    folded = "folded"


def canonical_identifier(identifier: str) -> str:
    """The identifier as a lower-case UUID: itself if it is one, else the UUID named by it (RFC 4122, URL namespace)."""
    try:
        return str(uuid.UUID(identifier))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, identifier))


class CaseDocument(SQLModel, table=True):
    """A framework's CFDocument."""

    __tablename__ = "case_document"

    identifier: str = Field(primary_key=True, max_length=IDENTIFIER_LENGTH)
    original_identifier: str | None = Field(default=None, max_length=500)
    framework: str = Field(max_length=64, unique=True, index=True)
    uri: str = Field(max_length=500)
    title: str = Field(max_length=500)
    creator: str = Field(default="", max_length=200)
    publisher: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: str = Field(default="", max_length=64)
    adoption_status: str = Field(default="", max_length=64)
    language: str = Field(default="", max_length=16)
    subject: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    official_source_url: str = Field(default="", max_length=500)
    #: the CASE version the package said (``1.0`` or ``1.1``)
    case_version: str = Field(default="", max_length=8)
    last_change: str = Field(default="", max_length=40)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CaseItem(SQLModel, table=True):
    """A CFItem of a framework and where it stands among the standards."""

    __tablename__ = "case_item"

    identifier: str = Field(primary_key=True, max_length=IDENTIFIER_LENGTH)
    original_identifier: str | None = Field(default=None, max_length=500)
    document_identifier: str = Field(foreign_key="case_document.identifier", max_length=IDENTIFIER_LENGTH, index=True)
    role: str = Field(max_length=16)
    standard_id: int | None = Field(default=None, foreign_key="standard.id", index=True)
    parent_identifier: str | None = Field(default=None, max_length=IDENTIFIER_LENGTH)
    uri: str = Field(max_length=500)
    item_type: str = Field(default="", max_length=200)
    human_coding_scheme: str = Field(default="", max_length=200)
    list_enumeration: str = Field(default="", max_length=64)
    full_statement: str = Field(default="", sa_column=Column(Text, nullable=False))
    abbreviated_statement: str = Field(default="", max_length=500)
    sequence: int | None = None
    education_level: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_change: str = Field(default="", max_length=40)
    retired: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
