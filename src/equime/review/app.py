"""The review web app (FastAPI): per-rater token links, one clip at a time, looping with replay.

Hardened for a link that may travel: request bodies are capped (:data:`MAX_BODY`) and the
token is checked before a form is parsed; cross-origin posts are refused; every response
carries a strict CSP (scripts and styles by per-response nonce) and anti-framing headers;
videos are served only from inside the dataset folder."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equime.errors import InputError
from equime.files import inside
from equime.review.questions import (
    EMOTION_CHOICES,
    MAX_ARTEFACTS_CHARS,
    REALISM_RANGE,
    TIMING_CHOICES,
)
from equime.review.store import Rating, ReviewStore

Emotion = Literal[EMOTION_CHOICES]  # type: ignore[valid-type]
Timing = Literal[TIMING_CHOICES]  # type: ignore[valid-type]

MAX_BODY = 64 * 1024  # bytes: a rating form is well under 2 KiB
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RatingForm(BaseModel):
    """One submitted rating; anything outside the choices or ranges is a 422 with the field."""

    model_config = ConfigDict(extra="forbid")
    clip_id: str = Field(min_length=1, max_length=200)
    emotion: Emotion
    visible: Literal["yes", "no"]
    timing: Timing
    realism: int = Field(ge=REALISM_RANGE[0], le=REALISM_RANGE[1])
    artefacts: str = Field("", max_length=MAX_ARTEFACTS_CHARS)


def security_headers(nonce: str) -> dict[str, str]:
    """Headers every response carries; pages may run only scripts and styles with ``nonce``."""
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "img-src 'self' data:; media-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # not no-referrer: with it browsers send `Origin: null` on the page's own form posts,
        # which cross_origin refuses; same-origin still keeps the token URL on this site
        "Referrer-Policy": "same-origin",
    }


def cross_origin(headers: Headers) -> bool:
    """True when the request names (Origin, else Referer) a site other than this host."""
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return False
    host = headers.get("host", "").lower()
    return not host or urlsplit(source).netloc.lower() != host


class Guard:
    """ASGI wrapper of the whole app: security headers on every response (a 500 too), a
    cross-origin state-changing request is a 403 and a body over :data:`MAX_BODY` a 413, both
    before the app reads it. Puts the response's CSP nonce in ``request.state.csp_nonce``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        extra = [(k.lower().encode(), v.encode()) for k, v in security_headers(nonce).items()]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if scope["method"] in STATE_CHANGING and cross_origin(headers):
            refusal = JSONResponse({"detail": "cross-origin request refused"}, status_code=403)
        elif length and (not length.isdigit() or int(length) > MAX_BODY):
            refusal = JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, status_code=413)
        else:
            refusal = None
        if refusal is not None:
            await refusal(scope, receive, send_secured)
            return
        received = 0

        async def receive_capped() -> Message:  # a body sent without Content-Length (chunked)
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise HTTPException(status_code=413, detail=f"request body over {MAX_BODY} bytes")
            return message

        await self.app(scope, receive_capped, send_secured)


class ReviewApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        return Guard(super().build_middleware_stack())  # outside the error handler: 500s too


def create_app(store: ReviewStore, dataset_root: Path) -> FastAPI:
    app = ReviewApp(title="equime review", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Environment(loader=PackageLoader("equime.review", "templates"),
                        autoescape=select_autoescape(default=True))

    def rater_of(token: str) -> str:
        rater = store.rater(token)
        if rater is None:
            raise HTTPException(status_code=403, detail="unknown rater token")
        return rater

    @app.get("/r/{token}", response_class=HTMLResponse)
    def next_clip(token: str, request: Request) -> str:
        rater = rater_of(token)
        clip_id, done, total = store.progress(rater)
        return pages.get_template("rate.html.j2").render(
            token=token, rater=rater, clip_id=clip_id, done=done, total=total,
            emotions=EMOTION_CHOICES, timings=TIMING_CHOICES, nonce=request.state.csp_nonce,
            realism=range(REALISM_RANGE[0], REALISM_RANGE[1] + 1), max_text=MAX_ARTEFACTS_CHARS)

    @app.get("/r/{token}/video/{clip_id}")
    def video(token: str, clip_id: str) -> FileResponse:
        rater_of(token)
        clip = store.clip(clip_id)
        if clip is None:
            raise HTTPException(status_code=404, detail=f"unknown clip id {clip_id!r}")
        try:
            path = inside(dataset_root, clip[0], f"video of clip {clip_id}")
        except InputError:
            path = None
        if path is None or not path.is_file():
            raise HTTPException(status_code=404, detail=f"no video for clip {clip_id!r}")
        return FileResponse(path, media_type="video/mp4")

    @app.post("/r/{token}/rate")
    async def rate(token: str, request: Request) -> RedirectResponse:
        rater = await run_in_threadpool(rater_of, token)  # before the body is read
        async with request.form(max_files=0, max_fields=20, max_part_size=MAX_BODY) as fields:
            try:
                form = RatingForm.model_validate(dict(fields))
            except ValidationError as exc:  # the 422 FastAPI gives for a Form() model
                raise RequestValidationError(
                    [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
                ) from None
        if await run_in_threadpool(store.clip, form.clip_id) is None:
            raise HTTPException(status_code=404, detail=f"unknown clip id {form.clip_id!r}")
        await run_in_threadpool(
            store.save, rater, form.clip_id,
            Rating(emotion=form.emotion, visible=form.visible == "yes", timing=form.timing,
                   realism=form.realism, artefacts=form.artefacts.strip()))
        return RedirectResponse(f"/r/{token}", status_code=303)

    return app
