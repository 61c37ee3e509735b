# otelgate gateway image: a static binary on an empty (scratch) base.
#
#   make image                     # make build (static, CGO_ENABLED=0), then this file
#   make image IMAGE=registry.example/otelgate:0.1.0
#
# The binary is built on the build machine by `make build` and copied in, so the
# image builds without pulling any base image (buildah or docker, offline). A CI
# with registry access that prefers to compile inside the build can use
# deploy/Dockerfile.multistage, whose final stage is this one.
#
# What is NOT in the image: key material and client tokens. Mount them:
#   /etc/otelgate/keys/keys.yaml      key ring (Secret, defaultMode 0400)
#   /etc/otelgate/tokens/tokens.yaml  client tokens (Secret, defaultMode 0400)
#   /etc/otelgate/tls/tls.crt, tls.key   with --config /etc/otelgate/tls.yaml
# and give /var/lib/otelgate a volume (persistent export queue).
#
# No HEALTHCHECK: a scratch image has no shell or curl to run one. Health is
# served by the health_check extension on :13133 (GET / answers 200 when the
# pipelines run); Kubernetes probes it with httpGet (deploy/kubernetes).
FROM scratch

COPY deploy/image/etc/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bin/otelgate /otelgate
COPY config.yaml /etc/otelgate/config.yaml
COPY deploy/tls.yaml /etc/otelgate/tls.yaml
COPY tables/ownership.csv /etc/otelgate/tables/ownership.csv
COPY --chown=10001:10001 deploy/image/data/ /var/lib/otelgate/

ENV OTELGATE_DATA_DIR=/var/lib/otelgate \
    OTELGATE_KEYS_FILE=/etc/otelgate/keys/keys.yaml \
    OTELGATE_TOKENS_FILE=/etc/otelgate/tokens/tokens.yaml \
    OTELGATE_OWNERSHIP_TABLE=/etc/otelgate/tables/ownership.csv

# Numeric, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/otelgate

# 4317 OTLP/gRPC, 4318 OTLP/HTTP, 13133 health_check, 8888 own metrics
# (set OTELGATE_METRICS_HOST=0.0.0.0 to expose them).
EXPOSE 4317 4318 13133 8888

ENTRYPOINT ["/otelgate"]
CMD ["--config", "/etc/otelgate/config.yaml"]
