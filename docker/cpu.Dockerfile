# equime on CPU: the embedded default (warp backend) and every stage that needs no GPU.
#   docker build -f docker/cpu.Dockerfile -t equime:cpu .
#   docker run --rm -v "$PWD":/work -v equime-cache:/cache equime:cpu
FROM python:3.11.14-slim-bookworm

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
    && apt-get install -y --no-install-recommends git build-essential \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory /work

WORKDIR /work
RUN python -m venv /opt/venv && pip install --no-cache-dir pip==25.3
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
# the CPU builds of the pinned torch pair (same version numbers, +cpu local label), then the rest
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
        torch==2.15.0 torchvision==0.29.2 \
    && grep -v -E '^(nvidia-|triton==|cuda-)' constraints.txt > /tmp/constraints-cpu.txt \
    && pip install --no-cache-dir -c /tmp/constraints-cpu.txt -e .
COPY . .

VOLUME ["/cache"]
CMD ["dvc", "repro"]
