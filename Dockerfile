# The claude-pool server image: the same package the README installs (`pip install .`), which
# bundles the `claude` CLI (claude-agent-sdk wheel) and the PostgreSQL driver stack.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 pool

WORKDIR /src
COPY pyproject.toml README.md ./
COPY server ./server
COPY clients/python ./clients/python
RUN pip install . && rm -rf /src

USER pool
WORKDIR /home/pool/work
EXPOSE 50051
ENTRYPOINT ["claude-pool"]
CMD ["serve", "--host", "0.0.0.0"]
