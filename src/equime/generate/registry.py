"""The generation backends, one entry each: the one place that says what a backend is.

Everything that differs by backend asks this table: the settings section it reads
(``generate.<name>``: its params model), the motion its clips show (a plan's ``motion_source``),
whether a worker holds a model (the engine runs it in an actor pool), the renderer that makes
its frames (which checks a plan before any model loads), and the weights ``equime models fetch
<name>`` downloads. A backend is added by an entry here, its params model, its renderer module
and its section in params.yaml; the ``generate`` stage reads the whole section, so dvc.yaml
needs no new key.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from equime.artifacts.videos import MotionKind
from equime.errors import ParamsError
from equime.generate.ltx2_params import LTX2Params
from equime.generate.ltx_params import LTXParams
from equime.generate.warp_params import WarpParams
from equime.section import Section

if TYPE_CHECKING:
    from equime.generate.base import Renderer
    from equime.recording.params import RecordingParams

# What a diffusers LTX-Video repository holds that its pipeline loads: model_index.json and the
# component folders (Lightricks' repositories also hold single-file checkpoints of GBs each for
# the original code, which no diffusers pipeline reads)
LTX_FILES = ("model_index.json", "scheduler/*", "text_encoder/*", "tokenizer/*", "transformer/*",
             "vae/*")
# LTX-2's (diffusers' LTX2ImageToVideoPipeline): also the audio VAE, the text connectors and the
# vocoder; the optional processor and duration head where a release has them
LTX2_FILES = ("model_index.json", "scheduler/*", "text_encoder/*", "tokenizer/*", "connectors/*",
              "transformer/*", "vae/*", "audio_vae/*", "vocoder/*", "processor/*",
              "duration_head/*")


@dataclass(frozen=True)
class Backend:
    name: str
    settings: type[Section]  # the model of params.yaml's generate.<name>
    motion: MotionKind  # the motion its clips show
    renderer: str  # "module:Class" of its Renderer, imported on use (a generative one needs torch)
    holds_model: bool  # a worker loads a model once and keeps it (Ray: an actor pool)
    weights: tuple[str, ...] = ()  # the hub files `equime models fetch <name>` downloads

    def renderer_class(self) -> type[Renderer]:
        module, _, cls = self.renderer.partition(":")
        return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


BACKENDS: Mapping[str, Backend] = MappingProxyType({
    "warp": Backend("warp", WarpParams, motion="facs",
                    renderer="equime.generate.warp:WarpRenderer", holds_model=False),
    "ltx": Backend("ltx", LTXParams, motion="generated",
                   renderer="equime.generate.ltx:LTXRenderer", holds_model=True,
                   weights=LTX_FILES),
    "ltx2": Backend("ltx2", LTX2Params, motion="generated",
                    renderer="equime.generate.ltx2:LTX2Renderer", holds_model=True,
                    weights=LTX2_FILES),
})


def backend(name: str) -> Backend:
    """The entry named ``name``; any other name is a one-line error (never a default backend)."""
    if name not in BACKENDS:
        raise ParamsError(f"generate.backend: unknown backend {name!r}; choose one of "
                          f"{', '.join(BACKENDS)}")
    return BACKENDS[name]


def build_renderer(name: str, settings: Section, recording: RecordingParams) -> Renderer:
    """The renderer of backend ``name`` over its ``settings``; one that renders the ME itself
    films it as ``recording`` says (a generative one's raw output is recorded by retime)."""
    return backend(name).renderer_class().from_params(settings, recording)
