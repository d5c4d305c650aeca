#!/usr/bin/env bash
# Bring up everything the offline path needs, idempotently: Debian packages,
# dockerd, the Dagger CLI + engine built at the SDK's version, the engine
# image and container, and the offline base image. Caches live under $KIOS_CACHE.
#
#   offline-engine/bootstrap.sh          set up, then print the environment as KEY=VALUE
#   eval "$(offline-engine/bootstrap.sh --export)"   set up and export into this shell
source "$(dirname "$0")/lib.sh"

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
command -v mmdebstrap >/dev/null || need_pkgs+=(mmdebstrap)
# The init's PID 1 tests boot a VM on the host.
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "apt-get install ${need_pkgs[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  setsid nohup dockerd >"$KIOS_CACHE/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not start; see $KIOS_CACHE/dockerd.log"
fi

engine_dir=$("$KIOS_ROOT/offline-engine/engine-build.sh")
engine_image=$("$KIOS_ROOT/offline-engine/engine-image.sh" "$engine_dir")
"$KIOS_ROOT/offline-engine/base-image.sh" >/dev/null
engine_container=$("$KIOS_ROOT/offline-engine/engine-start.sh" "$engine_image")

env_lines=(
  "_EXPERIMENTAL_DAGGER_CLI_BIN=$engine_dir/bin/dagger"
  "_EXPERIMENTAL_DAGGER_RUNNER_HOST=container+docker://$engine_container"
  "DO_NOT_TRACK=1"
  "DAGGER_NO_UPDATE_CHECK=1"
  "DAGGER_NO_NAG=1"
)
printf '%s\n' "${env_lines[@]}" >"$KIOS_CACHE/env"

# The engine prunes its cache after sessions end; a run that starts on a
# nearly full disk prunes first rather than failing halfway with ENOSPC.
avail_gb() { df -B1G --output=avail "$(docker info -f '{{.DockerRootDir}}')" | tail -1 | tr -d ' '; }
if [ "$(avail_gb)" -lt 15 ]; then
  log "only $(avail_gb) GB free for Docker: pruning the engine cache to its cap"
  env "${env_lines[@]}" "$engine_dir/bin/dagger" core engine local-cache prune --use-default-policy \
    >"$KIOS_CACHE/prune.log" 2>&1 || die "pruning the engine cache failed; see $KIOS_CACHE/prune.log"
  [ "$(avail_gb)" -ge 5 ] || die "only $(avail_gb) GB free for Docker after pruning; kiOS's tests need 5 GB or more"
fi
if [ "${1:-}" = --export ]; then
  printf 'export %s\n' "${env_lines[@]}"
else
  printf '%s\n' "${env_lines[@]}"
fi
