"""Routers per resource, mounted under ``/api/v1`` by :func:`service.app.create_app`."""

from __future__ import annotations

from service.routers import (
    auth,
    calibrations,
    checks,
    classes,
    imports,
    items,
    mastery,
    people,
    responses,
    standards,
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
    imports.router,
    mastery.router,
]

__all__ = ["ROUTERS"]
