"""Shared test setup.

* Qt runs headless unless the caller chose a platform (scripts/test.sh runs the
  OpenGL tests with QT_QPA_PLATFORM=xcb under Xvfb).
* Every test gets its own empty QSettings store, so tests never read or write
  the user's real settings and never see each other's.
* Hypothesis uses the "ci" profile (no deadline: CI machines are slow and
  first calls into NumPy/Qt are slower still). HYPOTHESIS_PROFILE overrides it.

PySide6 is imported lazily so that engine tests run without Qt.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI draws the same examples on every run (derandomize), so that a red build is a broken
# feature, not an unlucky draw; HYPOTHESIS_PROFILE=explore searches afresh and longer
settings.register_profile("ci", deadline=None, max_examples=60, derandomize=True)
settings.register_profile("explore", deadline=None, max_examples=600)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory):
    """Point QSettings (INI format, user scope) at a fresh temporary folder."""
    try:
        from PySide6.QtCore import QCoreApplication, QSettings
    except ImportError:  # Qt not installed: nothing to isolate
        yield None
        return

    folder = tmp_path_factory.mktemp("qsettings")
    old_format = QSettings.defaultFormat()
    old_org = QCoreApplication.organizationName()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QCoreApplication.setOrganizationName("BackpropLabTests")
    try:
        yield folder
    finally:
        QSettings.setDefaultFormat(old_format)
        QCoreApplication.setOrganizationName(old_org)
