#!/usr/bin/env bash
# Rollout benchmark (issue 9): N simulated worker nodes, maxUnavailable K, per-node time T seconds, on the real test
# API server (testenv/kube-apiserver.sh), driven by the real Housekeeper operator; see RolloutBenchmark's javadoc.
# Usage: bash bench/rollout-bench.sh [N=1000] [K=50] [T=5]
# Needs the test API server: sudo testenv/kube-apiserver.sh up (this script reads its env).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -z "${KUBECONFIG:-}" ] || [ -z "${NKD_KUBE_APISERVER:-}" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  eval "$($sudo testenv/kube-apiserver.sh env)"
fi
./mvnw -q -pl bench -am package -DskipTests
exec java -Xmx512m -cp bench/target/benchmarks.jar io.nkd.bench.RolloutBenchmark "${1:-1000}" "${2:-50}" "${3:-5}"
