#!/bin/sh
# Runs a packaged Runstream app (a Quarkus fast-jar directory: quarkus-run.jar, lib/, app/) on the JVM, from its
# own directory, with the start-up cache its build made for this JDK: the AOT cache (app.aot, JDK 25+, trained by the
# integration tests) or else the AppCDS archive (app-cds.jsa); without either it simply starts slower; and with the
# JVM options its build put beside it (jvm.options, an argument file: each app ships one), before the ones given here, which
# override them (a -XX flag's last value wins; another collector needs the file's turned off, e.g.
# -XX:-UseSerialGC -XX:+UseG1GC). The same rule is in io.runstream.local.AppProcesses (tests, benchmarks,
# ./start-local).
#   deploy/jvm-app.sh <app dir> [JVM options...]       e.g. deploy/jvm-app.sh /opt/runstream/worker -XX:+UseSerialGC
# JAVA (default: java on the PATH) is the JVM to use; it must be the one that built the cache, or the JVM ignores it.
set -eu
dir=$1
shift
cd "$dir"
cache=""
if [ -f app.aot ]; then
  cache="-XX:AOTCache=app.aot"
elif [ -f app-cds.jsa ]; then
  cache="-XX:SharedArchiveFile=app-cds.jsa"
fi
options=""
if [ -f jvm.options ]; then
  options="@jvm.options"
fi
# shellcheck disable=SC2086 # $cache and $options are one argument or none
exec "${JAVA:-java}" $cache $options "$@" -jar quarkus-run.jar
