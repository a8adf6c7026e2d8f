#!/usr/bin/env bash
# PostgreSQL and Redis for the server tests: installed from Debian packages when missing, then
# started as private instances on 127.0.0.1 (data under $UNSTUCK_SERVICES_DIR). Idempotent:
# instances already running are left alone. The last two lines of output are the URLs:
#   UNSTUCK_TEST_POSTGRES_URL=postgresql://unstuck@127.0.0.1:54329/unstuck
#   UNSTUCK_TEST_REDIS_URL=redis://127.0.0.1:63799/0
set -euo pipefail

DIR="${UNSTUCK_SERVICES_DIR:-/tmp/unstuck-services}"
PG_PORT="${UNSTUCK_PG_PORT:-54329}"
REDIS_PORT="${UNSTUCK_REDIS_PORT:-63799}"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "services.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

install_missing() {
    local wanted=()
    pg_bin >/dev/null || wanted+=(postgresql)
    command -v redis-server >/dev/null || wanted+=(redis-server)
    [ ${#wanted[@]} -eq 0 ] && return 0
    echo "services.sh: installing ${wanted[*]} from Debian packages" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >&2
}

# PostgreSQL refuses to run as root: run it as the 'postgres' user when we are root.
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local bin data="$DIR/postgres"
    bin="$(pg_bin)"
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then return 0; fi
    mkdir -p "$DIR"
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        [ "$(id -u)" = 0 ] && chown postgres: "$data" "$DIR"
        as_pg_user "$bin/initdb" -D "$data" -U unstuck --auth=trust -E UTF8 >/dev/null
    fi
    as_pg_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PG_PORT -k $data -c fsync=off -c max_connections=300" start >/dev/null
    if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U unstuck -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'unstuck'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U unstuck unstuck
    fi
}

start_redis() {
    if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then return 0; fi
    mkdir -p "$DIR/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save "" \
        --appendonly no --daemonize yes --logfile "$DIR/redis/redis.log"
    for _ in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    echo "services.sh: redis-server did not answer on port $REDIS_PORT; see $DIR/redis/redis.log" >&2
    return 1
}

install_missing
start_postgres
start_redis
echo "UNSTUCK_TEST_POSTGRES_URL=postgresql://unstuck@127.0.0.1:$PG_PORT/unstuck"
echo "UNSTUCK_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
