#!/usr/bin/env bash
# Start (or reuse) the engine container from image $1 and print its name.
#
# The CLI's image driver runs `docker run --privileged`, which fails on hosts
# whose capability bounding set lacks a capability Docker wants to grant
# (these machines lack CAP_SYS_RESOURCE: "unable to apply caps"). So we start
# the container ourselves with every capability the host has and the same
# relaxations --privileged gives, and point the CLI at it with
# container+docker://NAME. Engine state is a named volume, so the cache
# survives container re-creation. The host's extra CA certificates (e.g. a
# TLS-intercepting egress proxy's) are handed to the engine, which installs
# them into every container it runs.
source "$(dirname "$0")/lib.sh"
image=${1:?usage: engine-start.sh IMAGE}
name=$KIOS_DOCKER_PREFIX-dagger-engine

# Cache size cap. The engine's default GC counts free space with statfs's
# f_bfree, which includes blocks reserved for other users: on a disk mounted
# with such a reservation it sees ample room while writes already fail with
# ENOSPC (a CI run died that way). So cap the cache explicitly at a share of
# what this filesystem really offers us (used + available, as df counts it),
# or at KIOS_ENGINE_CACHE_GB.
docker_root=$(docker info -f '{{.DockerRootDir}}')
usable_gb=$(df -B1G --output=used,avail "$docker_root" | awk 'NR==2 {print $1 + $2}')
cache_gb=${KIOS_ENGINE_CACHE_GB:-$(( usable_gb * 45 / 100 / 5 * 5 ))}
[ "$cache_gb" -ge 10 ] || die "the engine cache would get ${cache_gb} GB (45% of ${usable_gb} GB usable under $docker_root); kiOS's tests need 10 GB or more (set KIOS_ENGINE_CACHE_GB)"
engine_json=$KIOS_CACHE/engine-$cache_gb.json
printf '{"gc": {"maxUsedSpace": "%dGB", "reservedSpace": "5GB"}}\n' "$cache_gb" >"$engine_json"

want="$image $(hash_files "$0")-$cache_gb"

current=$(docker inspect -f '{{.Config.Image}} {{index .Config.Labels "kios.recipe"}} {{.State.Running}}' "$name" 2>/dev/null || true)
if [ "$current" = "$want true" ]; then
  echo "$name"; exit 0
elif [ "${current% *}" = "$want" ]; then
  log "starting engine container $name"
  docker start "$name" >/dev/null
else
  [ -z "$current" ] || docker rm -f "$name" >/dev/null
  # Capabilities the host cannot grant, from this process's bounding set.
  cap_drop=()
  bnd=$((16#$(sed -n 's/^CapBnd:\s*//p' /proc/self/status)))
  caps=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
    LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
    SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
    SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
    MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
    CHECKPOINT_RESTORE)
  for i in "${!caps[@]}"; do
    (( bnd >> i & 1 )) || cap_drop+=(--cap-drop "${caps[i]}")
  done
  log "running engine container $name from $image, cache capped at $cache_gb GB${cap_drop:+ (host lacks: ${cap_drop[*]})}"
  docker run -d --name "$name" --restart always --label "kios.recipe=${want#* }" \
    --cap-add ALL "${cap_drop[@]}" \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    -v "$name-state:/var/lib/dagger" \
    -v "$engine_json:/etc/dagger/engine.json:ro" \
    -v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro \
    "$image" --debug >/dev/null
fi
for _ in $(seq 60); do
  docker exec "$name" test -S /run/dagger/engine.sock 2>/dev/null && { echo "$name"; exit 0; }
  sleep 0.5
done
docker logs --tail 30 "$name" >&2
die "engine container $name did not open /run/dagger/engine.sock"
