"""Routers per resource, mounted under ``/api/v1`` by :func:`service.app.create_app`."""

from __future__ import annotations

from service.routers import (
    assignments,
    attempts,
    auth,
    calibrations,
    checks,
    classes,
    forms,
    imports,
    interop,
    items,
    mastery,
    people,
    practice,
    reports,
    responses,
    standards,
    teams,
)

ROUTERS = [
    auth.router,
    standards.router,
    items.router,
    people.router,
    classes.router,
    calibrations.router,
    checks.router,
    responses.router,
    interop.router,  # before imports.router: /imports/runs is not an import job's id
    interop.exports_router,
    imports.router,
    mastery.router,
    forms.router,
    assignments.router,
    attempts.router,
    teams.router,
    practice.router,
    reports.router,
]

__all__ = ["ROUTERS"]
