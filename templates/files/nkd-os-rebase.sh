#!/bin/bash
# Written by nkd. If the booted deployment is not the pinned image, rebase to it and reboot; once it is,
# record that and never run again. Safe to repeat: after the reboot the booted image matches.
set -euo pipefail
target={{json os.osImageURL}}
marker=/etc/nkd/os-rebase.done

# --booted limits the JSON to the booted deployment; its container-image-reference ends in the digest.
if rpm-ostree status --booted --json | grep -qF "$target"; then
  echo "nkd-os-rebase: booted image is the pinned $target"
  touch "$marker"
  exit 0
fi
echo "nkd-os-rebase: rebasing to $target"
# --bypass-driver: NestOS registers zincati as the update driver, and rpm-ostree refuses a rebase a driver did
# not ask for unless told to bypass it (as NKD does).
rpm-ostree rebase --bypass-driver "ostree-unverified-registry:$target"
systemctl reboot
