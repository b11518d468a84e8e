#!/usr/bin/env bash
# Test rig for portcall: private Docker Engines, a plain and a password
# registry on loopback, and a busybox test image that lives only in the
# registries (so the first run on any engine is a real pull).
#
#   scripts/rig.sh up           start or repair everything; prints state.json
#   scripts/rig.sh down         stop and remove everything (state dir too)
#   scripts/rig.sh stop NAME    stop one engine, keep its data
#   scripts/rig.sh start NAME   (re)start one engine
#   scripts/rig.sh status       print state.json if all is up, else exit 1
#   scripts/rig.sh packages     print the Debian packages it needs (for CI)
#
# Besides its unix socket, one engine (rig2) also listens on loopback TCP
# with mutual TLS, and a private sshd on loopback lets `ssh root@127.0.0.1
# docker system dial-stdio` reach another (rig3); certificates and keys are
# made once per rig and live in the state dir.
#
# Progress goes to stderr; stdout carries only state.json (up, status), so
# callers can JSON.parse it. Needs root: it creates bridges and mounts.
#
# Environment (defaults in brackets). Two rigs on one machine need distinct
# values for all of the directory, ports (TLS and SSH too), bridge prefix
# and net prefix:
#   PORTCALL_RIG_DIR                 state directory [/tmp/portcall-rig]
#   PORTCALL_RIG_DAEMONS             engine names [rig1 rig2 rig3]; a trailing
#                                    number N picks bridge pcrigN and subnet
#                                    10.213.N.0/24, else the list position
#   PORTCALL_RIG_SWARM_DAEMON        one more engine, a single-node Swarm
#                                    manager on loopback [rig4; empty: none]
#   PORTCALL_RIG_REGISTRY_PORT       plain registry port [5055]
#   PORTCALL_RIG_AUTH_REGISTRY_PORT  password registry port [5056]
#   PORTCALL_RIG_AUTH_USER           [portcall]
#   PORTCALL_RIG_AUTH_PASSWORD       [random, kept for the rig's lifetime]
#   PORTCALL_RIG_BRIDGE_PREFIX       [pcrig]
#   PORTCALL_RIG_NET_PREFIX          first two octets [10.213]
#   PORTCALL_RIG_STORAGE_DRIVER      [overlay2 if it mounts here, else vfs]
#   PORTCALL_RIG_DOCKER_CLI          [/usr/bin/docker, Debian's 20.10 CLI]
#   PORTCALL_RIG_WAIT                seconds to wait for a service [60]
#   PORTCALL_RIG_STOP_WAIT           seconds after SIGTERM before SIGKILL [30]
#   PORTCALL_RIG_TLS_PORT            mutual-TLS port on 127.0.0.1 [23760]
#   PORTCALL_RIG_TLS_DAEMON          engine that gets it [rig2, else the last]
#   PORTCALL_RIG_SSH_PORT            private sshd port on 127.0.0.1 [2222]
#   PORTCALL_RIG_SSH_DAEMON          engine its sessions reach [rig3, else the last]
#   (the four above are recorded at the first `up` and win from then on)
set -euo pipefail

# What CI must apt-get install for this script (iproute2, curl, perl-base and
# util-linux are usually present already; perl supplies bcrypt through
# libcrypt, so apache2-utils is not needed). openssh-server only for its
# sshd binary: we run our own, never the system service (but note that
# installing it starts that service where policy-rc.d allows it).
RIG_APT_PACKAGES="docker.io docker-registry busybox-static iptables openssl curl iproute2 openssh-server openssh-client"
export RIG_APT_PACKAGES

# The rest lives in scripts/rig/, one file per concern, each saying at its
# top what it is for. settings.sh comes first: it reads the environment and
# fixes the paths and ports the others use; the others only define functions
# and constants, so their order matters no further.
RIG_LIB=${BASH_SOURCE[0]}
if [[ $RIG_LIB == */* ]]; then RIG_LIB=${RIG_LIB%/*}/rig; else RIG_LIB=rig; fi
# shellcheck source=SCRIPTDIR/rig/settings.sh
source "$RIG_LIB/settings.sh"
# shellcheck source=SCRIPTDIR/rig/helpers.sh
source "$RIG_LIB/helpers.sh"
# shellcheck source=SCRIPTDIR/rig/host.sh
source "$RIG_LIB/host.sh"
# shellcheck source=SCRIPTDIR/rig/daemons.sh
source "$RIG_LIB/daemons.sh"
# shellcheck source=SCRIPTDIR/rig/registries.sh
source "$RIG_LIB/registries.sh"
# shellcheck source=SCRIPTDIR/rig/tls.sh
source "$RIG_LIB/tls.sh"
# shellcheck source=SCRIPTDIR/rig/ssh.sh
source "$RIG_LIB/ssh.sh"
# shellcheck source=SCRIPTDIR/rig/swarm.sh
source "$RIG_LIB/swarm.sh"
# shellcheck source=SCRIPTDIR/rig/images.sh
source "$RIG_LIB/images.sh"
# shellcheck source=SCRIPTDIR/rig/state.sh
source "$RIG_LIB/state.sh"
# shellcheck source=SCRIPTDIR/rig/commands.sh
source "$RIG_LIB/commands.sh"

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
stop) cmd_stop "${2:-}" ;;
start) cmd_start "${2:-}" ;;
status) cmd_status ;;
packages) echo "$RIG_APT_PACKAGES" ;;
*) usage ;;
esac
