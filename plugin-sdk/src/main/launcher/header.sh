#!/bin/sh
# A machinehost executable: this POSIX shell script with a Java archive appended to it (a jar is a
# zip file, which may start with anything). The script finds Java 17 or newer and runs the archive
# with start-up tuned JVM flags and a class-data-sharing (AppCDS) archive that it trains on the
# first run and uses on later runs.
#
#   MACHINEHOST_JAVA       the java to use (a binary or a Java home); else JAVA_HOME, else PATH
#   MACHINEHOST_JAVA_OPTS  more JVM options, after the launcher's own (so they win)
#   MACHINEHOST_CDS=0      neither use nor train a class-data-sharing archive
#   XDG_CACHE_HOME         archives live in ${XDG_CACHE_HOME:-$HOME/.cache}/machinehost/cds
set -f
self=$0
case $self in */*) ;; *) self=$(command -v -- "$self") || self=$0 ;; esac
case $self in /*) ;; ./*) self=$PWD/${self#./} ;; *) self=$PWD/$self ;; esac
prog=${self##*/}
minimum=17

# java_version WHERE JAVA: sets java (the binary), major and runtime when JAVA (a binary, a Java
# home, or "java" to search PATH) is Java $minimum or newer; else adds why not to $notes and fails.
java_version() {
  where=$1 java=$2 major= runtime= version=
  if [ -d "$java" ]; then java=$java/bin/java; fi
  case $java in
    */*) ;;
    *) java=$(command -v -- "$java") || { notes="$notes; no java on PATH"; return 1; }
       where="$where ($java)" ;;
  esac
  if [ ! -f "$java" ] || [ ! -x "$java" ]; then
    notes="$notes; $where is not an executable file"
    return 1
  fi
  # A Java installation's release file gives its version without starting a JVM.
  release=${java%/bin/java}/release
  if [ ! -f "$release" ]; then
    real=$(readlink -f -- "$java" 2>/dev/null) && release=${real%/bin/java}/release
  fi
  if [ -f "$release" ]; then
    while IFS= read -r line; do
      case $line in
        JAVA_VERSION=*) version=${line#*=} ;;
        JAVA_RUNTIME_VERSION=*) runtime=${line#*=} ;;
      esac
    done <"$release"
    version=${version#\"} version=${version%\"} runtime=${runtime#\"} runtime=${runtime%\"}
  fi
  if [ -z "$version" ]; then
    version=$("$java" -version 2>&1) || version=
    case $version in *\"*) version=${version#*\"} version=${version%%\"*} ;; *) version= ;; esac
  fi
  case $version in 1.*) version=${version#1.} ;; esac
  major=${version%%[!0-9]*}
  if [ -z "$major" ]; then
    notes="$notes; $where reports no Java version"
    return 1
  elif [ "$major" -lt "$minimum" ]; then
    notes="$notes; $where is Java $major"
    return 1
  fi
  case ${runtime:=$version} in *[!A-Za-z0-9._+-]*) runtime=$major ;; esac
}

notes=
if [ -n "${MACHINEHOST_JAVA:-}" ]; then
  java_version "MACHINEHOST_JAVA=$MACHINEHOST_JAVA" "$MACHINEHOST_JAVA"
elif [ -n "${JAVA_HOME:-}" ] && java_version "JAVA_HOME=$JAVA_HOME" "$JAVA_HOME"; then
  :
else
  java_version "java on PATH" java
fi || {
  echo "$prog: needs Java $minimum or newer, and found none (${notes#; })." \
    "Install Java $minimum+ (e.g. apt-get install openjdk-17-jre-headless)," \
    "or set MACHINEHOST_JAVA or JAVA_HOME to a Java $minimum+ installation." >&2
  exit 127
}

# Which runs may train an archive: a driver's when a host launched it (its cookie is set), any other
# program's unless it was only asked for its help or version; those load too little of it.
train=1
case $prog in
  machine-driver-*) [ -n "${MACHINE_PLUGIN_COOKIE:-}" ] || train= ;;
  *) case ${1:-} in '' | -h | --help | -V | --version | help | version) train= ;; esac ;;
esac

# JVM warnings go to stderr: stdout belongs to the program (a driver's handshake line).
set -- -Dmachinehost.launcher="$self" -jar "$self" "$@"
set -- ${MACHINEHOST_JAVA_OPTS:-} "$@"
# Java 22+ warns on stderr whenever a library (gRPC's netty) loads native code, unless allowed.
if [ "$major" -ge 22 ]; then set -- --enable-native-access=ALL-UNNAMED "$@"; fi
quiet="-Xlog:cds*=off:stderr"
if [ "$major" -ge 24 ]; then quiet="$quiet -Xlog:aot*=off:stderr"; fi

# The class-data-sharing archive: one per executable path, Java and executable content (size and
# modification time, so a rebuilt executable trains a new one). The JVM writes it as a training run
# exits normally, to a name with the run's PID; a later run renames it into place once that process
# is gone and the file starts with the archive magic (the JVM writes the header last, so a run
# killed while writing leaves a file without it). The final name carries the archive's size: Java
# 17 crashes on a truncated archive, so a file of any other size is never handed to the JVM. Each
# training run leaves a .try mark until an archive is in place; after two runs that left none (say
# killed while writing it, by a host that gave up waiting), no more are tried for that content.
cds() {
  [ "${MACHINEHOST_CDS:-1}" != 0 ] || return 0
  cache=${XDG_CACHE_HOME:-}
  if [ -z "$cache" ]; then
    [ -n "${HOME:-}" ] || return 0
    cache=$HOME/.cache
  fi
  dir=$cache/machinehost/cds
  id=$(printf '%s\n%s\n' "$self" "$java" | cksum 2>/dev/null) || return 0
  prefix=$dir/$prog-${id%% *}
  set +f
  archive=
  for f in "$prefix"-*.jsa; do [ -f "$f" ] && archive=$f && break; done
  set -f
  sizes=$(stat -L -c '%s-%Y' -- "$self" ${archive:+"$archive"} 2>/dev/null ||
    stat -L -f '%z-%m' -- "$self" ${archive:+"$archive"} 2>/dev/null) || return 0
  stamp=${sizes%%[!0-9-]*}
  key=$prefix-$runtime-$stamp
  if [ -n "$archive" ]; then
    size=${sizes#*[!0-9-]} size=${size%%-*}
    if [ "$archive" = "$key-$size.jsa" ]; then
      use=-XX:SharedArchiveFile=$archive
      return 0
    fi
  fi
  tries=0
  set +f
  for f in "$key".*; do
    set -f
    case $f in
      "$key".try*) tries=$((tries + 1)) ;;
      "$key".*.tmp)
        pid=${f%.tmp} pid=${pid##*.}
        kill -0 "$pid" 2>/dev/null && continue
        magic=$(od -An -tx1 -N4 "$f" 2>/dev/null) || magic=
        size=$(stat -L -c '%s' -- "$f" 2>/dev/null || stat -L -f '%z' -- "$f" 2>/dev/null) || size=0
        case $magic in
          *'a8 ab 0b f0'* | *'f0 0b ab a8'*)
            if mv -f -- "$f" "$key-$size.jsa" 2>/dev/null; then
              clean "$key-$size.jsa"
              use=-XX:SharedArchiveFile=$key-$size.jsa
              return 0
            fi ;;
        esac
        rm -f -- "$f" ;;
    esac
  done
  set -f
  [ -n "$train" ] && [ "$tries" -lt 2 ] || return 0
  clean "$key"
  mkdir -p -- "$dir" 2>/dev/null && [ -w "$dir" ] || return 0
  : >"$key.try$$" || return 0
  use=-XX:ArchiveClassesAtExit=$key.$$.tmp
}

# clean KEEP: removes this executable's files in the cache except KEEP and, if KEEP is a key, its
# own training files.
clean() {
  set +f
  for f in "$prefix"-*; do
    case $f in "$1" | "$1".*) ;; *) [ -e "$f" ] && rm -f -- "$f" ;; esac
  done
  set -f
}
use=
cds
if [ -n "$use" ]; then set -- "$use" "$@"; fi

exec "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -Xshare:auto \
  -Xlog:disable -Xlog:all=warning:stderr $quiet "$@"
exit 127
