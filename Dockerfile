# Build: docker build -t madoguchi .
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/madoguchi

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/madoguchi --create-home madoguchi
COPY --from=build /src/target/release/madoguchi /usr/local/bin/madoguchi
COPY config /etc/madoguchi
USER madoguchi
WORKDIR /var/lib/madoguchi
ENV MADOGUCHI_CONFIG_DIR=/etc/madoguchi \
    MADOGUCHI_PROFILE=production \
    MADOGUCHI__SERVER__HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
CMD ["madoguchi", "serve"]
