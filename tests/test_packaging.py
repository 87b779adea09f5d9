"""The project's Python floor holds every pinned package: a Python that pyproject.toml accepts
can install constraints.txt (a floor too low ends a new user's install in ResolutionImpossible)."""

import re
import tomllib
from importlib import metadata

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.fixtures import REPO


def _pins() -> dict[str, str]:
    text = (REPO / "constraints.txt").read_text()
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", text, re.M))


def _floor() -> Version:
    spec = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    (low,) = [s.version for s in SpecifierSet(spec) if s.operator == ">="]
    return Version(low)


def test_the_python_floor_satisfies_every_pinned_package():
    floor, pins = _floor(), _pins()
    assert len(pins) > 200
    refused = {}
    for name, version in pins.items():
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name} is {dist.version}, constraints.txt pins {version}"
        needs = dist.metadata.get("Requires-Python")
        if needs and floor not in SpecifierSet(needs):
            refused[name] = needs
    assert refused == {}, f"requires-python >= {floor} is below these pins' floors: {refused}"


def test_the_floor_is_the_highest_a_pin_needs():
    """Not higher than needed either: the floor is some pin's own."""
    floors = []
    for name in _pins():
        needs = metadata.distribution(name).metadata.get("Requires-Python") or ""
        floors += [Version(s.version) for s in SpecifierSet(needs) if s.operator == ">="]
    assert _floor() == max(floors)
