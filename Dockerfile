# syntax=docker/dockerfile:1
# Dockerfile — the Storefront API image: Debian 12, the binary and its runtime libraries,
# run as a non-root user. `storefront serve` is the default; the deploy runs
# `storefront migrate` from the same image as a one-off task (deploy/, docs/aws.md).
#
# BASE_IMAGE: any Debian 12 (bookworm) image. Docker users keep the default; machines that
# cannot reach Docker Hub build one with mmdebstrap (tests/deploy/image-test.sh does).
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

# ---- build: the compiler and the -dev packages localstack/bootstrap.sh installs for it.
FROM ${BASE_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libulfius-dev liborcania-dev libyder-dev libjansson-dev libpq-dev libjwt-dev \
      libcurl4-gnutls-dev libmicrohttpd-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY api/ api/
COPY include/ include/
COPY schema/ schema/
COPY templates/ templates/
COPY tests/ tests/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target storefront -j"$(nproc)" \
 && strip --strip-debug build/storefront

# ---- runtime: only the shared libraries the binary links (tests/deploy/runtime-libs.sh
# checks this list against `ldd build/storefront`), CA certificates for the https calls
# (Cognito JWKS, Stripe, Kinesis, S3, SES), and bash for the health check.
FROM ${BASE_IMAGE} AS runtime
# RUNTIME_PACKAGES: libulfius2.7 liborcania2.3 libyder2.0 libjansson4 libpq5 libcurl3-gnutls libmicrohttpd12 libssl3 zlib1g ca-certificates
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libulfius2.7 liborcania2.3 libyder2.0 libjansson4 libpq5 libcurl3-gnutls \
      libmicrohttpd12 libssl3 zlib1g ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin storefront
COPY --from=build /src/build/storefront /usr/local/bin/storefront
COPY deploy/storefront-healthcheck.sh /usr/local/bin/storefront-healthcheck
USER 10001:10001
ENV LISTEN_ADDR=0.0.0.0 PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/storefront-healthcheck"]
ENTRYPOINT ["/usr/local/bin/storefront"]
CMD ["serve"]
