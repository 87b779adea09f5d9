# equime on an NVIDIA GPU: LTX-Video generation (bf16) and every other stage.
#   docker build -f docker/cuda.Dockerfile -t equime:cuda .
#   docker run --rm --gpus all -v "$PWD":/work -v equime-cache:/cache equime:cuda
# The torch 2.15.0 wheel from PyPI is the CUDA 13 build and carries its CUDA libraries; the base
# image provides the matching runtime; the host needs only the NVIDIA driver. Build arg BASE: an
# image with Python ≥ 3.11.5 and venv (CI: a Debian 13 base made with mmdebstrap).
ARG BASE=nvidia/cuda:13.0.1-runtime-ubuntu24.04
FROM ${BASE}
# a CA bundle for pip where a proxy re-signs TLS (CI: the host's, mounted); unset: certifi's
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

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work \
    && (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --create-home --uid 1000 equime \
    && mkdir -p /work /cache && chown equime:equime /work /cache

WORKDIR /work
RUN python3 -m venv /opt/venv && pip install --no-cache-dir pip==25.3
# pip's downloads in a build cache (shared by both images, never in a layer)
# the dependencies first, against a stub package: this layer is rebuilt only when they change
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir -p src/equime && touch src/equime/__init__.py
RUN --mount=type=cache,target=/root/.cache/pip pip install -c constraints.txt -e .
COPY --chown=equime:equime . .

USER 1000:1000
# weights (hub, torch, deepface) persist across containers in this volume
VOLUME ["/cache"]
CMD ["dvc", "repro"]
