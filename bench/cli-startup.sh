#!/usr/bin/env bash
# Whole-process wall time of `nkd butane FILE` (JVM start-up + translation + output), three ways:
#   1. ./nkd butane FILE                 the launcher: class-data-sharing archive + C1-only JIT + SerialGC
#   2. java <launcher's flags> -jar ...  the same JVM flags without the bash launcher (what the script costs)
#   3. java -jar nkd.jar butane FILE     plain JVM defaults, no CDS archive of the app (the comparison)
# Uses hyperfine when installed (apt-get install -y hyperfine), else a bash loop timed with date +%s%N.
#
# Usage: bash bench/cli-startup.sh [FILE]     (default FILE: bench/data/node.bu, the 40-file node config)
#        WARMUP=3 RUNS=30 are the defaults; set them in the environment to change them.
#        HYPERFINE=none forces the bash loop even when hyperfine is installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

file="${1:-bench/data/node.bu}"
warmup="${WARMUP:-3}"
runs="${RUNS:-30}"
jar=reconciler/target/nkd.jar
jsa=reconciler/target/nkd.jsa
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

[ -f "$file" ] || { echo "cli-startup: no such file: $file" >&2; exit 2; }

# Build if needed (the same staleness rule as the ./nkd launcher).
if [ ! -f "$jar" ] || [ -n "$(find reconciler/src/main -newer "$jar" -type f -print -quit)" ]; then
  echo "cli-startup: building the CLI..." >&2
  ./mvnw -q -pl reconciler -am package -DskipTests
fi

# Warm the launcher once: trains the CDS archive if it is missing or older than the jar. The file must
# translate cleanly, so that what is timed is the success path.
./nkd butane --strict "$file" >/dev/null
[ -f "$jsa" ] || { echo "cli-startup: the launcher did not create $jsa" >&2; exit 1; }
./nkd butane "$file" >/tmp/cli-startup.$$.launcher.json
"$java" -jar "$jar" butane "$file" >/tmp/cli-startup.$$.plain.json
cmp -s /tmp/cli-startup.$$.launcher.json /tmp/cli-startup.$$.plain.json \
  || { echo "cli-startup: launcher and plain java -jar outputs differ" >&2; exit 1; }
rm -f /tmp/cli-startup.$$.launcher.json /tmp/cli-startup.$$.plain.json

launcher_flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile=$jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
names=("./nkd (CDS + C1)" "java + launcher flags, no bash" "java -jar (no CDS)")
cmds=("./nkd butane $file"
      "$java $launcher_flags -jar $jar butane $file"
      "$java -jar $jar butane $file")

echo "input: $file ($(wc -c <"$file") bytes); $(nproc) cores; $("$java" -version 2>&1 | head -1)"
if [ "${HYPERFINE:-}" != none ] && command -v hyperfine >/dev/null; then
  # -N: no intermediate shell, so nothing needs subtracting; output goes to /dev/null.
  hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
    -n "${names[0]}" "${cmds[0]}" -n "${names[1]}" "${cmds[1]}" -n "${names[2]}" "${cmds[2]}"
else
  echo "(no hyperfine: bash loop, $warmup warm-up + $runs timed runs each)"
  for i in "${!cmds[@]}"; do
    read -r -a argv <<<"${cmds[$i]}"
    for ((w = 0; w < warmup; w++)); do "${argv[@]}" >/dev/null; done
    times=()
    for ((r = 0; r < runs; r++)); do
      t0=$(date +%s%N); "${argv[@]}" >/dev/null; t1=$(date +%s%N)
      times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | awk -v name="${names[$i]}" '
      { s += $1; ss += $1 * $1; if (NR == 1 || $1 < min) min = $1; if ($1 > max) max = $1 }
      END { m = s / NR; sd = sqrt(ss / NR - m * m);
            printf "%-32s mean %7.1f ms ± %5.1f ms   min %7.1f ms   max %7.1f ms   (%d runs)\n",
                   name, m / 1000, sd / 1000, min / 1000, max / 1000, NR }'
  done
fi
