# shellcheck shell=bash
# shellcheck disable=SC2034 # (what it sets is read by the other parts)
# Settings: the rig's environment (PORTCALL_RIG_*, listed in scripts/rig.sh)
# read and checked once, and every path, port and address the other parts
# use. Sourced first, so it also defines die and say; a bad value ends the
# script here, before anything is started or stopped.

die() {
	echo "rig: error: $*" >&2
	exit 1
}
say() { echo "rig: $*" >&2; }

RIG_DIR=${PORTCALL_RIG_DIR:-/tmp/portcall-rig}
# Daemons get absolute socket paths and we cd / before starting them.
[[ $RIG_DIR == /* ]] || RIG_DIR=$PWD/$RIG_DIR
RIG_DIR=${RIG_DIR%/}
# A narrow charset spares us quoting in YAML/JSON and keeps `rm -rf` sane.
[[ $RIG_DIR =~ ^/[A-Za-z0-9._+-]+(/[A-Za-z0-9._+-]+)*$ ]] ||
	die "PORTCALL_RIG_DIR must be a plain path without spaces: $RIG_DIR"
case $RIG_DIR in / | /tmp | /root | /home | /var | /usr | /etc | /work) die "refusing PORTCALL_RIG_DIR=$RIG_DIR" ;; esac

DAEMONS=${PORTCALL_RIG_DAEMONS:-rig1 rig2 rig3}
# Unset: rig4; set but empty: no swarm engine (see swarm.sh).
SWARM_DAEMON=${PORTCALL_RIG_SWARM_DAEMON-rig4}
REG_PORT=${PORTCALL_RIG_REGISTRY_PORT:-5055}
AUTH_PORT=${PORTCALL_RIG_AUTH_REGISTRY_PORT:-5056}
AUTH_USER=${PORTCALL_RIG_AUTH_USER:-portcall}
BRIDGE_PREFIX=${PORTCALL_RIG_BRIDGE_PREFIX:-pcrig}
NET_PREFIX=${PORTCALL_RIG_NET_PREFIX:-10.213}
WAIT_SECS=${PORTCALL_RIG_WAIT:-60}
STOP_WAIT=${PORTCALL_RIG_STOP_WAIT:-30}
if [[ -n ${PORTCALL_RIG_DOCKER_CLI:-} ]]; then
	DOCKER_CLI=$PORTCALL_RIG_DOCKER_CLI
elif [[ -x /usr/bin/docker ]]; then
	# /usr/local/bin/docker on these machines is a newer static CLI; Debian's
	# matches the engine and builds without buildx.
	DOCKER_CLI=/usr/bin/docker
else
	DOCKER_CLI=docker
fi

[[ $NET_PREFIX =~ ^[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "PORTCALL_RIG_NET_PREFIX must look like 10.213"
[[ $REG_PORT =~ ^[0-9]+$ && $AUTH_PORT =~ ^[0-9]+$ ]] || die "registry ports must be numbers"

# The last daemon unless WANT is one of them (so a shorter custom
# PORTCALL_RIG_DAEMONS still gets both transports).
pick_daemon() {
	local want=$1 d last=""
	for d in $DAEMONS; do
		if [[ $d == "$want" ]]; then
			echo "$d"
			return
		fi
		last=$d
	done
	echo "$last"
}

# Transport settings recorded by the first `up` win, like a daemon's
# rig.env: a test calling `start rig2` with another environment must still
# get the TLS listener where state.json says it is.
TRANSPORTS_ENV=$RIG_DIR/transports.env
if [[ -f $TRANSPORTS_ENV ]]; then
	# shellcheck source=/dev/null
	source "$TRANSPORTS_ENV"
else
	TLS_PORT=${PORTCALL_RIG_TLS_PORT:-23760}
	TLS_DAEMON=${PORTCALL_RIG_TLS_DAEMON:-$(pick_daemon rig2)}
	SSH_PORT=${PORTCALL_RIG_SSH_PORT:-2222}
	SSH_DAEMON=${PORTCALL_RIG_SSH_DAEMON:-$(pick_daemon rig3)}
fi
[[ $TLS_PORT =~ ^[0-9]+$ && $SSH_PORT =~ ^[0-9]+$ ]] || die "TLS and SSH ports must be numbers"
[[ $TLS_DAEMON =~ ^[a-z][a-z0-9_-]{0,20}$ && $SSH_DAEMON =~ ^[a-z][a-z0-9_-]{0,20}$ ]] ||
	die "bad PORTCALL_RIG_TLS_DAEMON/PORTCALL_RIG_SSH_DAEMON: '$TLS_DAEMON' '$SSH_DAEMON'"

REG_ADDR=127.0.0.1:$REG_PORT
AUTH_ADDR=127.0.0.1:$AUTH_PORT
TLS_ADDR=127.0.0.1:$TLS_PORT
SSH_ADDR=127.0.0.1:$SSH_PORT
TLS_DIR=$RIG_DIR/tls
SSH_DIR=$RIG_DIR/ssh
SSH_USER=root
IMAGE_REPO=portcall/busybox
STATE_JSON=$RIG_DIR/state.json
MARKER=$RIG_DIR/.portcall-rig
LOCK_FILE=$RIG_DIR.lock
DOCKER_CONFIG_DIR=$RIG_DIR/docker-config
# Daemons and registries must not pick up proxies or DOCKER_* from the
# caller: a proxy would send pulls off this machine.
CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
CURL=(curl -s --noproxy '*' --max-time 5)

now() { echo "${EPOCHREALTIME/./}"; } # microseconds, no fork
