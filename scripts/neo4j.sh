#!/usr/bin/env bash
# Local Neo4j Community 5.26 (LTS) server for Scout's tests and users.
#
#   scripts/neo4j.sh up          build if needed, start, wait until Bolt answers
#   scripts/neo4j.sh down        stop the server this script started
#   scripts/neo4j.sh status      exit 0 running, 3 not running, 1 up but not answering
#   scripts/neo4j.sh logs [-f]   show (or follow) the server log
#   scripts/neo4j.sh reset       stop and wipe the database (keeps the build)
#   scripts/neo4j.sh build       only build the launcher (e.g. to warm a CI cache)
#   scripts/neo4j.sh import ARGS replace the database by an offline import
#                                (neo4j-admin database import full ARGS), see cmd_import
#   scripts/neo4j.sh import-only HOME ARGS   only run the importer, into the scratch
#                                Neo4j home HOME (benchmarks: bench/neo4j_import_floor.py)
#
# Why not the usual server tarball: the only registry this project may use for
# Java is Maven Central, which does not serve the Neo4j server distribution
# (org.neo4j:neo4j-community:<v>:tar.gz:unix is not there). It does serve the
# embedded DBMS, org.neo4j:neo4j, which includes the Bolt connector. So a tiny
# launcher (scripts/neo4j-launcher/) runs the embedded DBMS with Bolt enabled,
# and Python clients connect with the ordinary neo4j driver.
#
# Environment (all optional):
#   SCOUT_NEO4J_HOME           cache dir: build + data + logs
#                              (default ~/.cache/scout/neo4j, outside the repo)
#   SCOUT_NEO4J_PORT           Bolt port on 127.0.0.1 (default 7687)
#   SCOUT_NEO4J_PASSWORD       password of user neo4j, >= 8 chars
#                              (default scout-dev-password); applied on every `up`
#   SCOUT_NEO4J_HEAP           JVM max heap (default 2g)
#   SCOUT_NEO4J_PAGECACHE      Neo4j page cache (default 512m)
#   SCOUT_NEO4J_START_TIMEOUT  seconds `up` waits for Bolt (default 120)
#   SCOUT_NEO4J_STOP_TIMEOUT   seconds `down` waits after SIGTERM before SIGKILL (default 60)
#   JAVA_HOME                  used if set, else `java` on PATH
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAUNCHER_DIR="$SCRIPT_DIR/neo4j-launcher"
MAIN_CLASS=ScoutNeo4j

CACHE_DIR="${SCOUT_NEO4J_HOME:-${HOME:?HOME is not set}/.cache/scout/neo4j}"
PORT="${SCOUT_NEO4J_PORT:-7687}"
PASSWORD="${SCOUT_NEO4J_PASSWORD:-scout-dev-password}"
HEAP="${SCOUT_NEO4J_HEAP:-2g}"
PAGECACHE="${SCOUT_NEO4J_PAGECACHE:-512m}"
START_TIMEOUT="${SCOUT_NEO4J_START_TIMEOUT:-120}"
STOP_TIMEOUT="${SCOUT_NEO4J_STOP_TIMEOUT:-60}"

BUILD_DIR="$CACHE_DIR/build"        # classes/ + lib/*.jar + .source-hash
SERVER_DIR="$CACHE_DIR/server"      # Neo4j home: data/, logs/
LOG_FILE="$SERVER_DIR/logs/scout-neo4j.log"
PID_FILE="$CACHE_DIR/neo4j.pid"
PORT_FILE="$CACHE_DIR/neo4j.port"   # port of the running server, for status/up
READY_FILE="$CACHE_DIR/neo4j.ready" # written by the launcher once the password is set
PWHASH_FILE="$CACHE_DIR/neo4j.pwhash" # hash of the password the server was started with

JAVA=""

