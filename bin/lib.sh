# shellcheck shell=bash
# Shared set-up steps for bin/run and bin/test. Source it after setting REPO:
#   REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"; . "$REPO/bin/lib.sh"
# Every step is idempotent and skips itself when already done.
# Installer noise goes to logs under .run/; only short "== ..." lines are printed.

: "${REPO:?REPO must be set before sourcing bin/lib.sh}"
RUN_DIR="$REPO/.run"
VENV="$REPO/.venv"
PY="$VENV/bin/python"

msg()  { printf '== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
die()  { printf '!! %s\n' "$*" >&2; exit 1; }

# run_logged LOGFILE DESCRIPTION CMD...: run CMD with its output appended to
# LOGFILE; on failure print the log's tail and exit.
run_logged() {
    local log="$1" what="$2"; shift 2
    printf '\n### %s: %s\n' "$(date '+%F %T')" "$*" >>"$log"
    if ! "$@" >>"$log" 2>&1 </dev/null; then
        printf '!! %s failed; last lines of %s:\n' "$what" "${log#"$REPO"/}" >&2
        tail -n 25 "$log" >&2
        exit 1
    fi
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if sudo -n true 2>/dev/null; then sudo -n "$@"; else sudo "$@"; fi
    else die "need root for: $* (run as root, or install sudo)"
    fi
}

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Serialise the set-up part between concurrent bin/run / bin/test calls in
# one tree (pip, npm and pg_ctl must not race). Released by setup_unlock.
setup_lock() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/setup.lock"
    if ! flock -n 9; then
        msg "waiting for another bin/run or bin/test in this tree to finish its set-up"
        flock 9
    fi
}
setup_unlock() { flock -u 9 2>/dev/null || true; exec 9>&-; }

# ---------------------------------------------------------------- Debian ---
# deb_installed PKG: installed and configured (dpkg -s also succeeds for a
# removed package whose config files remain).
deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

