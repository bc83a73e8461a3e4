"""What the wheel installs: the project's eight packages and nothing else at the top level.

The generic top-level names are kept on purpose (CONTRIBUTING.md, "Installed
names"); this test keeps any other folder (tests, benchmarks, docs, a stray
module) out of a user's site-packages.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_namespace_packages, find_packages

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {"engine", "itembank", "cluster", "reporting", "demo", "interop", "service", "cli"}


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _packages_the_wheel_installs() -> list[str]:
    """setuptools' discovery with the ``[tool.setuptools.packages.find]`` settings of pyproject.toml."""
    find = _pyproject()["tool"]["setuptools"]["packages"]["find"]
    finder = find_namespace_packages if find.get("namespaces", True) else find_packages
    return [
        package
        for where in find.get("where", ["."])
        for package in finder(str(ROOT / where), include=find.get("include", ["*"]), exclude=find.get("exclude", ()))
    ]


def test_the_wheel_installs_exactly_the_eight_packages_at_the_top_level():
    top_level = {package.split(".")[0] for package in _packages_the_wheel_installs()}
    assert top_level == PROJECT_PACKAGES


def test_no_top_level_modules_are_installed():
    assert "py-modules" not in _pyproject()["tool"]["setuptools"]


def test_every_project_package_is_a_regular_package():
    """Each top-level package has an ``__init__.py`` (a namespace package would merge with a user's own)."""
    assert all((ROOT / name / "__init__.py").is_file() for name in PROJECT_PACKAGES)
