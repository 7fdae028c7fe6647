#!/usr/bin/env bash
# First paint of the web console's cluster list on loopback (issue 12: under 300 ms).
# Runs the browser test's first step against a real `nkd serve` (the demo's sandbox cluster) in headless Debian
# Chromium, RUNS times, and prints the time from navigation start to the drawn cluster list (the console's
# performance mark "nkd-first-view", set after the frame that shows the list), for a first load (cold cache)
# and a reload. Needs: apt-get install -y chromium chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
for i in $(seq 1 "$runs"); do
  ./mvnw -B -q -o -pl reconciler -am test -Dtest='ConsoleBrowserTest#theListShowsWhatTheApiSays' \
    -Dsurefire.failIfNoSpecifiedTests=false >/tmp/nkd-console-paint.log 2>&1 || { tail -40 /tmp/nkd-console-paint.log; exit 1; }
  echo "run $i: $(cat reconciler/target/console-screenshots/first-paint.txt)"
done
