#!/usr/bin/env bash
# Builds (once) the small Debian 12 VM image whose initramfs runs the real Ignition, as /work/shared/VM-BOOT.md
# describes: a test machine that reads nkd's pointer config from QEMU fw_cfg (opt/com.coreos/config) and fetches its
# config from nkd's Ignition server, the way NestOS and Fedora CoreOS do on QEMU.
#
#   testenv/vm-image.sh build   build the image unless the cached one matches this script's recipe; prints its directory
#   testenv/vm-image.sh path    prints the directory of the cached image (disk.qcow2, vmlinuz, initrd.img); fails if absent
#   testenv/vm-image.sh env     prints `export NKD_VM_IMAGE_DIR=...` for the cached image
#
# The cache key is a hash of the recipe (the build functions as bash sees them, so comments do not count): changing
# the recipe builds a new image, anything else reuses the cached one.
# Cache directory: $NKD_TESTENV_CACHE/vm (default /var/cache/nkd-testenv/vm), shared by all checkouts on the machine.
# Needs root (debootstrap, chroot) and network access to the Debian mirror of this machine's apt sources.
set -euo pipefail

cache_root="${NKD_TESTENV_CACHE:-/var/cache/nkd-testenv}/vm"

log() { echo "vm-image: $*" >&2; }
die() { log "$*"; exit 1; }

built() { [ -s "$image_dir/disk.qcow2" ] && [ -s "$image_dir/vmlinuz" ] && [ -s "$image_dir/initrd.img" ]; }

# The Debian mirror this machine already uses, so the image comes from the same (possibly snapshot) archive.
mirror() {
  local uri
  uri="$(grep -rhoE '^URIs: *[^ ]+/debian/?$|^deb +[^ ]+/debian/? +bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | head -n1 | sed -E 's/^URIs: *//; s/^deb +//; s/ .*//')"
  echo "${uri:-http://deb.debian.org/debian}"
}

host_packages() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing host packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive \
         apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}

build() {
  [ "$(id -u)" -eq 0 ] || die "building the VM image needs root (debootstrap and chroot); run: sudo $0 build"
  host_packages
  local work="$cache_root/build.$$" rootfs
  rootfs="$work/rootfs"
  mkdir -p "$rootfs"
  # Unmount and remove the half-built tree whatever happens; the finished image is moved out first.
  trap 'for m in dev/pts dev sys proc; do umount -l "'"$rootfs"'/$m" 2>/dev/null || true; done; rm -rf "'"$work"'"' EXIT

  log "debootstrap bookworm (minbase) from $(mirror)"
  debootstrap --variant=minbase \
    --include=systemd-sysv,udev,kmod,e2fsprogs,iproute2,ca-certificates,curl,procps,dbus \
    bookworm "$rootfs" "$(mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

  mount -t proc proc "$rootfs/proc"
  mount -t sysfs sys "$rootfs/sys"
  mount --bind /dev "$rootfs/dev"
  mount --bind /dev/pts "$rootfs/dev/pts"
  # Nothing inside the chroot may start a service.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"

  log "installing kernel, dracut and ignition into the image"
  # INITRD=No: the kernel package must not build an initramfs before dracut is configured below.
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive INITRD=No \
    apt-get install -y -qq --no-install-recommends linux-image-amd64 dracut dracut-network ignition \
    >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; die "installing the kernel, dracut and ignition failed"; }
  chroot "$rootfs" apt-get clean
  rm -f "$rootfs/usr/sbin/policy-rc.d"

  # Adaptation 1: Ignition's files stage relabels for SELinux, which Debian does not use. Declare SELinux off and
  # give the initramfs a setfiles that does nothing, through a small dracut module that comes with ignition's.
  mkdir -p "$rootfs/etc/selinux" "$rootfs/usr/lib/dracut/modules.d/99nkd-noselinux"
  echo 'SELINUX=disabled' >"$rootfs/etc/selinux/config"
  echo 'SELINUXTYPE=none' >>"$rootfs/etc/selinux/config"
  printf '#!/bin/sh\n# Debian test image: no SELinux, nothing to relabel.\nexit 0\n' \
    >"$rootfs/usr/lib/dracut/modules.d/99nkd-noselinux/setfiles"
  cat >"$rootfs/usr/lib/dracut/modules.d/99nkd-noselinux/module-setup.sh" <<'MODULE'
