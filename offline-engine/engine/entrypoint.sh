#!/bin/sh
# Entrypoint of the kiOS-built Dagger engine image (as the official image's).
ulimit -n 1048576 || true
exec tini -- dagger-engine --config /etc/dagger/engine.toml "$@"
