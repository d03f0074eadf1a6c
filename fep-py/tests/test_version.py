"""One version for the whole project: the workspace's, in Cargo.toml, is what Python sees."""

import importlib.metadata
import re

import fep
from conftest import ROOT


def workspace_version() -> str:
    """The `version` of `[workspace.package]` in the root Cargo.toml (no tomllib before 3.11)."""
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[workspace\.package\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    assert section, "Cargo.toml has no [workspace.package]"
    version = re.search(r'^version\s*=\s*"([^"]+)"', section.group(1), re.M)
    assert version, "[workspace.package] has no version"
    return version.group(1)


def test_version_is_the_workspace_version():
    assert fep.__version__ == workspace_version()


def test_installed_distribution_has_the_same_version():
    # What pip shows and wheel file names carry: maturin takes it from Cargo.toml.
    assert importlib.metadata.version("fep") == fep.__version__


def test_version_is_semver():
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", fep.__version__)
