# The claude-pool server image: the same packages the README installs (the client, then the
# server, which bundles the `claude` CLI and the PostgreSQL driver stack).
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
RUN pip install ./clients/python . && rm -rf /src

USER pool
WORKDIR /home/pool/work
EXPOSE 50051
ENTRYPOINT ["claude-pool"]
CMD ["serve", "--host", "0.0.0.0"]