say() { printf '%s\n' "$*"; }
warn() { printf 'neo4j.sh: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

neo4j_version() {
  sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$LAUNCHER_DIR/pom.xml"
}

# ---------------------------------------------------------------- prerequisites

# Exit 2 (not 1) for a missing tool, so callers can tell "not installed" from
# "failed".
require_java() {
  local candidate spec major
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    candidate="$JAVA_HOME/bin/java"
  elif candidate=$(command -v java); then
    :
  else
    warn "Java 17+ is required: apt-get install openjdk-17-jre-headless"
    exit 2
  fi
  # java.specification.version is "17", "21", ... (or "1.8" for Java 8).
  spec=$("$candidate" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = //p')
  major=${spec%%.*}
  if [[ ! $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    warn "Java 17+ is required: apt-get install openjdk-17-jre-headless (found: ${spec:-unknown} at $candidate)"
    exit 2
  fi
  JAVA=$candidate
}

require_build_tools() {
  command -v mvn >/dev/null 2>&1 || {
    warn "Maven is required: apt-get install maven"
    exit 2
  }
  # Maven compiles with the JDK's compiler; a JRE alone is not enough to build.
  if ! command -v javac >/dev/null 2>&1 && [[ ! -x "${JAVA_HOME:-/nonexistent}/bin/javac" ]]; then
    warn "A Java 17+ JDK is required to build the launcher: apt-get install openjdk-17-jdk-headless"
    exit 2
  fi
}

validate_settings() {
  if [[ ! $PORT =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
    warn "SCOUT_NEO4J_PORT must be a port number, got '$PORT'"
    exit 2
  fi
  # Neo4j rejects passwords shorter than 8 characters by default.
  ((${#PASSWORD} >= 8)) ||
    { warn "SCOUT_NEO4J_PASSWORD must be at least 8 characters"; exit 2; }
  [[ $HEAP =~ ^[0-9]+[kKmMgG]?$ ]] ||
    { warn "SCOUT_NEO4J_HEAP must look like 2g or 1536m, got '$HEAP'"; exit 2; }
  [[ $PAGECACHE =~ ^[0-9]+[kKmMgG]?$ ]] ||
    { warn "SCOUT_NEO4J_PAGECACHE must look like 512m or 1g, got '$PAGECACHE'"; exit 2; }
  [[ $START_TIMEOUT =~ ^[0-9]+$ && $STOP_TIMEOUT =~ ^[0-9]+$ ]] ||
    { warn "SCOUT_NEO4J_START_TIMEOUT/STOP_TIMEOUT must be whole seconds"; exit 2; }
}

# Serialise up/down/reset/build across concurrent invocations (e.g. parallel
# test runners all calling `up`). flock is in util-linux; without it, go on.
take_lock() {
  mkdir -p "$CACHE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.lock"
    flock -w 600 9 || die "timed out waiting for another neo4j.sh in $CACHE_DIR"
  fi
}

# ---------------------------------------------------------------- build

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

# Hash of everything the build depends on: launcher sources and the JDK major.
source_hash() {
  {
    cat "$LAUNCHER_DIR/pom.xml" "$LAUNCHER_DIR/$MAIN_CLASS.java"
    "$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'
  } | sha256 | cut -c1-64
}

# Lets `up` notice that a running server has another password than the one
# in the environment, without storing the password itself.
password_hash() {
  printf 'scout-neo4j:%s' "$PASSWORD" | sha256 | cut -c1-64
}

is_built() {
  [[ -f "$BUILD_DIR/.source-hash" && -f "$BUILD_DIR/classes/$MAIN_CLASS.class" ]] &&
    [[ "$(cat "$BUILD_DIR/.source-hash")" == "$(source_hash)" ]]
}

build() {
  if is_built; then
    return 0
  fi
  require_build_tools
  local tmp="$CACHE_DIR/build.tmp" blog="$CACHE_DIR/build.log" started=$SECONDS
  say "Building the Neo4j $(neo4j_version) launcher in $BUILD_DIR (a first build downloads ~125 MB from Maven Central)..."
  rm -rf "$tmp"
  # Build into a temp dir and swap it in at the end, so an interrupted build
  # never looks complete. -Dscout.build.dir keeps Maven's output out of the repo.
  if ! mvn -B -q -f "$LAUNCHER_DIR/pom.xml" -Dscout.build.dir="$tmp" \
    compile dependency:copy-dependencies >"$blog" 2>&1; then
    tail -n 30 "$blog" >&2
    rm -rf "$tmp"
    die "building the launcher failed (full log: $blog)"
  fi
  source_hash >"$tmp/.source-hash" # written last: marks the build complete
  rm -rf "$BUILD_DIR"
  mv "$tmp" "$BUILD_DIR"
  say "Built in $((SECONDS - started))s."
}

# ---------------------------------------------------------------- process checks

# True if $1 is a live process running our launcher on our data dir. Checked
# before every signal, so a recycled pid is never killed.
is_ours() {
  local pid=$1 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  if [[ -d /proc ]]; then
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  else
    cmd=$(ps -p "$pid" -o command= 2>/dev/null) || return 1
  fi
  [[ $cmd == *java* && $cmd == *" $MAIN_CLASS"* && $cmd == *"-Dscout.home=$SERVER_DIR "* ]]
}

# Prints the pid of our running server, or fails.
running_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid=$(<"$PID_FILE")
  is_ours "$pid" || return 1
  printf '%s\n' "$pid"
}

running_port() {
  if [[ -f $PORT_FILE ]]; then cat "$PORT_FILE"; else printf '%s\n' "$PORT"; fi
}

maybe_timeout() {
  local secs=$1
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

# True if a Bolt server answers the Bolt handshake on 127.0.0.1:$1. A plain TCP
# connect would also succeed for any other program on that port; the handshake
# (magic 6060B017, then four proposed versions: 5.8..5.0 and 4.4) makes sure
# it is Bolt. The server replies with the chosen version, 00000000 if none.
bolt_answers() {
  local reply
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  reply=$(maybe_timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
    head -c 4 <&3 | od -An -tx1' _ "$1" 2>/dev/null) || return 1
  reply=${reply//[[:space:]]/}
  [[ ${#reply} -eq 8 && $reply != 00000000 ]]
}

# True if anything at all accepts connections on 127.0.0.1:$1.
port_in_use() {
  # shellcheck disable=SC2016
  maybe_timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

print_connection() {
  local pid=$1 port=$2
  say "  URI:  bolt://127.0.0.1:$port"
  say "  user: neo4j  (password: \$SCOUT_NEO4J_PASSWORD, default in scripts/neo4j.sh)"
  say "  pid:  $pid   log: $LOG_FILE"
}

show_log_tail() {
  if [[ -f $LOG_FILE ]]; then
    warn "last lines of $LOG_FILE:"
    tail -n 25 "$LOG_FILE" >&2
  fi
}

# ---------------------------------------------------------------- stop

stop_pid() {
  local pid=$1 waited=0
  kill -TERM "$pid" 2>/dev/null || true
  # The launcher's shutdown hook closes the DBMS cleanly (checkpoint, store
  # files); that takes ~10 s even for a small database.
  while is_ours "$pid" && ((waited < STOP_TIMEOUT * 2)); do
    sleep 0.5
    waited=$((waited + 1))
  done
  if is_ours "$pid"; then
    warn "pid $pid did not stop within ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while is_ours "$pid" && ((waited < 20)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    ! is_ours "$pid" || die "pid $pid is still alive after SIGKILL"
  fi
}

clear_state() {
  rm -f "$PID_FILE" "$PORT_FILE" "$PWHASH_FILE" "$READY_FILE" "$READY_FILE.tmp"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  require_java
  validate_settings
  take_lock

  local pid port
  if pid=$(running_pid); then
    port=$(running_port)
    if bolt_answers "$port"; then
      say "Neo4j is already running."
      print_connection "$pid" "$port"
      [[ $port == "$PORT" ]] || warn "it listens on $port, not SCOUT_NEO4J_PORT=$PORT (run down, then up)"
      [[ "$(cat "$PWHASH_FILE" 2>/dev/null || true)" == "$(password_hash)" ]] ||
        warn "it was started with another SCOUT_NEO4J_PASSWORD (run down, then up to apply this one)"
      is_built || warn "the launcher sources changed since it started; run down, then up to rebuild"
      return 0
    fi
    # Ours but not answering yet: it is still starting (e.g. an earlier `up`
    # that was interrupted). Wait for it like for a fresh start.
    say "Neo4j (pid $pid) is starting; waiting for Bolt on 127.0.0.1:$port..."
    wait_until_ready "$pid" "$port" "$SECONDS"
    return 0
  fi
  clear_state # stale pid file from a crash or reboot
  recover_swap # an import killed while swapping its database in

  if port_in_use "$PORT"; then
    die "127.0.0.1:$PORT is already in use by a process this script did not start; stop it or set SCOUT_NEO4J_PORT"
  fi

  build

  mkdir -p "$SERVER_DIR/logs"
  # Keep the log bounded across many test runs: one rotation at ~10 MB.
  if [[ -f $LOG_FILE ]] && (($(wc -c <"$LOG_FILE") > 10 * 1024 * 1024)); then
    mv -f "$LOG_FILE" "$LOG_FILE.1"
  fi

  # JVM flags follow Neo4j 5's own neo4j.conf defaults (add-opens for the page
  # cache and Netty, G1, ...), with a modest heap for laptops and CI.
  local jvm_opts=(
    "-Xmx$HEAP"
    -XX:+UseG1GC
    -XX:-OmitStackTraceInFastThrow
    -XX:+ExitOnOutOfMemoryError # a half-dead database is worse than a stopped one
    -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    -Djdk.nio.maxCachedBufferSize=1024
    -Dio.netty.tryReflectionSetAccessible=true
    -Dlog4j2.disable.jmx=true
    -Dfile.encoding=UTF-8
    -cp "$BUILD_DIR/classes:$BUILD_DIR/lib/*"
    "-Dscout.home=$SERVER_DIR"
    "-Dscout.port=$PORT"
    "-Dscout.pagecache=$PAGECACHE"
    "-Dscout.ready=$READY_FILE"
    "$MAIN_CLASS"
  )
  {
    printf '\n'
    say "==== $(date '+%Y-%m-%dT%H:%M:%S%z') neo4j.sh up: port $PORT heap $HEAP pagecache $PAGECACHE"
  } >>"$LOG_FILE"

  # nohup + setsid: the server outlives this shell and its terminal. The inner
  # bash writes its own pid and then execs java, so the pid file holds the
  # JVM's pid even if setsid had to fork. The password goes through the
  # environment, not argv, so it does not show in `ps`. fd 9 (the lock) is
  # closed so the server does not hold it.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  local started=$SECONDS
  # shellcheck disable=SC2016 # expanded by the inner bash
  SCOUT_NEO4J_PASSWORD="$PASSWORD" nohup ${detach[@]+"${detach[@]}"} bash -c \
    'echo "$$" >"$1"; shift; exec "$@"' _ "$PID_FILE" "$JAVA" "${jvm_opts[@]}" \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  printf '%s\n' "$PORT" >"$PORT_FILE"
  (umask 077 && password_hash >"$PWHASH_FILE")

  # Wait for the pid file written by the inner bash.
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $PID_FILE ]] && break
    sleep 0.1
  done
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n $pid ]] || { show_log_tail; clear_state; die "the server process did not start"; }

  say "Starting Neo4j $(neo4j_version) (pid $pid), waiting for Bolt on 127.0.0.1:$PORT..."
  wait_until_ready "$pid" "$PORT" "$started"
}

# Ready = the launcher wrote the ready file (Bolt up AND password set; Bolt
# alone opens a moment before the password is applied) and Bolt answers.
wait_until_ready() {
  local pid=$1 port=$2 started=$3
  local deadline=$((started + START_TIMEOUT))
  while :; do
    if [[ -f $READY_FILE && "$(cat "$READY_FILE" 2>/dev/null)" == "$pid" ]] && bolt_answers "$port"; then
      say "Neo4j $(neo4j_version) is up after $((SECONDS - started))s."
      print_connection "$pid" "$port"
      return 0
    fi
    if ! is_ours "$pid"; then
      show_log_tail
      clear_state
      die "Neo4j exited during startup (see above; full log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail
      warn "Bolt did not answer on 127.0.0.1:$port within ${START_TIMEOUT}s; stopping pid $pid"
      stop_pid "$pid"
      clear_state
      die "Neo4j did not come up (raise SCOUT_NEO4J_START_TIMEOUT on a slow machine; full log: $LOG_FILE)"
    fi
    sleep 0.5
  done
}

cmd_down() {
  take_lock
  local pid
  if ! pid=$(running_pid); then
    clear_state
    say "Neo4j is not running."
    return 0
  fi
  say "Stopping Neo4j (pid $pid)..."
  stop_pid "$pid"
  clear_state
  say "Neo4j stopped."
}

cmd_status() {
  local pid port
  if ! pid=$(running_pid); then
    say "Neo4j is not running."
    exit 3
  fi
  port=$(running_port)
  if bolt_answers "$port"; then
    say "Neo4j is running."
    print_connection "$pid" "$port"
    exit 0
  fi
  say "Neo4j process $pid is up but Bolt does not answer on 127.0.0.1:$port (starting, or unhealthy: see scripts/neo4j.sh logs)."
  exit 1
}

cmd_logs() {
  [[ -f $LOG_FILE ]] || die "no log yet at $LOG_FILE (run: scripts/neo4j.sh up)"
  case "${1:-}" in
    -f | --follow) exec tail -n 50 -F "$LOG_FILE" ;;
    "") tail -n 100 "$LOG_FILE" ;;
    *) die "usage: scripts/neo4j.sh logs [-f]" ;;
  esac
}

cmd_reset() {
  cmd_down
  # Wipes databases and logs, keeps the (slow to download) build.
  rm -rf "$SERVER_DIR"
  say "Wiped $SERVER_DIR."
}

# Offline bulk import (`neo4j-admin database import full`, from the
# neo4j-import-tool jar the embedded build already carries) into a staging home,
# then a swap: the served database is either the old one or the complete new
# one, never a half-imported one.
#   1. import into $CACHE_DIR/import-staging; a running server is stopped at
#      the same time (its database is replaced anyway, and its ~10 s shutdown
#      then costs no wall time). A kill here leaves the staging dir, which
#      `up` and the next import discard (saying so): the old database is
#      served again after `up`. Should the importer fail, the old database is
#      served again at once;
#   2. on success, write the marker (the staging dir is complete), move the
#      old database aside and the new one in (two renames; a kill in between
#      is finished by the next `up`/`import`, saying so), start the server
#      again if it was running.
IMPORT_STAGING="$CACHE_DIR/import-staging"
IMPORT_OLD="$CACHE_DIR/import-replaced"
SWAP_MARKER="$CACHE_DIR/import-swap"

# Finish a swap a kill interrupted: the staging copy is complete (the marker is
# written only then), so move whatever is still there into place.
recover_swap() {
  if [[ -f $SWAP_MARKER ]]; then
    warn "an import was interrupted while swapping its (complete) database in: finishing the swap"
    swap_in
    warn "the imported database is in place; if \`scout import\` was interrupted, run it again to finish it"
  elif [[ -d $IMPORT_STAGING ]]; then
    warn "an import was interrupted before its database was complete: discarding $IMPORT_STAGING;"
    warn "the previous database is served; run the import (\`scout import …\`) again"
    rm -rf "$IMPORT_STAGING"
  fi
}

swap_in() {
  local part
  for part in databases transactions; do
    if [[ -d $IMPORT_STAGING/data/$part/neo4j ]]; then
      mkdir -p "$SERVER_DIR/data/$part" "$IMPORT_OLD/$part"
      [[ -d $SERVER_DIR/data/$part/neo4j ]] && mv "$SERVER_DIR/data/$part/neo4j" "$IMPORT_OLD/$part/neo4j.$$"
      mv "$IMPORT_STAGING/data/$part/neo4j" "$SERVER_DIR/data/$part/neo4j"
    fi
  done
  rm -rf "$IMPORT_STAGING" "$IMPORT_OLD"
  rm -f "$SWAP_MARKER"
}

# neo4j-admin database import full into the Neo4j home $1 (which has conf/ and
# logs/), with the remaining arguments. The database name goes first:
# --nodes/--relationships take several files each.
# Without --report-file in the arguments the report goes to the file $2 (the
# importer's own default is the working directory, which may be a repository).
run_importer() {
  local home=$1 report=$2 arg
  shift 2
  for arg; do [[ $arg == --report-file=* ]] && break; done
  [[ ${arg:-} == --report-file=* ]] || set -- "$@" "--report-file=$report"
  NEO4J_HOME="$home" NEO4J_CONF="$home/conf" "$JAVA" "-Xmx$HEAP" \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Dfile.encoding=UTF-8 -cp "$BUILD_DIR/classes:$BUILD_DIR/lib/*" org.neo4j.cli.AdminTool \
    database import full neo4j --overwrite-destination=true "$@" 9>&-
}

# The importer alone, into a scratch home: no server is stopped, nothing is
# swapped in (what bench/neo4j_import_floor.py times).
cmd_import_only() {
  require_java
  (($# > 1)) || die "usage: scripts/neo4j.sh import-only SCRATCH_HOME --nodes=... --relationships=... [importer options]"
  local home=$1
  shift
  [[ ! -e $home ]] || die "$home exists: import-only wants a new scratch folder"
  take_lock
  build
  exec 9>&- # the lock: the build was all it guarded
  mkdir -p "$home/conf" "$home/logs"
  : >"$home/conf/neo4j.conf"
  run_importer "$home" "$home/import.report" "$@"
}

cmd_import() {
  require_java
  (($# > 0)) || die "usage: scripts/neo4j.sh import --nodes=Account=FILE --relationships=INTERACTED=FILE [more importer options]"
  take_lock
  recover_swap
  build
  mkdir -p "$IMPORT_STAGING/conf" "$IMPORT_STAGING/logs"
  : >"$IMPORT_STAGING/conf/neo4j.conf"
  local was_running="" stopper="" pid
  if pid=$(running_pid); then
    was_running=1
    say "Stopping Neo4j (pid $pid) while the importer runs: its database is being replaced..."
    stop_pid "$pid" &
    stopper=$!
  fi
  say "Importing into $IMPORT_STAGING (neo4j-admin database import full)..."
  local started=$SECONDS ok=1
  run_importer "$IMPORT_STAGING" "$CACHE_DIR/import.report" "$@" || ok=""
  if [[ -n $stopper ]]; then
    wait "$stopper" || die "could not stop Neo4j (pid $pid); the import is left in $IMPORT_STAGING"
    clear_state
  fi
  if [[ -z $ok ]]; then
    rm -rf "$IMPORT_STAGING"
    if [[ -n $was_running ]]; then
      warn "the import failed (see above); serving the previous database again"
      exec 9>&-
      cmd_up >&2
    fi
    die "the import failed (see above); the database is unchanged"
  fi
  say "Imported in $((SECONDS - started))s; swapping it in."
  : >"$SWAP_MARKER"
  swap_in
  say "The imported database is in place."
  if [[ -n $was_running ]]; then
    exec 9>&-
    cmd_up
  fi
}

cmd_build() {
  require_java
  take_lock
  if running_pid >/dev/null; then
    is_built && { say "Already built."; return 0; }
    die "Neo4j is running from the current build; run down first"
  fi
  build
  say "Launcher is built in $BUILD_DIR."
}

main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    up | start) cmd_up ;;
    down | stop) cmd_down ;;
    status) cmd_status ;;
    logs | log) cmd_logs "$@" ;;
    reset) cmd_reset ;;
    build) cmd_build ;;
    import) cmd_import "$@" ;;
    import-only) cmd_import_only "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 64
      ;;
  esac
}

main "$@"
