# Sourced by ./mvnw and ./runstream-local: sets runstream_jdk to a JDK whose feature release is at least
# $min_java (JAVA_HOME when it is one, else the newest under /usr/lib/jvm, /opt/java or ~/.sdkman), or to
# nothing when there is none.
java_feature() { # prints the feature release of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | sed 's/^1\.//'
}

runstream_jdk=""
if [ -n "${JAVA_HOME:-}" ]; then
  v=$(java_feature "$JAVA_HOME")
  if [ -n "$v" ] && [ "$v" -ge "$min_java" ]; then runstream_jdk="$JAVA_HOME"; fi
fi
if [ -z "$runstream_jdk" ]; then
  best_v=0
  for d in /usr/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$d" ] || continue
    v=$(java_feature "$d")
    if [ -n "$v" ] && [ "$v" -ge "$min_java" ] && [ "$v" -gt "$best_v" ]; then runstream_jdk="$d"; best_v="$v"; fi
  done
fi
