#!/usr/bin/env bash
# relaydesk local Kafka: runs the real Apache Kafka broker (single-node KRaft)
# from jars that Maven fetches from Maven Central. No Docker needed.
#
#   kafka.sh fetch    copy the broker jars into the cache (once per version)
#   kafka.sh start    start the broker unless one already answers; wait until ready
#   kafka.sh stop     stop the broker this script started
#   kafka.sh status   exit 0 if a broker answers on the port, 1 otherwise
#   kafka.sh reset    stop, then delete the data dir (keeps the jar cache)
#   kafka.sh logs     print the tail of the broker logs
#
# Env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), RELAYDESK_HOME (~/.relaydesk),
#      KAFKA_DATA_DIR (default $RELAYDESK_HOME/kafka/data, or data-<port> off 9092),
#      KAFKA_HEAP_OPTS (-Xms256m -Xmx1g), KAFKA_JVM_OPTS (extra JVM flags),
#      KAFKA_START_TIMEOUT (90 seconds), KAFKA_CDS (1; 0 = no class-data-sharing archive),
#      JAVA_HOME (else java on PATH; needs Java 17+).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"
PROBE_SRC="$SCRIPT_DIR/KafkaProbe.java"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[ -n "$KAFKA_VERSION" ] || { echo "kafka: cannot read <kafka.version> from $POM" >&2; exit 2; }

RELAYDESK_HOME="${RELAYDESK_HOME:-$HOME/.relaydesk}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOST=127.0.0.1
KAFKA_ROOT="$RELAYDESK_HOME/kafka"
if [ "$KAFKA_PORT" = 9092 ]; then
  DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_ROOT/data}"
else
  DATA_DIR="${KAFKA_DATA_DIR:-$KAFKA_ROOT/data-$KAFKA_PORT}"
fi
VERSION_DIR="$KAFKA_ROOT/$KAFKA_VERSION"
LIBS_DIR="$VERSION_DIR/libs"
LIBS_MARKER="$VERSION_DIR/libs.complete"
PROBE_DIR="$VERSION_DIR/probe"
PROBE_MARKER="$PROBE_DIR/probe.complete"
PROBE_JAR="$PROBE_DIR/kafka-probe.jar"
PROBE_JSA="$PROBE_DIR/kafka-probe.jsa"   # AppCDS archive: halves the probe's JVM start
PID_FILE="$DATA_DIR/kafka.pid"
LOG_DIR="$DATA_DIR/logs"
KRAFT_DIR="$DATA_DIR/kraft-logs"
SERVER_PROPS="$DATA_DIR/server.properties"
LOG4J_CONF="$DATA_DIR/log4j2.properties"
BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
PROBE_JVM_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xmx64m -Dslf4j.internal.verbosity=ERROR"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"; JAVAC="$JAVA_HOME/bin/javac"; JAR="$JAVA_HOME/bin/jar"
else
  JAVA="java"; JAVAC="javac"; JAR="jar"
fi

log() { echo "kafka: $*"; }
die() { echo "kafka: error: $*" >&2; exit 1; }

sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

# Serialise start/stop/reset/fetch across concurrent callers (e.g. parallel test jobs).
with_lock() {
  mkdir -p "$KAFKA_ROOT"
  exec 9>"$KAFKA_ROOT/.lock"
  flock -w 300 9 || die "timed out waiting for $KAFKA_ROOT/.lock"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (Java 17+ is needed)"
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java 17+ is needed, found java.specification.version=$v"
}