#!/bin/bash
check() { return 0; }
depends() { echo ignition; }
install() { inst_simple "$moddir/setfiles" /usr/sbin/setfiles; chmod 755 "$initdir/usr/sbin/setfiles"; }
MODULE
  chmod 755 "$rootfs/usr/lib/dracut/modules.d/99nkd-noselinux/"*

  # Adaptation 2: an uninitialized machine-id makes systemd apply the presets Ignition writes (`enabled: true`).
  echo uninitialized >"$rootfs/etc/machine-id"
  echo '/dev/vda / ext4 rw,relatime 0 1' >"$rootfs/etc/fstab"
  echo nkd-test >"$rootfs/etc/hostname"

  # Under software emulation every megabyte of initramfs and every module udev loads costs seconds of boot: only the
  # drivers of a QEMU virtio machine (`drivers` is exclusive), and no compression (inflating 60 MB took ~35 s of an
  # emulated boot on a loaded host).
  cat >"$rootfs/etc/dracut.conf.d/10-nkd-testenv.conf" <<'CONF'
hostonly="no"
add_dracutmodules+=" ignition nkd-noselinux "
drivers=" qemu_fw_cfg virtio_pci virtio_blk virtio_net virtio_scsi virtio_rng ext4 crc32c_generic "
omit_dracutmodules+=" plymouth lvm mdraid dmraid crypt multipath iscsi nfs nbd fcoe fcoe-uefi cifs btrfs "
compress="cat"
CONF

  local kver
  kver="$(ls "$rootfs/lib/modules" | sort -V | tail -n1)"
  [ -n "$kver" ] || die "no kernel in the image (linux-image-amd64 did not install modules)"
  log "dracut for kernel $kver"
  chroot "$rootfs" dracut -q -f --kver "$kver" "/boot/initrd.img-$kver" >"$work/dracut.log" 2>&1 \
    || { tail -n 30 "$work/dracut.log" >&2; die "dracut failed"; }

  for m in dev/pts dev sys proc; do umount "$rootfs/$m"; done

  local out="$work/out"
  mkdir -p "$out"
  cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz"
  cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img"
  log "making the disk (ext4 on the whole disk, /dev/vda)"
  truncate -s 2G "$work/disk.raw"
  mkfs.ext4 -q -L root -d "$rootfs" "$work/disk.raw"
  # qcow2 so that libvirt storage pools can use it as the backing volume of each machine's disk.
  qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$out/disk.qcow2"
  echo "$kver" >"$out/kernel-version"
  chmod 644 "$out"/*

  rm -rf "$image_dir"
  mv "$out" "$image_dir"
  # Older recipes' images are dead weight.
  find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$recipe" ! -name 'build.*' -exec rm -rf {} +
  log "built $image_dir"
}

recipe="$(declare -f mirror host_packages build | sha256sum | cut -c1-16)"
image_dir="$cache_root/$recipe"

case "${1:-}" in
  build)
    mkdir -p "$cache_root"
    # One build at a time per machine; a second caller waits and then finds the image built.
    exec 9>"$cache_root/.lock"
    flock 9
    if built; then log "cached: $image_dir"; else build; fi
    echo "$image_dir"
    ;;
  path)
    built || die "no VM image for this recipe at $image_dir; run: $0 build"
    echo "$image_dir"
    ;;
  env)
    built || die "no VM image for this recipe at $image_dir; run: $0 build"
    echo "export NKD_VM_IMAGE_DIR=$image_dir"
    ;;
  *)
    echo "usage: $0 build|path|env" >&2
    exit 2
    ;;
esac
