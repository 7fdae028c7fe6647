#!/usr/bin/env bash
# Whole-process wall time of `nkd butane FILE` (JVM start-up + translation + output), median of RUNS runs:
#   1. ./nkd butane FILE on JDK 17      the launcher: static app CDS archive, C1 only, Serial GC (the goal: < 0.25 s)
#   2. ./nkd butane FILE on JDK 25+     the launcher with the JDK's AOT cache (JEP 483/514), when one is installed
#   3. java -jar nkd.jar butane FILE    JDK 17 defaults, no app archive (what the launcher saves)
#   4. butane FILE                      the reference Go butane, when it is on the PATH (else reported absent)
# Uses hyperfine when installed (apt-get install -y hyperfine), else a bash loop timed with date +%s%N.
#
# Usage: bash bench/cli-startup.sh [FILE]     (default FILE: bench/data/node.bu, a 40-file control-plane node)
#        WARMUP=3 RUNS=30 are the defaults; set them in the environment to change them.
#        HYPERFINE=none forces the bash loop even when hyperfine is installed.
#        JDK17=/path/to/java and JDK25=/path/to/java pick the JVMs (default: found under /usr/lib/jvm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

file="${1:-bench/data/node.bu}"
warmup="${WARMUP:-3}"
runs="${RUNS:-30}"
jar=reconciler/target/nkd.jar
[ -f "$file" ] || { echo "cli-startup: no such file: $file" >&2; exit 2; }
[ "$runs" -ge 20 ] || { echo "cli-startup: RUNS must be at least 20 for a median worth reporting" >&2; exit 2; }

feature() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(dirname "$(dirname "$(readlink -f "$1")")")/release" 2>/dev/null; }
find_jdk() {  # find_jdk MIN MAX: a java binary under /usr/lib/jvm with MIN <= feature <= MAX
  for j in /usr/lib/jvm/*/bin/java; do
    v="$(feature "$j")"; [ -n "$v" ] && [ "$v" -ge "$1" ] && [ "$v" -le "$2" ] && { echo "$j"; return; }
  done
}
jdk17="${JDK17:-$(find_jdk 17 17)}"
jdk25="${JDK25:-$(find_jdk 25 99)}"
[ -n "$jdk17" ] || jdk17="$(command -v java)"
[ "$(feature "$jdk17")" = 17 ] || echo "cli-startup: note: $jdk17 is not JDK 17; the goal is stated for JDK 17" >&2

# Build if needed (the same staleness rule as the ./nkd launcher).
if [ ! -f "$jar" ] || [ -n "$(find reconciler/src/main -newer "$jar" -type f -print -quit)" ]; then
  echo "cli-startup: building the CLI..." >&2
  ./mvnw -q -pl reconciler -am package -DskipTests
fi

# Warm the launcher once per JVM: trains the archive/cache. The file must translate cleanly, so that what
# is timed is the success path, and every variant must print the same bytes.
NKD_JAVA="$jdk17" ./nkd butane --strict "$file" >/tmp/cli-startup.$$.17.json
"$jdk17" -jar "$jar" butane "$file" >/tmp/cli-startup.$$.plain.json
cmp -s /tmp/cli-startup.$$.17.json /tmp/cli-startup.$$.plain.json \
  || { echo "cli-startup: launcher and plain java -jar outputs differ" >&2; exit 1; }
names=("./nkd, JDK 17 (CDS + C1)" "java -jar, JDK 17 (no app CDS)")
cmds=("env NKD_JAVA=$jdk17 ./nkd butane $file" "$jdk17 -jar $jar butane $file")
if [ -n "$jdk25" ]; then
  NKD_JAVA="$jdk25" ./nkd butane "$file" >/tmp/cli-startup.$$.25.json
  cmp -s /tmp/cli-startup.$$.17.json /tmp/cli-startup.$$.25.json || { echo "cli-startup: JDK 25 output differs" >&2; exit 1; }
  names+=("./nkd, JDK $(feature "$jdk25") (AOT cache)")
  cmds+=("env NKD_JAVA=$jdk25 ./nkd butane $file")
fi
if command -v butane >/dev/null; then
  names+=("butane (reference, $(butane --version 2>&1 | head -1))")
  cmds+=("butane $file")
else
  reference_absent=1
fi
rm -f /tmp/cli-startup.$$.*.json

echo "input: $file ($(wc -c <"$file") bytes); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JDK 17: $jdk17; JDK 25+: ${jdk25:-none found}"
[ -z "${reference_absent:-}" ] || echo "reference butane: not on the PATH, so not compared (install it to compare)"
if [ "${HYPERFINE:-}" != none ] && command -v hyperfine >/dev/null; then
  # -N: no intermediate shell; --export-json gives the median, which hyperfine's summary does not print
  args=()
  for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json /tmp/cli-startup.$$.hf.json "${args[@]}"
  python3 - /tmp/cli-startup.$$.hf.json <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]:<44} median {r["median"]*1000:7.1f} ms   min {r["min"]*1000:7.1f} ms   max {r["max"]*1000:7.1f} ms')
PY
  rm -f /tmp/cli-startup.$$.hf.json
else
  echo "(no hyperfine: bash loop, $warmup warm-up + $runs timed runs each, interleaved so load hits all alike)"
  # CPU time (user + system, from /usr/bin/time) is printed beside wall time: on a shared machine wall time
  # grows with other processes' load, CPU time much less.
  declare -A times cpus
  cpu_file=/tmp/cli-startup.$$.cpu
  for i in "${!cmds[@]}"; do
    read -r -a argv <<<"${cmds[$i]}"
    for ((w = 0; w < warmup; w++)); do "${argv[@]}" >/dev/null; done
  done
  for ((r = 0; r < runs; r++)); do
    for i in "${!cmds[@]}"; do
      read -r -a argv <<<"${cmds[$i]}"
      if [ -x /usr/bin/time ]; then
        t0=$(date +%s%N); /usr/bin/time -f '%U %S' -o "$cpu_file" "${argv[@]}" >/dev/null; t1=$(date +%s%N)
        cpus[$i]+="$(awk '{printf "%d", ($1 + $2) * 1000000}' "$cpu_file") "
      else
        t0=$(date +%s%N); "${argv[@]}" >/dev/null; t1=$(date +%s%N)
      fi
      times[$i]+="$(( (t1 - t0) / 1000 )) "
    done
  done
  rm -f "$cpu_file"
  median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'; }
  for i in "${!cmds[@]}"; do
    stats="$(tr ' ' '\n' <<<"${times[$i]}" | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "min %7.1f ms   max %7.1f ms   (%d runs)", v[1] / 1000, v[NR] / 1000, NR }')"
    printf '%-44s median %7s ms   %s%s\n' "${names[$i]}" "$(median "${times[$i]}")" "$stats" \
      "${cpus[$i]:+   CPU median $(median "${cpus[$i]}") ms}"
  done
fi
