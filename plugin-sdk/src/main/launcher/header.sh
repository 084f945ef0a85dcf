#!/bin/sh
# A machinehost executable: this shell script, followed by a Java archive. It finds Java and runs
# the archive appended to it with start-up tuned JVM flags.
self=$0
case $self in */*) ;; *) self=$(command -v -- "$self") ;; esac
if [ -n "${MACHINEHOST_JAVA:-}" ]; then
  java=$MACHINEHOST_JAVA
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java=$JAVA_HOME/bin/java
elif command -v java >/dev/null 2>&1; then
  java=java
else
  echo "$(basename -- "$self"): no Java found. Install Java 17 or newer, or set JAVA_HOME (or MACHINEHOST_JAVA) to one." >&2
  exit 127
fi
exec "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -Xshare:auto \
  ${MACHINEHOST_JAVA_OPTS:-} -Dmachinehost.launcher="$self" -jar "$self" "$@"
exit 127
