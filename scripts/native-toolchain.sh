#!/usr/bin/env bash
# Assembles Runstream's native toolchain — a GraalVM home that `./mvnw verify -Dnative` compiles the apps with —
# from parts these machines can reach: GraalVM's image builder jars from Maven Central, the JDK's static libraries
# built from Debian's OpenJDK source package, and the C libraries and the native-image driver written in
# native-toolchain/. Prints the home's path as its last line. Idempotent: a home assembled from the same inputs is
# reused (a few seconds); `--force` assembles it again. Details: docs/deploy.md, "The native toolchain".
#
#   scripts/native-toolchain.sh [--force]
#   RUNSTREAM_NATIVE_CACHE   where homes and the JDK's static libraries are kept (default ~/.cache/runstream/native)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cache=${RUNSTREAM_NATIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/runstream/native}
force=false
[ "${1:-}" = "--force" ] && force=true

graalvm_version=$(sed -n 's:.*<graalvm.version>\(.*\)</graalvm.version>.*:\1:p' "$repo/native-toolchain/builder-jars/pom.xml")
# The JDK's static libraries must come from the same OpenJDK update as the JDK they are linked with.
jdk_update=25.0.3
jdk_build=9
jdk_tarball="openjdk-25_${jdk_update}+${jdk_build}.orig.tar.xz"
jdk_tarball_sha256=2dd6c441b49705480db1ebfcd03f43d5dcb7f1d4290e98c1fa6eeefae50cfa07
build_packages="autoconf make gcc g++ zip unzip file libasound2-dev libcups2-dev libxrandr-dev libxtst-dev libxt-dev libpcsclite-dev libfontconfig-dev zlib1g-dev"

