"""Shared fixtures for the end-to-end tests: they drive the built `neobay` binary
as a user would, from the repository root."""
import os
import pathlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def neobay():
    path = os.path.abspath(os.environ.get("NEOBAY", str(ROOT / "build" / "neobay")))
    assert os.access(path, os.X_OK), f"build the binary first: {path}"
    return path


@pytest.fixture(scope="session")
def root():
    return ROOT
