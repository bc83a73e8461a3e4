"""The application factory uvicorn imports (``service.main:app_factory``).

Settings come from the environment (:class:`service.settings.Settings`), so
every worker process of one server builds the same app.
"""

from __future__ import annotations

from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings

__all__ = ["app_factory"]


def app_factory() -> FastAPI:
    """A fresh app configured from the environment."""
    return create_app(Settings())
