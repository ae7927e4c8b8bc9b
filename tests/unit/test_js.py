"""Runs the front end's pure-logic tests (tests/unit_js, `node --test`) under pytest."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app import PROJECT_ROOT


def test_js_unit_tests():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    # static/js is plain ES modules without a package.json "type": let node detect the module syntax.
    r = subprocess.run([node, "--experimental-detect-module", "--test", "tests/unit_js/"], cwd=PROJECT_ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