# ---------------------------------------------------------------- fetch
fetch_libs() {
  local want; want="$(sha "$POM")"
  if [ -f "$LIBS_MARKER" ] && [ "$(cat "$LIBS_MARKER")" = "$want" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (Maven is needed once, to fetch the Kafka jars)"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
  mkdir -p "$VERSION_DIR"
  local tmp="$VERSION_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$VERSION_DIR/fetch.log" 2>&1; then
    cat "$VERSION_DIR/fetch.log" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  rm -rf "$LIBS_DIR" "$VERSION_DIR"/broker-*.jsa*   # archives only match the jars they were made from
  mv "$tmp" "$LIBS_DIR"
  # pom.xml is not a build: don't leave a target/ dir in the repo
  rm -rf "$SCRIPT_DIR/target"
  echo "$want" >"$LIBS_MARKER"
  log "fetched $(ls "$LIBS_DIR" | wc -l) jars"
}

probe_cp() {
  local clients slf
  clients="$(ls "$LIBS_DIR"/kafka-clients-*.jar | head -n1)"
  slf="$(ls "$LIBS_DIR"/slf4j-api-*.jar | head -n1)"
  echo "$PROBE_JAR:$clients:$slf"
}

probe_want() { # changes with the probe source, the jars and the JDK
  (cat "$PROBE_SRC" "$LIBS_MARKER"; readlink -f "$(command -v "$JAVA")") | sha256sum | cut -c1-16
}
probe_current() {
  [ -f "$PROBE_MARKER" ] && [ -f "$LIBS_MARKER" ] && [ "$(cat "$PROBE_MARKER")" = "$(probe_want)" ]
}

build_probe() {
  probe_current && return 0
  command -v "$JAVAC" >/dev/null 2>&1 || die "javac not found (a JDK 17+ is needed)"
  rm -rf "$PROBE_DIR"; mkdir -p "$PROBE_DIR/classes"
  "$JAVAC" -nowarn -d "$PROBE_DIR/classes" -cp "$(probe_cp)" "$PROBE_SRC" || die "compiling KafkaProbe.java failed"
  "$JAR" cf "$PROBE_JAR" -C "$PROBE_DIR/classes" . || die "packaging KafkaProbe failed"
  rm -rf "$PROBE_DIR/classes"
  probe_want >"$PROBE_MARKER"
}

cmd_fetch() {
  check_java
  with_lock
  fetch_libs
  build_probe
  [ "${1:-}" = quiet ] || log "jars for Apache Kafka $KAFKA_VERSION are in $LIBS_DIR"
}

# ---------------------------------------------------------------- probes
port_open() { # port
  timeout 2 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# kafka_ready WAIT_MS [PID]: a real Kafka-protocol round trip (Admin describeCluster).
kafka_ready() {
  [ -f "$PROBE_MARKER" ] || return 1
  local cds=()
  [ -f "$PROBE_JSA" ] && cds=(-XX:SharedArchiveFile="$PROBE_JSA")
  "$JAVA" ${cds[@]+"${cds[@]}"} $PROBE_JVM_OPTS -cp "$(probe_cp)" KafkaProbe "$BOOTSTRAP" "$@" 2>>"$(probe_err)"
}

# Once per version/JDK, while a broker answers: record the probe's classes in an
# AppCDS archive (~1 s once; later probes start in ~0.5 s instead of ~1.1 s).
make_probe_archive() {
  [ -f "$PROBE_JSA" ] && return 0
  local tmp="$PROBE_DIR/kafka-probe.jsa.tmp.$$"
  # shellcheck disable=SC2086
  if "$JAVA" -XX:ArchiveClassesAtExit="$tmp" $PROBE_JVM_OPTS -cp "$(probe_cp)" \
       KafkaProbe "$BOOTSTRAP" 2000 >/dev/null 2>&1 && [ -s "$tmp" ]; then
    mv -f "$tmp" "$PROBE_JSA"
  else
    rm -f "$tmp"
  fi
}

probe_err() { if [ -d "$LOG_DIR" ]; then echo "$LOG_DIR/probe.err"; else echo /dev/null; fi; }

our_pid() { # prints the pid from the pid file if that process is our broker
  [ -f "$PID_FILE" ] || return 1
  local pid; pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "kafka.Kafka $SERVER_PROPS" || return 1
  echo "$pid"
}

is_up() { # fast: no JVM when nothing listens
  port_open "$KAFKA_PORT" || return 1
  kafka_ready 2000 >/dev/null
}

# ---------------------------------------------------------------- config
new_cluster_id() { # a Kafka Uuid: 16 random bytes, base64url without padding
  head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

write_config() {
  mkdir -p "$DATA_DIR" "$LOG_DIR" "$KRAFT_DIR"
  cat >"$SERVER_PROPS" <<EOF
# Generated by deploy/kafka/kafka.sh on every start; edits are overwritten.
# Single-node KRaft broker+controller for local development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KRAFT_DIR
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=104857600
EOF
  cat >"$LOG4J_CONF" <<EOF
# Generated by deploy/kafka/kafka.sh: WARN and above to $LOG_DIR/broker.log
status = warn
name = relaydesk-kafka
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $LOG_DIR/broker.log
appender.file.filePattern = $LOG_DIR/broker.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 10MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
# one INFO line per start/stop, so the log shows the broker's lifecycle
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
EOF
}

format_storage() {
  [ -f "$KRAFT_DIR/meta.properties" ] && return 0
  local id; id="$(new_cluster_id)"
  log "formatting storage in $KRAFT_DIR (cluster id $id)"
  "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONF" -cp "$LIBS_DIR/*" \
      kafka.tools.StorageTool format -t "$id" -c "$SERVER_PROPS" >"$LOG_DIR/format.log" 2>&1 \
    || { cat "$LOG_DIR/format.log" >&2; die "storage format failed"; }
}

declare -A LOG_MARK=()
mark_logs() { # remember where this start's output begins in each log
  local f
  for f in broker.out broker.log probe.err; do
    LOG_MARK[$f]="$(stat -c %s "$LOG_DIR/$f" 2>/dev/null || echo 0)"
  done
}

print_log_tail() { # what this start wrote (or, without mark_logs, the last lines)
  local f text
  for f in broker.out broker.log probe.err; do
    [ -s "$LOG_DIR/$f" ] || continue
    text="$(tail -c +$(( ${LOG_MARK[$f]:-0} + 1 )) "$LOG_DIR/$f" | tail -n 40)"
    [ -n "$text" ] || continue
    printf -- '----- %s\n%s\n' "$LOG_DIR/$f" "$text" >&2
  done
}

# ---------------------------------------------------------------- commands
cmd_start() {
  # fast path without the lock: something already answers
  if [ -f "$LIBS_MARKER" ] && ! probe_current; then with_lock; build_probe; fi
  if is_up; then
    local pid; pid="$(our_pid || true)"
    make_probe_archive
    log "reused broker already running on $BOOTSTRAP${pid:+ (pid $pid)}"
    return 0
  fi

  check_java
  with_lock
  if is_up; then # started by a concurrent caller while we waited for the lock
    local pid; pid="$(our_pid || true)"
    make_probe_archive
    log "reused broker already running on $BOOTSTRAP${pid:+ (pid $pid)}"
    return 0
  fi
  fetch_libs
  build_probe
  mkdir -p "$LOG_DIR"

  local t0=$SECONDS pid
  if pid="$(our_pid)"; then
    log "broker pid $pid is running but not answering yet; waiting for it"
  else
    rm -f "$PID_FILE"
    port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is in use by something that does not answer as a Kafka broker"
    port_open "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
    write_config
    format_storage
    # AppCDS for the broker: the first run records the loaded classes when it is
    # stopped (cmd_stop then keeps the archive); later starts map them and come up
    # about twice as fast (~7 s instead of ~16 s on a busy 2-core machine).
    local cds_opts=""
    if [ "${KAFKA_CDS:-1}" = 1 ]; then
      if [ -s "$(broker_jsa)" ]; then
        cds_opts="-XX:SharedArchiveFile=$(broker_jsa)"
      else
        rm -f "$(broker_jsa).tmp.$KAFKA_PORT"
        cds_opts="-XX:ArchiveClassesAtExit=$(broker_jsa).tmp.$KAFKA_PORT -Xlog:cds*=off"
      fi
    fi
    mark_logs
    {
      echo "===== $(date -u +%FT%TZ) starting Apache Kafka $KAFKA_VERSION"
    } >>"$LOG_DIR/broker.out"
    # setsid: the broker outlives this shell and is not hit by the caller's Ctrl-C.
    # 9>&-: it must not inherit (and so hold forever) the lock on fd 9.
    # shellcheck disable=SC2086
    setsid "$JAVA" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} \
      -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR" \
      -Dlog4j2.shutdownHookEnabled=false \
      $cds_opts ${KAFKA_JVM_OPTS:-} \
      -cp "$LIBS_DIR/*" kafka.Kafka "$SERVER_PROPS" \
      </dev/null >>"$LOG_DIR/broker.out" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi

  local left=$(( START_TIMEOUT - (SECONDS - t0) ))
  [ "$left" -gt 0 ] || left=1
  if kafka_ready $(( left * 1000 )) "$pid" >/dev/null; then
    make_probe_archive
    log "started on $BOOTSTRAP (pid $pid) in $(( SECONDS - t0 ))s"
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka: broker (pid $pid) did not answer on $BOOTSTRAP within ${START_TIMEOUT}s; stopping it" >&2
    print_log_tail
    stop_pid "$pid"
  else
    echo "kafka: broker (pid $pid) exited during startup" >&2
    print_log_tail
  fi
  rm -f "$PID_FILE"
  exit 1
}

stop_pid() { # pid; returns 1 if it took SIGKILL
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "kafka: pid $pid still running after 30s, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

broker_jsa() { # one archive per Kafka version and JDK
  echo "$VERSION_DIR/broker-$(readlink -f "$(command -v "$JAVA")" | sha256sum | cut -c1-8).jsa"
}

cmd_stop() {
  with_lock
  local pid
  if pid="$(our_pid)"; then
    local tmp_jsa; tmp_jsa="$(broker_jsa).tmp.$KAFKA_PORT"
    if stop_pid "$pid" && [ -s "$tmp_jsa" ]; then
      mv -f "$tmp_jsa" "$(broker_jsa)"   # written by the JVM as it exited (see cmd_start)
    fi
    rm -f "$tmp_jsa" "$PID_FILE"
    log "stopped (pid $pid)"
  else
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT"; then
      log "not stopping: the process on $BOOTSTRAP was not started by this script"
    else
      log "not running"
    fi
  fi
}

cmd_status() {
  local pid
  if is_up; then
    pid="$(our_pid || true)"
    if [ -n "$pid" ]; then
      log "up on $BOOTSTRAP (pid $pid, Apache Kafka $KAFKA_VERSION, data $DATA_DIR)"
    else
      log "up on $BOOTSTRAP (not started by this script)"
    fi
    return 0
  fi
  if pid="$(our_pid)"; then
    log "down: broker pid $pid is running but not answering on $BOOTSTRAP"
  else
    log "down"
  fi
  return 1
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA_DIR"
  log "deleted $DATA_DIR (jar cache $LIBS_DIR kept)"
}

cmd_logs() {
  local f
  for f in "$LOG_DIR/broker.out" "$LOG_DIR/broker.log"; do
    [ -f "$f" ] && { echo "----- $f"; tail -n "${1:-50}" "$f"; }
  done
  return 0
}

usage() { # the header comment of this file
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  logs) shift; cmd_logs "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
