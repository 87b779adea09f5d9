# equime on CPU: the embedded default (warp backend) and every stage that needs no GPU.
#   docker build -f docker/cpu.Dockerfile -t equime:cpu .
#   docker run --rm -v "$PWD":/work -v equime-cache:/cache equime:cpu
# Build args: BASE, an image with Python ≥ 3.11.5 and venv (CI: a Debian 13 base made with
# mmdebstrap, no registry needed); TORCH_INDEX, where torch comes from (the CPU builds by
# default; https://pypi.org/simple gives PyPI's CUDA build, which runs on a CPU too).
ARG BASE=python:3.11.14-slim-bookworm
FROM ${BASE}
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# a CA bundle for pip where a proxy re-signs TLS (CI: the host's, mounted); unset: certifi's
ARG PIP_CERT

ENV PYTHONUNBUFFERED=1 \
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
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work \
    && useradd --create-home --uid 1000 equime \
    && mkdir -p /work /cache && chown equime:equime /work /cache

WORKDIR /work
RUN python3 -m venv /opt/venv && pip install --no-cache-dir pip==25.3
# pip's downloads in a build cache (shared by both images, never in a layer)
# the dependencies first, against a stub package: this layer is rebuilt only when they change
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir -p src/equime && touch src/equime/__init__.py
# torch from TORCH_INDEX (the CPU index's builds carry a +cpu label and no CUDA libraries:
# those pins are dropped), then the rest, as pinned
RUN --mount=type=cache,target=/root/.cache/pip \
    grep -v -E '^(nvidia-|triton==|cuda-)' constraints.txt > /tmp/constraints-cpu.txt \
    && pip install --index-url "${TORCH_INDEX}" torch==2.15.0 torchvision==0.29.2 \
    && pip install -c /tmp/constraints-cpu.txt -e .
COPY --chown=equime:equime . .

USER 1000:1000
VOLUME ["/cache"]
CMD ["dvc", "repro"]
