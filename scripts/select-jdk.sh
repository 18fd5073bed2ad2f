# Sourced by ./gatewayctl and .ci/run: makes sure `java` and JAVA_HOME are a JDK 21 or newer.
# Keeps JAVA_HOME when it already is one; otherwise tries `java` on the PATH, then the JDKs under /usr/lib/jvm
# and /Library/Java/JavaVirtualMachines, newest first.

_sluice_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1 | cut -d. -f1
}

_sluice_pick_jdk() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(_sluice_java_major "$JAVA_HOME/bin/java")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then return 0; fi
  fi
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(_sluice_java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$candidate"; return 0; fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    [ -x "$candidate/bin/javac" ] || continue
    major=$(_sluice_java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="$candidate"; return 0; fi
  done
  echo "Sluice needs a JDK 21 or newer (none found: set JAVA_HOME to one)." >&2
  return 1
}

_sluice_pick_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.9 on JDK 24+ warns about sun.misc.Unsafe; the flag keeps builds quiet without changing behaviour.
if [ "$(_sluice_java_major "$JAVA_HOME/bin/java")" -ge 24 ] 2>/dev/null; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
