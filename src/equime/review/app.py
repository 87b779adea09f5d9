"""The review web app (FastAPI): per-rater token links, one clip at a time, looping with replay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field

from equime.review.questions import (
    EMOTION_CHOICES,
    MAX_ARTEFACTS_CHARS,
    REALISM_RANGE,
    TIMING_CHOICES,
)
from equime.review.store import Rating, ReviewStore

Emotion = Literal[EMOTION_CHOICES]  # type: ignore[valid-type]
Timing = Literal[TIMING_CHOICES]  # type: ignore[valid-type]


class RatingForm(BaseModel):
    """One submitted rating; anything outside the choices or ranges is a 422 with the field."""

    model_config = ConfigDict(extra="forbid")
    clip_id: str = Field(min_length=1, max_length=200)
    emotion: Emotion
    visible: Literal["yes", "no"]
    timing: Timing
    realism: int = Field(ge=REALISM_RANGE[0], le=REALISM_RANGE[1])
    artefacts: str = Field("", max_length=MAX_ARTEFACTS_CHARS)


def create_app(store: ReviewStore, dataset_root: Path) -> FastAPI:
    app = FastAPI(title="equime review", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Environment(loader=PackageLoader("equime.review", "templates"),
                        autoescape=select_autoescape(default=True))

    def rater_of(token: str) -> str:
        rater = store.rater(token)
        if rater is None:
            raise HTTPException(status_code=403, detail="unknown rater token")
        return rater

    @app.get("/r/{token}", response_class=HTMLResponse)
    def next_clip(token: str) -> str:
        rater = rater_of(token)
        clip_id, done, total = store.progress(rater)
        return pages.get_template("rate.html.j2").render(
            token=token, rater=rater, clip_id=clip_id, done=done, total=total,
            emotions=EMOTION_CHOICES, timings=TIMING_CHOICES,
            realism=range(REALISM_RANGE[0], REALISM_RANGE[1] + 1), max_text=MAX_ARTEFACTS_CHARS)

    @app.get("/r/{token}/video/{clip_id}")
    def video(token: str, clip_id: str) -> FileResponse:
        rater_of(token)
        clip = store.clip(clip_id)
        if clip is None:
            raise HTTPException(status_code=404, detail=f"unknown clip id {clip_id!r}")
        return FileResponse(dataset_root / clip[0], media_type="video/mp4")

    @app.post("/r/{token}/rate")
    def rate(token: str, form: Annotated[RatingForm, Form()]) -> RedirectResponse:
        rater = rater_of(token)
        if store.clip(form.clip_id) is None:
            raise HTTPException(status_code=404, detail=f"unknown clip id {form.clip_id!r}")
        store.save(rater, form.clip_id, Rating(emotion=form.emotion, visible=form.visible == "yes",
                                               timing=form.timing, realism=form.realism,
                                               artefacts=form.artefacts.strip()))
        return RedirectResponse(f"/r/{token}", status_code=303)

    return app