DEBIAN_PACKAGES=(postgresql redis-server fonts-noto-cjk chromium poppler-utils
                 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

ensure_debian_packages() {
    local missing=() p
    for p in "${DEBIAN_PACKAGES[@]}"; do
        deb_installed "$p" || missing+=("$p")
    done
    # Node.js: a NodeSource nodejs bundles npm and conflicts with Debian's
    # npm package, so these two are checked by command, not by dpkg.
    command -v node >/dev/null 2>&1 || deb_installed nodejs || missing+=(nodejs)
    command -v npm  >/dev/null 2>&1 || deb_installed npm    || missing+=(npm)
    # Python 3.11+ with venv/ensurepip (Debian's python3 needs python3-venv).
    if ! command -v python3 >/dev/null 2>&1; then
        missing+=(python3 python3-venv)
    elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        deb_installed python3-venv || missing+=(python3-venv)
    fi

    if [ "${#missing[@]}" -eq 0 ]; then
        msg "Debian packages: all present"
        return
    fi
    msg "Debian packages: installing ${missing[*]} (log: .run/apt.log)"
    export DEBIAN_FRONTEND=noninteractive
    run_logged "$RUN_DIR/apt.log" "apt-get update" as_root apt-get update
    run_logged "$RUN_DIR/apt.log" "apt-get install" \
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# ---------------------------------------------------------------- Python ---
ensure_python() {
    command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH"
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "python3 is $(python3 -V 2>&1); 3.11+ is needed"

    if [ -x "$PY" ] && ! "$PY" -c 'import sys' >/dev/null 2>&1; then
        note "existing .venv is broken (its python does not run); recreating it"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        msg "Python: creating .venv with $(python3 -V 2>&1)"
        run_logged "$RUN_DIR/pip.log" "python3 -m venv" python3 -m venv "$VENV"
    fi

    local want stamp="$VENV/.requirements.sha256"
    want="$(sha_of "$REPO"/requirements/*.txt)-$("$PY" -c 'import sys; print(sys.version)' | sha256sum | cut -c1-8)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        msg "Python: .venv up to date"
        return
    fi
    msg "Python: pip install -r requirements/test.txt (log: .run/pip.log)"
    run_logged "$RUN_DIR/pip.log" "pip install" \
        "$PY" -m pip install --disable-pip-version-check --no-input -r "$REPO/requirements/test.txt"
    printf '%s\n' "$want" >"$stamp"
}

# ------------------------------------------------------------------- npm ---
ensure_node_modules() {
    [ -f "$REPO/package.json" ] || { msg "npm: no package.json, skipped"; return; }
    local stamp="$REPO/node_modules/.zjsm-install.sha256" want
    if [ -f "$REPO/package-lock.json" ]; then
        want="$(sha_of "$REPO/package.json" "$REPO/package-lock.json")"
        if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
            msg "npm: node_modules up to date"
            return
        fi
        msg "npm: npm ci (log: .run/npm.log)"
        (cd "$REPO" && run_logged "$RUN_DIR/npm.log" "npm ci" npm ci --no-audit --no-fund)
    else
        msg "npm: npm install, writing package-lock.json (log: .run/npm.log)"
        (cd "$REPO" && run_logged "$RUN_DIR/npm.log" "npm install" npm install --no-audit --no-fund)
        [ -f "$REPO/package-lock.json" ] || die "npm install did not write package-lock.json"
        note "package-lock.json was created: commit it"
    fi
    want="$(sha_of "$REPO/package.json" "$REPO/package-lock.json")"
    printf '%s\n' "$want" >"$stamp"
}

# ------------------------------------------------------- manage.py steps ---
# has_command NAME: true when manage.py exists and knows NAME (the list of
# commands is read once per script run; it needs the settings to load).
MANAGE_COMMANDS=
has_command() {
    [ -f "$REPO/manage.py" ] || return 1
    if [ -z "$MANAGE_COMMANDS" ]; then
        if ! MANAGE_COMMANDS="$(cd "$REPO" && "$PY" manage.py help --commands 2>"$RUN_DIR/manage-help.log")"; then
            note "manage.py help failed (see .run/manage-help.log); optional commands are skipped"
            MANAGE_COMMANDS="-"
        fi
    fi
    printf '%s\n' "$MANAGE_COMMANDS" | grep -qx "$1"
}

ensure_pdf_fonts() {
    if has_command build_pdf_fonts; then
        msg "PDF fonts: manage.py build_pdf_fonts (log: .run/fonts.log)"
        (cd "$REPO" && run_logged "$RUN_DIR/fonts.log" "build_pdf_fonts" "$PY" manage.py build_pdf_fonts)
    else
        msg "PDF fonts: manage.py has no build_pdf_fonts yet, skipped"
    fi
}

# ------------------------------------------------------------ PostgreSQL ---
# Private cluster: data in .pgdata/, socket + log in .run/pg/, 127.0.0.1 only.
# As root, the server runs as the 'postgres' system user.
PG_DEFAULT_PORT=55432
PG_STARTED_HERE=

pg_find_bin() {
    local d
    d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
        die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    fi
    PGBIN="$d"
}

# pg_as CMD...: run a server-side command as the cluster's owner, from /.
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@")
    else (cd / && "$@")
    fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_layout() {
    local hash base
    hash="$(printf '%s' "$REPO" | sha256sum | cut -c1-12)"
    PGDATA_DIR="$REPO/.pgdata"
    PG_RUN="$RUN_DIR/pg"
    mkdir -p "$RUN_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "system user 'postgres' missing (is the postgresql package installed?)"
        if ! (cd / && runuser -u postgres -- test -x "$RUN_DIR"); then
            base="/var/tmp/zjsm-pg-$hash"
            PGDATA_DIR="$base/data"
            PG_RUN="$base/run"
            note "$REPO is not reachable by the postgres user; cluster lives in $base instead"
            mkdir -p "$base"
            chown postgres: "$base"
            chmod 700 "$base"
        fi
    fi
    mkdir -p "$PG_RUN"
    # A Unix socket path is limited to 107 bytes.
    PG_SOCK="$PG_RUN"
    if [ "$(printf '%s' "$PG_SOCK/.s.PGSQL.65535" | wc -c)" -gt 100 ]; then
        PG_SOCK="/tmp/zjsm-pg-$hash"
        mkdir -p "$PG_SOCK"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_RUN" "$PG_SOCK"
        if [ -d "$PGDATA_DIR" ] && [ "$(stat -c %U "$PGDATA_DIR")" != postgres ]; then
            chown -R postgres: "$PGDATA_DIR"
        fi
    fi
    chmod 700 "$PG_RUN" "$PG_SOCK"
    PG_LOG="$PG_RUN/postgres.log"
}

pg_running() { pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

pg_start() {
    local port="$1"
    # pg_ctl's child calls setsid(), so Ctrl-C in bin/run does not reach it.
    # 9>&-: the server must not inherit (and so hold) the set-up lock.
    if ! pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k '$PG_SOCK'" start >/dev/null 2>&1 9>&-; then
        printf '!! PostgreSQL did not start; last lines of %s:\n' "$PG_LOG" >&2
        tail -n 30 "$PG_LOG" >&2 || true
        exit 1
    fi
}

ensure_postgres() {
    if [ -n "${DATABASE_URL:-}" ]; then
        msg "PostgreSQL: using DATABASE_URL from the environment"
        return
    fi
    pg_find_bin
    pg_layout
    local port="${PORTAL_PG_PORT:-$PG_DEFAULT_PORT}" running_port i

    if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
        [ "$(cat "$PGDATA_DIR/PG_VERSION")" = "$(basename "$(dirname "$PGBIN")")" ] \
            || die "$PGDATA_DIR was made by PostgreSQL $(cat "$PGDATA_DIR/PG_VERSION"), installed is $PGBIN; remove it to start over"
    else
        msg "PostgreSQL: initdb of a private cluster in ${PGDATA_DIR#"$REPO"/}"
        mkdir -p "$PGDATA_DIR"
        [ "$(id -u)" -ne 0 ] || chown postgres: "$PGDATA_DIR"
        chmod 700 "$PGDATA_DIR"
        run_logged "$RUN_DIR/initdb.log" "initdb" \
            pg_as "$PGBIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8
    fi

    if pg_running; then
        running_port="$(sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)"
        if [ -n "${PORTAL_PG_PORT:-}" ] && [ "$running_port" != "$port" ]; then
            port_busy "$port" && die "port $port (PORTAL_PG_PORT) is taken by another program"
            msg "PostgreSQL: restarting the private cluster on port $port (was $running_port)"
            pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
            pg_start "$port"
        else
            port="${running_port:-$port}"
            msg "PostgreSQL: private cluster already running on 127.0.0.1:$port"
        fi
    else
        if port_busy "$port"; then
            [ -z "${PORTAL_PG_PORT:-}" ] || die "port $port (PORTAL_PG_PORT) is taken by another program"
            for i in $(seq 1 20); do
                port_busy "$((port + i))" || { port=$((port + i)); break; }
            done
            port_busy "$port" && die "ports $PG_DEFAULT_PORT-$((PG_DEFAULT_PORT + 20)) are all taken; set PORTAL_PG_PORT"
            note "port $PG_DEFAULT_PORT is taken by something else; using $port"
        fi
        msg "PostgreSQL: starting private cluster on 127.0.0.1:$port (log: ${PG_LOG#"$REPO"/})"
        pg_start "$port"
        PG_STARTED_HERE=1
    fi

    for i in $(seq 1 60); do
        "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
        [ "$i" -lt 60 ] || die "PostgreSQL on 127.0.0.1:$port is not ready after 30s; see $PG_LOG"
        sleep 0.5
    done
    if [ "$("$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = 'zjsm'")" != 1 ]; then
        msg "PostgreSQL: creating database zjsm"
        "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres zjsm
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/zjsm"
    msg "PostgreSQL: DATABASE_URL=$DATABASE_URL"
}

# Stop the private cluster if this script started it, and drop a /var/tmp
# fallback cluster (used by bin/test under CI, where nothing reuses either).
stop_private_postgres() {
    [ -n "$PG_STARTED_HERE" ] || return 0
    PG_STARTED_HERE=
    pg_as "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    case "$PGDATA_DIR" in
        /var/tmp/zjsm-pg-*/data) rm -rf "$(dirname "$PGDATA_DIR")" ;;
    esac
}

# ----------------------------------------------------------------- Redis ---
# Private redis-server for Celery on 127.0.0.1:56379, pid/log in .run/.
REDIS_PORT=56379
REDIS_STARTED_HERE=

ensure_redis() {
    if [ -n "${REDIS_URL:-}" ]; then
        msg "Redis: using REDIS_URL from the environment"
        return
    fi
    local pidfile="$RUN_DIR/redis.pid" pid i
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ]; then
        REDIS_PORT="$(cat "$RUN_DIR/redis.port" 2>/dev/null || echo "$REDIS_PORT")"
        msg "Redis: private redis-server already running on 127.0.0.1:$REDIS_PORT (pid $pid)"
        REDIS_STARTED_HERE=1   # left over from an earlier bin/run of ours: stop it on exit
    else
        if port_busy "$REDIS_PORT"; then
            for i in $(seq 1 20); do
                port_busy "$((REDIS_PORT + i))" || break
            done
            port_busy "$((REDIS_PORT + i))" && die "ports $REDIS_PORT-$((REDIS_PORT + 20)) are all taken; set REDIS_URL"
            note "port $REDIS_PORT is taken by something else; using $((REDIS_PORT + i))"
            REDIS_PORT=$((REDIS_PORT + i))
        fi
        msg "Redis: starting private redis-server on 127.0.0.1:$REDIS_PORT (log: .run/redis.log)"
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
            --daemonize yes --dir "$RUN_DIR" --pidfile "$pidfile" --logfile "$RUN_DIR/redis.log" \
            >/dev/null 9>&-
        for i in $(seq 1 50); do
            port_busy "$REDIS_PORT" && break
            [ "$i" -lt 50 ] || { tail -n 20 "$RUN_DIR/redis.log" >&2; die "redis-server did not start"; }
            sleep 0.1
        done
        printf '%s\n' "$REDIS_PORT" >"$RUN_DIR/redis.port"
        REDIS_STARTED_HERE=1
    fi
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
}

stop_private_redis() {
    [ -n "$REDIS_STARTED_HERE" ] || return 0
    local pid
    pid="$(cat "$RUN_DIR/redis.pid" 2>/dev/null || true)"
    REDIS_STARTED_HERE=
    if [ -z "$pid" ] || ! kill "$pid" 2>/dev/null; then return 0; fi
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}
