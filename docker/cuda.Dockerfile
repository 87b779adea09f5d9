# equime on an NVIDIA GPU: LTX-Video generation (bf16) and every other stage.
#   docker build -f docker/cuda.Dockerfile -t equime:cuda .
#   docker run --rm --gpus all -v "$PWD":/work -v equime-cache:/cache equime:cuda
# The torch 2.15.0 wheel from PyPI is the CUDA 13 build and carries its CUDA libraries; the base
# image provides the matching runtime; the host needs only the NVIDIA driver. Build args as in
# cpu.Dockerfile (BASE: CI gives the Debian 13 base it makes; TORCH_INDEX: PyPI by default).
ARG BASE=nvidia/cuda:13.0.1-runtime-ubuntu24.04
FROM ${BASE}
# CI removes the dangling images of its earlier builds by this label (.ci/containers)
LABEL org.opencontainers.image.title=equime
ARG TORCH_INDEX=https://pypi.org/simple
ARG PIP_CERT

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HF_HOME=/cache/huggingface \
    TORCH_HOME=/cache/torch \
    DEEPFACE_HOME=/cache/deepface \
    XDG_CACHE_HOME=/cache \
    MLFLOW_TRACKING_URI=sqlite:////work/mlflow.db

# Python from the base where it has one (python:*), else the distribution's; a user, not root
# hadolint ignore=DL3008,SC2046
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
       $(command -v python3 >/dev/null || echo python3 python3-venv) \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work \
    && (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --create-home --uid 1000 equime \
    && mkdir -p /work /cache && chown equime:equime /work /cache

WORKDIR /work
RUN python3 -m venv /opt/venv && pip install --no-cache-dir pip==25.3
# the dependencies first, against a stub package (and a stub README, which pyproject names):
# this ~8 GB layer is rebuilt only when pyproject.toml or constraints.txt change, not when the
# README does. torch from TORCH_INDEX (the CPU index's builds carry no CUDA libraries: their pins
# are dropped), then the rest as pinned. The same lines in both Dockerfiles: given the same build
# args, the second image reuses the first's layers
COPY pyproject.toml constraints.txt ./
RUN mkdir -p src/equime && touch src/equime/__init__.py README.md
# (pip's cache is a build mount, shared by builds, never in a layer)
# hadolint ignore=DL3042
RUN --mount=type=cache,target=/cache/pip \
    if [ "${TORCH_INDEX}" = https://pypi.org/simple ]; then cp constraints.txt /tmp/pins.txt; \
    else grep -v -E '^(nvidia-|triton==|cuda-)' constraints.txt > /tmp/pins.txt; fi \
    && pip install --index-url "${TORCH_INDEX}" torch==2.15.0 torchvision==0.29.2 \
    && pip install -c /tmp/pins.txt -e .
COPY --chown=1000:1000 . .

USER 1000:1000
# weights (hub, torch, deepface) persist across containers in this volume
VOLUME ["/cache"]
CMD ["dvc", "repro"]