log() { echo "native-toolchain: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "this toolchain is written for Linux on x86-64 only (this is $(uname -s)/$(uname -m))"

# ---- the JDK: a JDK 25 of exactly that update ----
min_java=25
. "$repo/.mvn/find-jdk.sh"
[ -n "$runstream_jdk" ] || die "no JDK 25 found (JAVA_HOME, /usr/lib/jvm, /opt/java, ~/.sdkman)"
jdk=$(cd "$runstream_jdk" && pwd -P)
jdk_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release")
[ "$jdk_version" = "$jdk_update" ] || die "$jdk is JDK $jdk_version; this toolchain pins the JDK's static libraries to $jdk_update (change jdk_update and its sha256 together)"
[ -x "$jdk/bin/javac" ] || die "$jdk has no javac"

# ---- the key: everything a home is made of ----
key=$( {
  echo "$graalvm_version $jdk_update+$jdk_build $jdk_tarball_sha256"
  cat "$jdk/release"
  cat "${BASH_SOURCE[0]}"
  find "$repo/native-toolchain" -type f -not -path '*/target/*' -not -path '*/src/test/*' \( -name '*.java' -o -name '*.c' -o -name '*.h' -o -name pom.xml \) -print0 | sort -z | xargs -0 cat
} | sha256sum | cut -c1-16)
home="$cache/homes/$key"
link="$cache/graalvm-home"
if [ -f "$home/.complete" ] && ! $force; then
  ln -sfn "homes/$key" "$link"
  log "up to date ($home)"
  echo "$link"
  exit 0
fi
started=$(date +%s)
mkdir -p "$cache/homes"

# ---- build packages (Debian): only what is missing ----
missing=""
for p in $build_packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages:$missing (install them, or run this as root)"
  log "installing:$missing"
  apt-get update -qq >&2 || log "apt-get update failed; trying the install with the lists there are"
  mkdir -p "$cache"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > "$cache/apt-install.log" 2>&1 \
    || { tail -20 "$cache/apt-install.log" >&2; die "apt-get install failed (log: $cache/apt-install.log)"; }
fi

# ---- the JDK's static libraries, from Debian's openjdk-25 source (cached apart: they change only with the JDK) ----
static="$cache/jdk-static/$jdk_update+$jdk_build-${jdk_tarball_sha256:0:12}"
if [ ! -f "$static/.complete" ]; then
  work="$cache/jdk-build"
  rm -rf "$work" && mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
  # The Debian mirror this machine's apt already uses (no host is named here), with a private sources list that
  # adds trixie's deb-src: the system's apt configuration is not touched.
  mirror=$( (grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true; \
             grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}') | grep -v security | head -1 || true)
  [ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list(.d)"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$work/apt/sources.list"
  apt_private=(-o Dir::Etc::sourcelist="$work/apt/sources.list" -o Dir::Etc::sourceparts=- \
               -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache" -o APT::Get::List-Cleanup=0)
  if apt-get "${apt_private[@]}" update -qq >&2; then
    # When the signed Sources index still lists the tarball, its checksum must agree with the pin.
    listed=$(apt-cache "${apt_private[@]}" showsrc openjdk-25 2>/dev/null | awk -v f="$jdk_tarball" '$3 == f && length($1) == 64 {print $1}' | head -1)
    if [ -n "$listed" ]; then
      [ "$listed" = "$jdk_tarball_sha256" ] || die "trixie's Sources index gives $jdk_tarball sha256 $listed, the pin says $jdk_tarball_sha256"
      log "$jdk_tarball: sha256 as trixie's signed Sources index lists it"
    else
      log "$jdk_tarball is no longer in trixie's Sources index (it moved on); checking the pinned sha256"
    fi
  fi
  tarball="$cache/$jdk_tarball"
  if [ ! -f "$tarball" ] || [ "$(sha256sum "$tarball" | cut -d' ' -f1)" != "$jdk_tarball_sha256" ]; then
    rm -f "$tarball"
    # apt's own downloader, which checks the hash itself (the .dsc is not served: the tarball is what counts)
    out=$(/usr/lib/apt/apt-helper download-file "$mirror/pool/main/o/openjdk-25/${jdk_tarball//+/%2b}" "$tarball" \
      "SHA256:$jdk_tarball_sha256" 2>&1) || { echo "$out" >&2; die "could not fetch $jdk_tarball"; }
    echo "$out" | grep -v unsandboxed >&2 || true
  fi
  [ "$(sha256sum "$tarball" | cut -d' ' -f1)" = "$jdk_tarball_sha256" ] || die "$tarball: sha256 mismatch"
  log "building the JDK's static libraries from $jdk_tarball (about 3 minutes on 2 cores)"
  tar -C "$work" -xJf "$tarball"
  src="$work/openjdk-25-$jdk_update+$jdk_build"
  grep -q "^DEFAULT_VERSION_UPDATE=${jdk_update##*.}$" "$src/make/conf/version-numbers.conf" \
    || die "$jdk_tarball is not OpenJDK $jdk_update"
  (cd "$src" && bash configure --with-boot-jdk="$jdk" --with-zlib=system --disable-warnings-as-errors \
      --with-version-build="$jdk_build" --with-version-pre= --with-version-opt=LTS > "$work/configure.log" 2>&1) \
    || { tail -30 "$work/configure.log" >&2; die "configure failed (log: $work/configure.log)"; }
  (cd "$src" && make java.base-static-libs jdk.net-static-libs java.management-static-libs \
      jdk.management-static-libs java.prefs-static-libs > "$work/make.log" 2>&1) \
    || { tail -30 "$work/make.log" >&2; die "make failed (log: $work/make.log)"; }
  rm -rf "$static" && mkdir -p "$static"
  find "$src/build" -path '*/support/native/*/static/*.a' -exec cp {} "$static/" \;
  for lib in java nio net zip; do [ -f "$static/lib$lib.a" ] || die "lib$lib.a was not built"; done
  (cd "$static" && sha256sum *.a > SHA256SUMS)
  touch "$static/.complete"
  rm -rf "$work"
fi

# ---- the home: a copy of the JDK with the builder, its C libraries and the driver added ----
log "assembling $home"
rm -rf "$home.tmp" && cp -a "$jdk" "$home.tmp"
h="$home.tmp"
mkdir -p "$h/lib/static/linux-amd64/glibc" "$h/lib/svm/builder/lib" "$h/lib/svm/driver" \
         "$h/lib/svm/clibraries/linux-amd64/include"
cp "$static"/*.a "$static/SHA256SUMS" "$h/lib/static/linux-amd64/glibc/"

# builder jars: Maven checks each against Central's checksums
JAVA_HOME="$jdk" "$repo/mvnw" -q -B --strict-checksums -f "$repo/native-toolchain/builder-jars/pom.xml" \
  dependency:copy-dependencies -DoutputDirectory="$h/lib/svm/builder" >&2
(cd "$h/lib/svm/builder" && sha256sum *.jar > SHA256SUMS)
upgrade=""; modules=""; names=""
for j in "$h"/lib/svm/builder/*.jar; do
  f=$(basename "$j")
  case "$f" in
    compiler-*|truffle-compiler-*|word-*|collections-*|nativeimage-"$graalvm_version".jar) upgrade="$upgrade,$f" ;;
    *) modules="$modules,$f" ;;
  esac
  names="$names,$("$jdk/bin/jar" --describe-module --file "$j" | head -1 | cut -d' ' -f1 | sed 's/@.*//')"
done
builder_cp=$(ls "$h"/lib/svm/builder/*.jar | tr '\n' ':')

# the driver and the generators
classes="$h/lib/svm/driver/classes"
mkdir -p "$classes"
"$jdk/bin/javac" -Xlint:all -Werror -d "$classes" $(find "$repo/native-toolchain/src/main/java" -name '*.java')
"$jdk/bin/jar" --create --file "$h/lib/svm/driver/runstream-native-image.jar" -C "$classes" .
rm -rf "$classes"
driver_jar="$h/lib/svm/driver/runstream-native-image.jar"
"$jdk/bin/java" -cp "$driver_jar:$builder_cp" io.runstream.nativetoolchain.ApiOptionTable \
  "$h/lib/svm/driver/api-options.tsv" "$h"/lib/svm/builder/svm-*.jar "$h"/lib/svm/builder/pointsto-*.jar
"$jdk/bin/java" -cp "$driver_jar:$builder_cp" io.runstream.nativetoolchain.CHeaders \
  "$h/lib/svm/clibraries/linux-amd64/include"
cat > "$h/lib/svm/driver/toolchain.properties" <<EOF
# Runstream's native toolchain, assembled $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/native-toolchain.sh
toolchain.version=$key
vendor=Runstream
graalvm.version=$graalvm_version
java.version=$jdk_version
java.version.date=$(sed -n 's/^JAVA_VERSION_DATE="\(.*\)"/\1/p' "$jdk/release")
java.runtime.version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")
builder.modules=${modules#,}
builder.upgrade=${upgrade#,}
builder.module.names=${names#,}
EOF

# the C libraries
cflags=(-O2 -fPIC -Wall -Wextra -Werror -I "$h/lib/svm/clibraries/linux-amd64/include" -I "$jdk/include" -I "$jdk/include/linux")
objs="$cache/obj-$key"; rm -rf "$objs" && mkdir -p "$objs"
for c in amd64cpufeatures svm_locale svm_helpers svm_container jvm reporterchelper; do
  gcc "${cflags[@]}" -c "$repo/native-toolchain/c/$c.c" -o "$objs/$c.o"
done
cl="$h/lib/svm/clibraries/linux-amd64"
ar rcs "$cl/liblibchelper.a" "$objs/amd64cpufeatures.o" "$objs/svm_locale.o" "$objs/svm_helpers.o"
ar rcs "$cl/libsvm_container.a" "$objs/svm_container.o"
ar rcs "$cl/libjvm.a" "$objs/jvm.o"
gcc -shared -o "$h/lib/svm/builder/lib/libreporterchelper.so" "$objs/reporterchelper.o"

# the launcher
cat > "$h/bin/native-image" <<'EOF'
#!/bin/sh
# native-image of Runstream's native toolchain: the driver in lib/svm/driver, on this home's JDK.
home=$(cd "$(dirname "$0")/.." && pwd -P)
exec "$home/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$home/lib/svm/driver/runstream-native-image.jar" \
  -Drunstream.native.home="$home" io.runstream.nativetoolchain.NativeImage "$@"
EOF
chmod +x "$h/bin/native-image"

# ---- checks: the driver answers, and the C feature detection agrees with the JVM's on this CPU ----
"$h/bin/native-image" --version >&2
gcc "${cflags[@]}" -o "$objs/cpufeatures_print" "$repo/native-toolchain/c/test/cpufeatures_print.c" "$cl/liblibchelper.a"
"$jdk/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI \
  --add-exports=jdk.internal.vm.ci/jdk.vm.ci.runtime=ALL-UNNAMED --add-exports=jdk.internal.vm.ci/jdk.vm.ci.code=ALL-UNNAMED \
  --add-exports=jdk.internal.vm.ci/jdk.vm.ci.amd64=ALL-UNNAMED --add-exports=jdk.internal.vm.ci/jdk.vm.ci.hotspot=ALL-UNNAMED \
  -cp "$driver_jar" io.runstream.nativetoolchain.CpuFeatureCheck "$objs/cpufeatures_print" >&2
rm -rf "$objs"

rm -rf "$home" && mv "$h" "$home"
touch "$home/.complete"
ln -sfn "homes/$key" "$link"
# keep only the newest two homes
ls -1dt "$cache"/homes/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
log "assembled in $(( $(date +%s) - started )) s"
echo "$link"
