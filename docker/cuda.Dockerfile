# equime on an NVIDIA GPU: LTX-Video generation (bf16) and every other stage.
#   docker build -f docker/cuda.Dockerfile -t equime:cuda .
#   docker run --rm --gpus all -v "$PWD":/work -v equime-cache:/cache equime:cuda
# The torch 2.15.0 wheel from PyPI is the CUDA 13 build and carries its CUDA libraries; the base
# image provides the matching runtime; the host needs only the NVIDIA driver.
FROM nvidia/cuda:13.0.1-runtime-ubuntu24.04

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
    && apt-get install -y --no-install-recommends python3 python3-venv python3-dev git build-essential \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work

WORKDIR /work
RUN python3 -m venv /opt/venv && pip install --no-cache-dir pip==25.3
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c constraints.txt -e .
COPY . .

# weights (hub, torch, deepface) persist across containers in this volume
VOLUME ["/cache"]
CMD ["dvc", "repro"]
