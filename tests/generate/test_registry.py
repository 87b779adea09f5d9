"""The backend registry: every place that differs by backend asks it; an unknown name is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from equime.errors import ParamsError
from equime.generate.params import GenerateParams
from equime.generate.registry import BACKENDS, backend, build_renderer
from equime.models_fetch import names
from equime.params import load_params
from equime.plan.params import MADE_HERE
from tests.fixtures import default_params_dict, params


def test_a_bogus_backend_fails_validation_with_one_line(tmp_path: Path):
    tree = default_params_dict()
    tree["generate"]["backend"] = "ltx9"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    with pytest.raises(ParamsError) as exc:
        load_params(tmp_path / "params.yaml")
    choices = " or ".join(", ".join(repr(n) for n in BACKENDS).rsplit(", ", 1))
    assert str(exc.value) == (f"{tmp_path / 'params.yaml'}: generate.backend: Input should be "
                              f"{choices} (got 'ltx9')")
    with pytest.raises(ParamsError, match=r"^generate.backend: unknown backend 'ltx9'; choose one "
                                          r"of warp, ltx"):
        backend("ltx9")


@pytest.mark.parametrize("name", list(BACKENDS))
def test_each_entry_is_whole(name: str):
    """Its section is a field of generate, its renderer builds from it under its own name, its
    motion is one the plan knows, and a backend that holds a model says what to fetch."""
    entry = BACKENDS[name]
    p = params()
    settings = p.generate.settings(name)
    assert type(settings) is entry.settings
    assert GenerateParams.model_fields[name].annotation is entry.settings
    renderer = build_renderer(name, settings, p.recording)
    assert renderer.name == name and type(renderer) is entry.renderer_class()
    assert entry.motion in MADE_HERE
    assert (name in names()) == bool(entry.weights) == entry.holds_model
    if entry.weights:
        assert "model_index.json" in entry.weights


def test_only_the_facs_backend_films_what_it_renders():
    """The warp backend's clips are MEs as rendered (retime passes them through); a generative
    backend's raw video is retimed."""
    assert {n for n, b in BACKENDS.items() if b.motion == "facs"} == {"warp"}
