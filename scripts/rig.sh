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

die() {
	echo "rig: error: $*" >&2
	exit 1
}
say() { echo "rig: $*" >&2; }

# ---------------------------------------------------------------- settings

RIG_DIR=${PORTCALL_RIG_DIR:-/tmp/portcall-rig}
# Daemons get absolute socket paths and we cd / before starting them.
[[ $RIG_DIR == /* ]] || RIG_DIR=$PWD/$RIG_DIR
RIG_DIR=${RIG_DIR%/}
# A narrow charset spares us quoting in YAML/JSON and keeps `rm -rf` sane.
[[ $RIG_DIR =~ ^/[A-Za-z0-9._+-]+(/[A-Za-z0-9._+-]+)*$ ]] ||
	die "PORTCALL_RIG_DIR must be a plain path without spaces: $RIG_DIR"
case $RIG_DIR in / | /tmp | /root | /home | /var | /usr | /etc | /work) die "refusing PORTCALL_RIG_DIR=$RIG_DIR" ;; esac

DAEMONS=${PORTCALL_RIG_DAEMONS:-rig1 rig2 rig3}
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

# ------------------------------------------------------------ small helpers

# Take the rig lock so parallel test workers calling `up` don't race. The
# lock file sits beside the state dir so `down` can remove the dir.
lock() {
	mkdir -p "$(dirname "$LOCK_FILE")"
	exec 9>"$LOCK_FILE"
	flock -w 600 9 || die "timed out waiting for $LOCK_FILE"
}

# Start "$@" fully detached: own session, cwd /, clean env, and every fd
# closed or sent to the log. A daemon that inherits the caller's stdout pipe
# (or our lock fd) keeps the caller waiting forever for EOF.
spawn() {
	local log=$1
	shift
	(
		cd /
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			if ((fd > 2)); then eval "exec $fd>&-"; fi
		done
		exec setsid "${CLEAN_ENV[@]}" "$@" </dev/null >>"$log" 2>&1
	) &
	SPAWNED_PID=$!
}

# True if pid runs and is not a zombie. Zombies matter here: pid 1 on these
# machines reaps orphans lazily, so a killed daemon can linger as one for
# seconds, and dockerd refuses to start while its old pid is in /proc.
alive() {
	local stat
	# (read, not $(<file): under set -e a missing file there kills the shell)
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# pid from a pidfile, if that process is alive and is the program we expect
# (pids get reused after a reboot or a kill -9).
pid_of() {
	local pidfile=$1 want=$2 pid comm
	[[ -s $pidfile ]] || return 1
	# dockerd writes its pidfile without a newline, which read reports as EOF
	{ read -r pid <"$pidfile" || [[ -n ${pid:-} ]]; } 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	{ read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
	[[ $comm == "$want" ]] || return 1
	alive "$pid" || return 1
	echo "$pid"
}

# Pids of rig-type programs whose command line contains $1. Matching the
# program name too keeps us off e.g. a `tail -f` of a rig log.
pids_matching() {
	local needle=$1 p comm cmd
	for p in /proc/[0-9]*; do
		{ read -r comm <"$p/comm"; } 2>/dev/null || continue
		case $comm in
		dockerd | containerd | containerd-shim* | docker-registry | docker-proxy | runc | sshd) ;;
		*) continue ;;
		esac
		alive "${p#/proc/}" || continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		[[ $cmd == *"$needle"* ]] && echo "${p#/proc/}"
	done
	return 0
}

# SIGTERM, bounded wait, then SIGKILL.
terminate() {
	local wait_s=$1 deadline pid running
	shift
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null || true
	deadline=$(($(now) + wait_s * 1000000))
	while (($(now) < deadline)); do
		running=0
		for pid in "$@"; do
			if alive "$pid"; then
				running=1
				break
			fi
		done
		((running)) || return 0
		sleep 0.1
	done
	say "still running after ${wait_s}s, sending SIGKILL to: $*"
	kill -KILL "$@" 2>/dev/null || true
	sleep 0.2
}

tail_log() {
	local f=$1
	[[ -f $f ]] || return 0
	echo "---- last lines of $f ----" >&2
	tail -n 25 "$f" >&2
	echo "----" >&2
}

json_str() { printf '"%s"' "$1"; } # RIG_DIR charset is checked: no escaping needed

# True if something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ------------------------------------------------------------ daemon config

# Index N of a daemon: from a trailing number (rig3 -> 3, so adding a daemon
# never renumbers the others), else its position in the list.
daemon_index() {
	local name=$1 pos=0 d
	if [[ $name =~ ([0-9]+)$ ]]; then
		echo $((10#${BASH_REMATCH[1]}))
		return
	fi
	for d in $DAEMONS; do
		pos=$((pos + 1))
		[[ $d == "$name" ]] && {
			echo "$pos"
			return
		}
	done
	die "unknown daemon $name (not in PORTCALL_RIG_DAEMONS='$DAEMONS')"
}

# Sets D_* variables for one daemon. Values recorded at creation win, so
# `start NAME` and `down` use what `up` used even if the env has changed.
load_daemon() {
	local name=$1 idx
	[[ $name =~ ^[a-z][a-z0-9_-]{0,20}$ ]] || die "bad daemon name: $name"
	D_DIR=$RIG_DIR/$name
	if [[ -f $D_DIR/rig.env ]]; then
		# shellcheck source=/dev/null
		source "$D_DIR/rig.env"
	else
		idx=$(daemon_index "$name")
		((idx >= 1 && idx <= 15)) || die "daemon $name: index $idx out of 1..15"
		D_INDEX=$idx
		D_BRIDGE=$BRIDGE_PREFIX$idx
		D_GATEWAY=$NET_PREFIX.$idx.1
		D_SUBNET=$NET_PREFIX.$idx.0/24
		# user-defined networks get their own /21 per daemon so two engines
		# never hand out overlapping subnets on this one host
		D_POOL=$NET_PREFIX.$((128 + idx * 8)).0/21
	fi
	((${#D_BRIDGE} <= 15)) || die "bridge name too long: $D_BRIDGE"
	D_SOCK=$D_DIR/docker.sock
	D_PIDFILE=$D_DIR/docker.pid
	D_DATA=$D_DIR/data
	D_EXEC=$D_DIR/run
	D_LOG=$D_DIR/dockerd.log
	D_TLS=0
	if [[ $name == "$TLS_DAEMON" ]]; then D_TLS=1; fi
	# containerd's sockets live under exec-root; sun_path holds 107 bytes
	local longest=$D_EXEC/containerd/containerd.sock.ttrpc
	((${#longest} < 100)) || die "PORTCALL_RIG_DIR too long for unix sockets: $longest"
}

save_daemon() {
	mkdir -p "$D_DIR"
	cat >"$D_DIR/rig.env.tmp" <<EOF
D_INDEX=$D_INDEX
D_BRIDGE=$D_BRIDGE
D_GATEWAY=$D_GATEWAY
D_SUBNET=$D_SUBNET
D_POOL=$D_POOL
EOF
	mv "$D_DIR/rig.env.tmp" "$D_DIR/rig.env"
}

# Daemons known to this rig: recorded ones plus the configured list.
all_daemons() {
	local names=() d f
	if [[ -d $RIG_DIR ]]; then
		for f in "$RIG_DIR"/*/rig.env; do
			[[ -f $f ]] && names+=("$(basename "$(dirname "$f")")")
		done
	fi
	for d in $DAEMONS; do names+=("$d"); done
	((${#names[@]})) || return 0
	printf '%s\n' "${names[@]}" | awk '!seen[$0]++'
}

recorded_daemons() {
	local f
	[[ -d $RIG_DIR ]] || return 0
	for f in "$RIG_DIR"/*/rig.env; do
		[[ -f $f ]] && basename "$(dirname "$f")"
	done
	return 0
}

storage_driver() {
	local f=$RIG_DIR/storage-driver t
	# An existing data-root only works with the driver it was made with.
	if [[ -s $f ]]; then
		cat "$f"
		return
	fi
	mkdir -p "$RIG_DIR"
	if [[ -n ${PORTCALL_RIG_STORAGE_DRIVER:-} ]]; then
		echo "$PORTCALL_RIG_STORAGE_DRIVER" >"$f"
	else
		# overlay2 fails on some sandboxes (e.g. when the state dir is itself
		# on overlayfs); a real mount here is the cheapest reliable probe.
		t=$RIG_DIR/.overlay-probe
		mkdir -p "$t"/{l,u,w,m}
		if mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>/dev/null; then
			umount "$t/m"
			echo overlay2 >"$f"
		else
			echo vfs >"$f"
		fi
		rm -rf "$t"
	fi
	cat "$f"
}

# ----------------------------------------------------------------- engines

daemon_pid() { pid_of "$D_PIDFILE" dockerd; }

# Every live dockerd serving this daemon's directories, pidfile or not (a
# pidfile can be lost or point at a zombie; two engines on one data-root
# corrupt it).
dockerd_pids() {
	local p comm
	for p in $(pids_matching "$D_DIR/"); do
		{ read -r comm <"/proc/$p/comm"; } 2>/dev/null || continue
		if [[ $comm == dockerd ]]; then echo "$p"; fi
	done
	return 0
}

# For the TLS engine, "answers" includes its TLS listener with today's
# certificates: an engine started without it (or with certificates since
# renewed) then counts as broken and gets restarted.
daemon_ping() {
	[[ -S $D_SOCK ]] && [[ $("${CURL[@]}" --max-time 3 --unix-socket "$D_SOCK" http://localhost/_ping 2>/dev/null) == OK ]] || return 1
	((D_TLS == 0)) || tls_ping
}

daemon_up() { daemon_pid >/dev/null && daemon_ping; }

dcli() {
	local name=$1
	shift
	env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
		DOCKER_CONFIG="$DOCKER_CONFIG_DIR" DOCKER_BUILDKIT=0 DOCKER_CLI_HINTS=false \
		"$DOCKER_CLI" -H "unix://$RIG_DIR/$name/docker.sock" "$@"
}

ensure_bridge() {
	local other addrs
	if ! ip link show dev "$D_BRIDGE" >/dev/null 2>&1; then
		# Someone else's route to our subnet would make container traffic
		# ambiguous; better to stop here than to debug that later.
		other=$(ip -4 route show "$D_SUBNET" 2>/dev/null || true)
		[[ -z $other ]] || die "subnet $D_SUBNET already routed ($other); set PORTCALL_RIG_NET_PREFIX"
		ip link add "$D_BRIDGE" type bridge
	fi
	addrs=$(ip -4 -o addr show dev "$D_BRIDGE")
	if [[ $addrs != *" $D_GATEWAY/24 "* ]]; then
		ip addr add "$D_GATEWAY/24" dev "$D_BRIDGE"
	fi
	ip link set dev "$D_BRIDGE" up
}

# Polls CHECK until it succeeds; fails early, with the log's tail, if PID dies or WAIT_SECS pass.
wait_until_answers() {
	local check=$1 pid=$2 log=$3 what=$4 deadline
	deadline=$(($(now) + WAIT_SECS * 1000000))
	until "$check"; do
		if ! alive "$pid"; then
			tail_log "$log"
			die "$what exited during startup (log: $log)"
		fi
		if (($(now) > deadline)); then
			tail_log "$log"
			die "$what did not answer within ${WAIT_SECS}s (log: $log)"
		fi
		sleep 0.1
	done
}

start_daemon() {
	local name=$1 drv pid pids t0 deadline help cgparent extra flags=()
	load_daemon "$name"
	if ((D_TLS)); then
		ensure_tls
		flags+=(-H "tcp://$TLS_ADDR" --tlsverify --tlscacert "$TLS_DIR/ca.pem"
			--tlscert "$TLS_DIR/server-cert.pem" --tlskey "$TLS_DIR/server-key.pem")
	fi
	if daemon_up; then
		return 0
	fi
	mapfile -t pids < <(dockerd_pids)
	if ((${#pids[@]} == 1)) && daemon_ping; then
		say "$name: adopting running dockerd pid ${pids[0]}"
		echo "${pids[0]}" >"$D_PIDFILE"
		return 0
	fi
	if ((${#pids[@]})); then
		say "$name: dockerd ${pids[*]} not answering (or not on $TLS_ADDR with current certificates); stopping it"
		terminate "$STOP_WAIT" "${pids[@]}"
	fi
	if ((D_TLS)) && port_open "$TLS_PORT"; then
		die "$TLS_ADDR is taken by something else; pick another PORTCALL_RIG_TLS_PORT"
	fi
	# Debian's dockerd runs its own containerd only when no system one
	# answers at this path; with one there, both engines would share it.
	[[ ! -e /run/containerd/containerd.sock ]] ||
		die "/run/containerd/containerd.sock exists: dockerd would use that system containerd instead of its own"
	# dockerd refuses a pidfile whose pid is still in /proc, even as the
	# zombie of our own killed daemon; no engine of ours runs at this point.
	rm -f "$D_PIDFILE"
	save_daemon
	mkdir -p "$D_DATA" "$D_EXEC"
	ensure_bridge
	drv=$(storage_driver)
	# The trust key goes to /etc/docker/key.json unless set here; there is
	# no command-line flag for it in 20.10.
	printf '{"deprecated-key-path": "%s"}\n' "$D_DIR/key.json" >"$D_DIR/daemon.json"
	# (captured, not piped into grep -q: that SIGPIPEs dockerd under pipefail)
	help=$(dockerd --help 2>&1 || true)
	if [[ $help == *--ip6tables* ]]; then
		flags+=(--ip6tables=false)
	fi
	# A relative cgroup parent keeps containers inside the caller's cgroup
	# (the sandbox's, on cgroup v1 hosts like these) under a name we can
	# clean up. Pure cgroup v2 forbids children of a cgroup that has
	# processes, so there it must hang off the root.
	cgparent=$D_BRIDGE
	if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then cgparent=/$D_BRIDGE; fi
	# --iptables/--ip-forward/--ip-masq off: the host firewall and sysctls
	# are not ours. --dns 127.0.0.1: containers' lookups must not leave the
	# machine.
	extra=""
	if ((D_TLS)); then extra=", mutual TLS on $TLS_ADDR"; fi
	say "$name: starting dockerd (bridge $D_BRIDGE $D_GATEWAY/24, storage $drv$extra)"
	spawn "$D_LOG" dockerd \
		--config-file "$D_DIR/daemon.json" \
		--data-root "$D_DATA" \
		--exec-root "$D_EXEC" \
		--pidfile "$D_PIDFILE" \
		-H "unix://$D_SOCK" \
		--bridge "$D_BRIDGE" \
		--iptables=false "${flags[@]}" --ip-forward=false --ip-masq=false \
		--dns 127.0.0.1 \
		--default-address-pool "base=$D_POOL,size=24" \
		--cgroup-parent "$cgparent" \
		--storage-driver "$drv" \
		--insecure-registry "$REG_ADDR" \
		--insecure-registry "$AUTH_ADDR"
	pid=$SPAWNED_PID
	t0=$(now)
	wait_until_answers daemon_ping "$pid" "$D_LOG" "$name: dockerd"
	say "$name: up in $((($(now) - t0) / 1000)) ms"
}

# Kill rig processes left behind by a daemon that died hard: its
# containerd, shims, runc and port proxies would otherwise hold sockets,
# mounts and ports.
stop_leftovers() {
	local needle=$1 pids
	mapfile -t pids < <(pids_matching "$needle")
	if ((${#pids[@]})); then
		say "stopping leftover processes of $needle: ${pids[*]}"
		terminate 5 "${pids[@]}"
	fi
}

stop_daemon() {
	local name=$1 pids
	load_daemon "$name"
	mapfile -t pids < <(dockerd_pids)
	if ((${#pids[@]})); then
		say "$name: stopping dockerd (pid ${pids[*]})"
		terminate "$STOP_WAIT" "${pids[@]}"
	fi
	# dockerd stops its containerd itself; these remain only after SIGKILL
	stop_leftovers "$RIG_DIR/$name/"
	# container processes outlive a SIGKILLed shim; nothing of this engine
	# may run once it is "stopped"
	remove_cgroups "$D_BRIDGE"
	rm -f "$D_PIDFILE"
}

# -------------------------------------------------------------- registries

# Sets R_* for the plain ("reg") or password ("auth") registry.
load_registry() {
	R_KIND=$1
	if [[ $R_KIND == reg ]]; then
		R_DIR=$RIG_DIR/registry
		R_ADDR=$REG_ADDR
	else
		R_DIR=$RIG_DIR/auth-registry
		R_ADDR=$AUTH_ADDR
	fi
	R_CONFIG=$R_DIR/config.yml
	R_PIDFILE=$R_DIR/registry.pid
	R_LOG=$R_DIR/registry.log
}

auth_password() {
	local f=$RIG_DIR/auth-registry/password
	if [[ ! -s $f ]]; then
		mkdir -p "$(dirname "$f")"
		(
			umask 077
			printf '%s\n' "${PORTCALL_RIG_AUTH_PASSWORD:-$(openssl rand -hex 12)}" >"$f"
		)
	fi
	head -n1 "$f"
}

# bcrypt via libcrypt's crypt(3), reached through perl (Essential in
# Debian), because htpasswd (apache2-utils) is not installed by default and
# openssl passwd has no bcrypt. Low cost: the registry checks the hash on
# every request and a push makes dozens of them.
bcrypt_hash() {
	local salt
	salt=$(openssl rand -base64 16 | tr -d '=\n' | tr '+' '.')
	salt=${salt:0:21}. # last char '.': only its top bits count
	PW=$1 SALT=$salt perl -e '
		my $h = crypt($ENV{PW}, "\$2b\$06\$" . $ENV{SALT});
		die "crypt(3) has no bcrypt\n" unless defined $h && $h =~ /^\$2b\$/ && crypt($ENV{PW}, $h) eq $h;
		print $h, "\n";'
}

registry_answers() {
	local code
	if [[ $R_KIND == reg ]]; then
		code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "http://$R_ADDR/v2/" 2>/dev/null || true)
		[[ $code == 200 ]]
	else
		code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -u "$AUTH_USER:$(auth_password)" "http://$R_ADDR/v2/" 2>/dev/null || true)
		[[ $code == 200 ]]
	fi
}

registry_pid() {
	local pid
	if pid=$(pid_of "$R_PIDFILE" docker-registry); then
		echo "$pid"
		return 0
	fi
	return 1
}

start_registry() {
	local pid deadline pw secret code
	load_registry "$1"
	if registry_pid >/dev/null && registry_answers; then
		return 0
	fi
	if pid=$(registry_pid); then
		terminate 5 "$pid"
	fi
	code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "http://$R_ADDR/v2/" 2>/dev/null || true)
	[[ $code == 000 ]] || die "$R_ADDR already answers (HTTP $code) but not as this rig's registry; pick another PORTCALL_RIG_(AUTH_)REGISTRY_PORT"
	mkdir -p "$R_DIR/data"
	secret=$(openssl rand -hex 16)
	cat >"$R_CONFIG" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $R_DIR/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $R_ADDR
  secret: $secret
health:
  storagedriver:
    enabled: false
EOF
	if [[ $R_KIND == auth ]]; then
		pw=$(auth_password)
		if [[ ! -s $R_DIR/htpasswd ]]; then
			printf '%s:%s\n' "$AUTH_USER" "$(bcrypt_hash "$pw")" >"$R_DIR/htpasswd.tmp"
			mv "$R_DIR/htpasswd.tmp" "$R_DIR/htpasswd"
		fi
		cat >>"$R_CONFIG" <<EOF
auth:
  htpasswd:
    realm: portcall-rig
    path: $R_DIR/htpasswd
EOF
	fi
	say "registry $R_ADDR: starting"
	spawn "$R_LOG" docker-registry serve "$R_CONFIG"
	pid=$SPAWNED_PID
	echo "$pid" >"$R_PIDFILE"
	wait_until_answers registry_answers "$pid" "$R_LOG" "registry $R_ADDR"
}

stop_registry() {
	local pid
	load_registry "$1"
	if pid=$(registry_pid); then
		terminate 5 "$pid"
	fi
}

# -------------------------------------------------------------- mutual TLS

TLS_FILES=(ca.pem ca-key.pem server-cert.pem server-key.pem client-cert.pem client-key.pem
	rogue-ca.pem rogue-ca-key.pem rogue-cert.pem rogue-key.pem)
# Short-lived on purpose; ensure_tls renews them a day before they expire.
TLS_DAYS=30

# openssl without the system openssl.cnf: Debian's adds extensions of its
# own to `req -x509`, and these certificates must carry exactly ours.
ossl() { OPENSSL_CONF=/dev/null openssl "$@"; }

# An EC P-256 private key that only root can read.
new_key() { (umask 077 && ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"); }

# new_ca DIR NAME CN: self-signed CA as DIR/NAME.pem + DIR/NAME-key.pem
new_ca() {
	local dir=$1 name=$2 cn=$3
	new_key "$dir/$name-key.pem"
	ossl req -x509 -new -sha256 -key "$dir/$name-key.pem" -subj "/CN=$cn" -days "$TLS_DAYS" \
		-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/$name.pem"
}

# new_leaf DIR NAME CA CN EXTENSION...: DIR/NAME-cert.pem + DIR/NAME-key.pem,
# signed by DIR/CA.pem
new_leaf() {
	local dir=$1 name=$2 ca=$3 cn=$4 ext=$1/$2.ext
	shift 4
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "$@" >"$ext"
	new_key "$dir/$name-key.pem"
	ossl req -new -sha256 -key "$dir/$name-key.pem" -subj "/CN=$cn" -out "$dir/$name.csr"
	# a random serial: no serial file to keep, and no two certificates of one CA share one
	ossl x509 -req -sha256 -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca-key.pem" \
		-set_serial "0x$(openssl rand -hex 16)" -days "$TLS_DAYS" -extfile "$ext" \
		-out "$dir/$name-cert.pem" 2>/dev/null
	rm -f "$dir/$name.csr" "$ext"
}

# A dev rig can stay up for weeks: renew a day before anything expires. The
# date is kept in a file because asking openssl costs a fork per
# certificate on every `up` and `start`.
tls_complete() {
	local f renew
	for f in "${TLS_FILES[@]}" renew-after; do
		[[ -s $TLS_DIR/$f ]] || return 1
	done
	{ read -r renew <"$TLS_DIR/renew-after"; } 2>/dev/null || return 1
	[[ $renew =~ ^[0-9]+$ ]] && ((EPOCHSECONDS < renew))
}

# Made once per rig (renewed when about to expire): a CA, the server
# certificate of the TLS engine, a client certificate, and an unrelated
# "rogue" CA with a client certificate that the engine must refuse. Built
# aside and moved into place, so an interrupted run leaves no half set.
ensure_tls() {
	local tmp=$TLS_DIR.new
	if tls_complete; then return 0; fi
	say "generating TLS certificates in $TLS_DIR (valid $TLS_DAYS days)"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	new_ca "$tmp" ca "portcall-rig CA"
	new_leaf "$tmp" server ca "portcall-rig $TLS_DAEMON" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost"
	new_leaf "$tmp" client ca "portcall-rig client" "extendedKeyUsage=clientAuth"
	new_ca "$tmp" rogue-ca "portcall-rig rogue CA"
	new_leaf "$tmp" rogue rogue-ca "portcall-rig rogue client" "extendedKeyUsage=clientAuth"
	# (written last: its presence means the set is complete)
	echo $((EPOCHSECONDS + (TLS_DAYS - 1) * 86400)) >"$tmp/renew-after"
	rm -rf "$TLS_DIR"
	mv "$tmp" "$TLS_DIR"
}

# tls_get NAME: GET /_ping on the TLS listener with client certificate NAME
# (client, rogue) or none (""); prints the body.
tls_get() {
	local who=$1 cert=()
	if [[ -n $who ]]; then cert=(--cert "$TLS_DIR/$who-cert.pem" --key "$TLS_DIR/$who-key.pem"); fi
	"${CURL[@]}" --max-time 3 --cacert "$TLS_DIR/ca.pem" "${cert[@]}" "https://$TLS_ADDR/_ping" 2>/dev/null
}

tls_ping() { [[ $(tls_get client) == OK ]]; }

# The listener must also refuse what the tests expect it to refuse: a
# missing flag (--tlsverify) would otherwise only show up as odd test
# failures.
check_tls() {
	if [[ $(tls_get "" || true) == OK ]]; then die "$TLS_ADDR answers without a client certificate"; fi
	if [[ $(tls_get rogue || true) == OK ]]; then die "$TLS_ADDR accepts the rogue CA's client certificate"; fi
	tls_ping || die "$TLS_ADDR does not answer with the rig's client certificate"
}

# -------------------------------------------------------------------- sshd

SSHD=/usr/sbin/sshd
SSH_KEY=$SSH_DIR/id_ed25519
SSH_HOST_KEY=$SSH_DIR/ssh_host_ed25519_key
SSH_AUTHORIZED=$SSH_DIR/authorized_keys
SSH_KNOWN_HOSTS=$SSH_DIR/known_hosts
SSH_CONFIG=$SSH_DIR/sshd_config
SSH_PIDFILE=$SSH_DIR/sshd.pid
SSH_LOG=$SSH_DIR/sshd.log

# Host and client keys are made once per rig (ssh-keygen writes the pair;
# a pair left half-written by an interrupted run is made again).
ensure_ssh_keys() {
	local key comment
	mkdir -p "$SSH_DIR"
	for key in "$SSH_HOST_KEY" "$SSH_KEY"; do
		[[ -s $key && -s $key.pub ]] && continue
		comment=portcall-rig-client
		if [[ $key == "$SSH_HOST_KEY" ]]; then comment=portcall-rig-host; fi
		rm -f "$key" "$key.pub"
		ssh-keygen -q -t ed25519 -N '' -C "$comment" -f "$key" </dev/null
	done
	# Rewritten each time: cheap, and they follow the keys and the port.
	cat "$SSH_KEY.pub" >"$SSH_AUTHORIZED"
	printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")" >"$SSH_KNOWN_HOSTS"
}

host_key_fingerprint() {
	[[ -s $SSH_HOST_KEY.pub ]] || return 0
	ssh-keygen -lf "$SSH_HOST_KEY.pub" | awk '{print $2}'
}

# Where `docker` resolves in a session: the rig's CLI first (Debian's
# /usr/local/bin usually holds a newer static CLI that root's default PATH
# would find first).
remote_path() {
	local p=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
	case $DOCKER_CLI in
	/usr/bin/* | /usr/sbin/* | /bin/* | /sbin/*) ;;
	/*) p=${DOCKER_CLI%/*}:$p ;;
	esac
	echo "$p"
}

sshd_config_text() {
	cat <<EOF
# Written by scripts/rig.sh (portcall test rig); rewritten on every up.
# Only this file counts: sshd -f skips /etc/ssh/sshd_config and its includes.
ListenAddress $SSH_ADDR
AddressFamily inet
HostKey $SSH_HOST_KEY
PidFile $SSH_PIDFILE
AuthorizedKeysFile $SSH_AUTHORIZED
AllowUsers $SSH_USER
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
UsePAM no
# the state dir's modes are not sshd's business
StrictModes no
PermitUserEnvironment no
# root on the real host: sessions may run commands, nothing else
AllowTcpForwarding no
AllowStreamLocalForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
UseDNS no
# dockerode opens one SSH connection per request and portcall one channel
# per HTTP connection: parallel tests exceed the defaults (10 each)
MaxStartups 200
MaxSessions 100
LogLevel VERBOSE
# Sessions reach the engine through DOCKER_HOST. SHLVL=1 keeps bash (root's
# shell runs every command) from sourcing ~/.bashrc, which Debian's bash
# does for sshd sessions: whatever the machine's root dotfiles print or
# cost would otherwise land in every dial-stdio stream.
SetEnv DOCKER_HOST=unix://$RIG_DIR/$SSH_DAEMON/docker.sock PATH=$(remote_path) SHLVL=1
EOF
	# OpenSSH 9.8+ shuts out a source address after failed logins, and the
	# tests fail logins from 127.0.0.1 on purpose.
	if "$SSHD" -T -f /dev/null -o PerSourcePenalties=no >/dev/null 2>&1; then
		echo "PerSourcePenalties no"
	fi
}

sshd_pid() { pid_of "$SSH_PIDFILE" sshd; }

# ssh as the tests would, but immune to the caller's ~/.ssh, agent and
# known_hosts; bounded, since a stuck session must not stall `up`.
ssh_cmd() {
	timeout 20 env -u SSH_AUTH_SOCK ssh -F /dev/null -i "$SSH_KEY" -p "$SSH_PORT" \
		-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null \
		-o ConnectTimeout=5 -o LogLevel=ERROR "$SSH_USER@127.0.0.1" "$@"
}

# Cheaper than a login (~0.3 s here), for polling and `status`: our sshd
# sends its banner.
sshd_greets() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT" || exit 1
		read -r -t 3 line <&3 || exit 1
		[[ $line == SSH-2.0-* ]]
	) 2>/dev/null
}

# What dockerode and `docker -H ssh://` do: an HTTP request through `docker
# system dial-stdio` in a session. HTTP/1.0 makes the engine close the
# connection, which ends dial-stdio and the session.
ssh_dial_ping() {
	printf 'GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n' | ssh_cmd docker system dial-stdio 2>&1
}

check_ssh() {
	local out
	out=$(ssh_dial_ping || true)
	if [[ $(tail -n1 <<<"$out") != OK ]]; then
		echo "$out" | tail -n 5 >&2
		tail_log "$SSH_LOG"
		die "docker system dial-stdio over ssh://$SSH_USER@$SSH_ADDR did not reach $SSH_DAEMON"
	fi
}

# Pids below PID. sshd's per-connection children start sessions of their
# own, so they (and their dial-stdio) outlive a stopped listener unless
# stopped too.
descendants() {
	local p stat ppid pid changed=1
	local -A parent=() below=(["$1"]=1)
	for p in /proc/[0-9]*; do
		{ read -r stat <"$p/stat"; } 2>/dev/null || continue
		stat=${stat##*) }
		read -r _ ppid _ <<<"$stat"
		parent[${p#/proc/}]=$ppid
	done
	while ((changed)); do
		changed=0
		for pid in "${!parent[@]}"; do
			if [[ -z ${below[$pid]:-} && -n ${below[${parent[$pid]}]:-} ]]; then
				below[$pid]=1
				changed=1
				echo "$pid"
			fi
		done
	done
}

# This rig's sshd and its sessions, pidfile or not.
sshd_pids() {
	local pid
	for pid in $(pids_matching "$SSH_CONFIG"); do
		echo "$pid"
		descendants "$pid"
	done | awk '!seen[$0]++'
}

stop_sshd() {
	local pids
	mapfile -t pids < <(sshd_pids)
	if ((${#pids[@]})); then
		say "sshd $SSH_ADDR: stopping (pids ${pids[*]})"
		terminate 5 "${pids[@]}"
	fi
	rm -f "$SSH_PIDFILE"
}

start_sshd() {
	local pid t0 new=$SSH_CONFIG.new
	ensure_ssh_keys
	sshd_config_text >"$new"
	# (a running one gets its real test, a login, from check_ssh right after)
	if sshd_pid >/dev/null && cmp -s "$new" "$SSH_CONFIG" && sshd_greets; then
		rm -f "$new"
		return 0
	fi
	mv "$new" "$SSH_CONFIG"
	stop_sshd
	if port_open "$SSH_PORT"; then
		die "$SSH_ADDR is taken by something else; pick another PORTCALL_RIG_SSH_PORT"
	fi
	# The privilege separation dir, normally made by the ssh service. Shared
	# with any system sshd and other rigs, so `down` leaves it.
	[[ -d /run/sshd ]] || mkdir -m 0755 /run/sshd
	if ! "$SSHD" -t -f "$SSH_CONFIG" 2>>"$SSH_LOG"; then
		tail_log "$SSH_LOG"
		die "sshd rejects $SSH_CONFIG"
	fi
	say "sshd $SSH_ADDR: starting (sessions reach $SSH_DAEMON)"
	# sshd insists on an absolute path (it re-executes itself per connection)
	spawn "$SSH_LOG" "$SSHD" -D -e -f "$SSH_CONFIG"
	pid=$SPAWNED_PID
	t0=$(now)
	# (the banner, not a login: check_ssh logs in right after)
	wait_until_answers sshd_greets "$pid" "$SSH_LOG" "sshd $SSH_ADDR"
	say "sshd $SSH_ADDR: up in $((($(now) - t0) / 1000)) ms"
}

# ------------------------------------------------------------------ images

MANIFEST_V2=application/vnd.docker.distribution.manifest.v2+json

# Prints the manifest digest of $IMAGE_REPO:$2 in registry $1 (reg|auth).
manifest_digest() {
	local kind=$1 tag=$2 addr auth=()
	if [[ $kind == reg ]]; then
		addr=$REG_ADDR
	else
		addr=$AUTH_ADDR
		auth=(-u "$AUTH_USER:$(auth_password)")
	fi
	"${CURL[@]}" -f -I "${auth[@]}" -H "Accept: $MANIFEST_V2" \
		"http://$addr/v2/$IMAGE_REPO/manifests/$tag" 2>/dev/null |
		tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' || true
}

images_present() {
	local kind tag
	for kind in reg auth; do
		for tag in latest 1; do
			[[ -n $(manifest_digest "$kind" "$tag") ]] || return 1
		done
	done
}

# Build on the first engine, push everywhere, then delete it locally so the
# first use on any engine is a genuine pull.
build_images() {
	local builder=$1 ctx=$RIG_DIR/image-build t0 tags tag busybox out
	busybox=$(command -v busybox || true)
	[[ -x /bin/busybox ]] && busybox=/bin/busybox
	[[ -n $busybox ]] || die "busybox not found (apt-get install busybox-static)"
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked; the FROM scratch image needs busybox-static"
	fi
	t0=$(now)
	say "building $IMAGE_REPO on $builder"
	rm -rf "$ctx"
	mkdir -p "$ctx" "$DOCKER_CONFIG_DIR"
	cp "$busybox" "$ctx/busybox"
	cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
EOF
	tags=("$REG_ADDR/$IMAGE_REPO:latest" "$REG_ADDR/$IMAGE_REPO:1" "$AUTH_ADDR/$IMAGE_REPO:latest" "$AUTH_ADDR/$IMAGE_REPO:1")
	# Legacy builder: this engine's BuildKit needs buildx with newer CLIs,
	# and the classic builder needs nothing else.
	dcli "$builder" build -q --rm --force-rm "${tags[@]/#/--tag=}" "$ctx" >/dev/null
	# (output kept back: login warns about plain-text storage, which is the
	# point of a throwaway DOCKER_CONFIG)
	if ! out=$(auth_password | dcli "$builder" login -u "$AUTH_USER" --password-stdin "$AUTH_ADDR" 2>&1); then
		echo "$out" >&2
		die "docker login to $AUTH_ADDR failed"
	fi
	for tag in "${tags[@]}"; do
		dcli "$builder" push "$tag" >/dev/null
	done
	dcli "$builder" logout "$AUTH_ADDR" >/dev/null
	dcli "$builder" rmi "${tags[@]}" >/dev/null
	rm -rf "$ctx"
	say "images built and pushed in $((($(now) - t0) / 1000)) ms"
}

# ------------------------------------------------------------------- state

write_state() {
	local name first=1 tmp=$STATE_JSON.tmp digest
	digest=$(manifest_digest reg latest)
	{
		printf '{\n  "rigDir": %s,\n  "daemons": {' "$(json_str "$RIG_DIR")"
		for name in $(recorded_daemons); do
			load_daemon "$name"
			((first)) || printf ','
			first=0
			printf '\n    %s: {\n' "$(json_str "$name")"
			printf '      "socket": %s,\n' "$(json_str "$D_SOCK")"
			printf '      "dockerHost": %s,\n' "$(json_str "unix://$D_SOCK")"
			printf '      "bridge": %s,\n' "$(json_str "$D_BRIDGE")"
			printf '      "gateway": %s,\n' "$(json_str "$D_GATEWAY")"
			printf '      "subnet": %s,\n' "$(json_str "$D_SUBNET")"
			printf '      "pidfile": %s,\n' "$(json_str "$D_PIDFILE")"
			printf '      "dataRoot": %s,\n' "$(json_str "$D_DATA")"
			printf '      "execRoot": %s,\n' "$(json_str "$D_EXEC")"
			printf '      "log": %s\n    }' "$(json_str "$D_LOG")"
		done
		printf '\n  },\n'
		printf '  "storageDriver": %s,\n' "$(json_str "$(storage_driver)")"
		printf '  "registry": {"address": %s},\n' "$(json_str "$REG_ADDR")"
		printf '  "authRegistry": {"address": %s, "username": %s, "password": %s},\n' \
			"$(json_str "$AUTH_ADDR")" "$(json_str "$AUTH_USER")" "$(json_str "$(auth_password)")"
		printf '  "tls": {\n'
		printf '    "daemon": %s,\n' "$(json_str "$TLS_DAEMON")"
		printf '    "address": %s,\n' "$(json_str "$TLS_ADDR")"
		printf '    "url": %s,\n' "$(json_str "tcp://$TLS_ADDR")"
		printf '    "ca": %s,\n' "$(json_str "$TLS_DIR/ca.pem")"
		printf '    "cert": %s,\n' "$(json_str "$TLS_DIR/client-cert.pem")"
		printf '    "key": %s,\n' "$(json_str "$TLS_DIR/client-key.pem")"
		printf '    "serverCert": %s,\n' "$(json_str "$TLS_DIR/server-cert.pem")"
		printf '    "rogueCa": %s,\n' "$(json_str "$TLS_DIR/rogue-ca.pem")"
		printf '    "rogueCert": %s,\n' "$(json_str "$TLS_DIR/rogue-cert.pem")"
		printf '    "rogueKey": %s\n' "$(json_str "$TLS_DIR/rogue-key.pem")"
		printf '  },\n'
		printf '  "ssh": {\n'
		printf '    "daemon": %s,\n' "$(json_str "$SSH_DAEMON")"
		printf '    "address": %s,\n' "$(json_str "$SSH_ADDR")"
		printf '    "url": %s,\n' "$(json_str "ssh://$SSH_USER@$SSH_ADDR")"
		printf '    "user": %s,\n' "$(json_str "$SSH_USER")"
		printf '    "privateKey": %s,\n' "$(json_str "$SSH_KEY")"
		printf '    "publicKey": %s,\n' "$(json_str "$SSH_KEY.pub")"
		printf '    "hostPublicKey": %s,\n' "$(json_str "$SSH_HOST_KEY.pub")"
		printf '    "hostKeyFingerprint": %s,\n' "$(json_str "$(host_key_fingerprint)")"
		printf '    "knownHosts": %s\n' "$(json_str "$SSH_KNOWN_HOSTS")"
		printf '  },\n'
		printf '  "images": {\n'
		printf '    "busybox": %s,\n' "$(json_str "$REG_ADDR/$IMAGE_REPO:latest")"
		printf '    "busybox1": %s,\n' "$(json_str "$REG_ADDR/$IMAGE_REPO:1")"
		printf '    "busyboxAuth": %s,\n' "$(json_str "$AUTH_ADDR/$IMAGE_REPO:latest")"
		printf '    "busyboxDigest": %s\n' "$(json_str "$digest")"
		printf '  }\n}\n'
	} >"$tmp"
	mv "$tmp" "$STATE_JSON"
}

# True when every recorded engine and both registries answer.
all_up() {
	local name
	[[ -f $MARKER && -f $STATE_JSON ]] || return 1
	for name in $(recorded_daemons); do
		load_daemon "$name"
		if ! daemon_up; then
			echo "rig: $name is down" >&2
			return 1
		fi
	done
	for name in reg auth; do
		load_registry "$name"
		if ! registry_answers; then
			echo "rig: registry $R_ADDR is down" >&2
			return 1
		fi
	done
	# (the TLS listener is part of its engine's daemon_up)
	if ! sshd_pid >/dev/null || ! sshd_greets; then
		echo "rig: sshd $SSH_ADDR is down" >&2
		return 1
	fi
}

# ------------------------------------------------------------------ mounts

rig_mounts() {
	awk -v d="$RIG_DIR" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r
}

unmount_all() {
	local m pass mounts
	for pass in 1 2 3; do
		mapfile -t mounts < <(rig_mounts)
		((${#mounts[@]})) || return 0
		for m in "${mounts[@]}"; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
		: "$pass"
	done
	mapfile -t mounts < <(rig_mounts)
	((${#mounts[@]} == 0)) || die "could not unmount: ${mounts[*]}"
}

# Container processes live in cgroups named after the bridge (see
# --cgroup-parent); kill what is left there and remove the cgroup dirs.
remove_cgroups() {
	local br=$1 dirs d pids
	mapfile -t dirs < <(find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name "$br" 2>/dev/null)
	((${#dirs[@]})) || return 0
	for d in "${dirs[@]}"; do
		mapfile -t pids < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
		if ((${#pids[@]})); then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
	done
	sleep 0.1
	for d in "${dirs[@]}"; do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
}

remove_bridge() {
	local br=$1 ifs i
	ip link show dev "$br" >/dev/null 2>&1 || return 0
	# leftover veths would keep stale links to dead containers around
	mapfile -t ifs < <(ip -o link show master "$br" 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}')
	for i in "${ifs[@]}"; do
		if [[ -n $i ]]; then ip link del "$i" 2>/dev/null || true; fi
	done
	ip link del "$br" 2>/dev/null || true
}

# Bridges of user-defined networks (br-<id>) outlive their engine; ours are
# recognisable by an address from our net prefix.
remove_network_bridges() {
	local br
	while read -r br; do
		if [[ -n $br ]]; then remove_bridge "$br"; fi
	done < <(ip -o -4 addr show 2>/dev/null | awk -v p="$NET_PREFIX." '$2 ~ /^br-/ && index($4, p) == 1 {print $2}' | sort -u)
}

# ---------------------------------------------------------------- commands

# Records the transport settings on the first up (see TRANSPORTS_ENV).
save_transports() {
	local d ok_tls=0 ok_ssh=0
	for d in $(all_daemons); do
		if [[ $d == "$TLS_DAEMON" ]]; then ok_tls=1; fi
		if [[ $d == "$SSH_DAEMON" ]]; then ok_ssh=1; fi
	done
	((ok_tls && ok_ssh)) || die "TLS engine '$TLS_DAEMON' and SSH engine '$SSH_DAEMON' must be among: $(all_daemons | xargs)"
	[[ $TLS_PORT != "$SSH_PORT" ]] || die "TLS and SSH ports must differ"
	[[ -f $TRANSPORTS_ENV ]] && return 0
	printf 'TLS_PORT=%s\nTLS_DAEMON=%s\nSSH_PORT=%s\nSSH_DAEMON=%s\n' \
		"$TLS_PORT" "$TLS_DAEMON" "$SSH_PORT" "$SSH_DAEMON" >"$TRANSPORTS_ENV.tmp"
	mv "$TRANSPORTS_ENV.tmp" "$TRANSPORTS_ENV"
}

cmd_up() {
	local t0 name c first=""
	t0=$(now)
	[[ $(id -u) == 0 ]] || die "must run as root (bridges, mounts, dockerd)"
	for c in dockerd docker-registry ip curl openssl perl flock setsid timeout ssh ssh-keygen "$SSHD"; do
		command -v "$c" >/dev/null || die "$c not found; apt-get install $RIG_APT_PACKAGES"
	done
	if [[ -d $RIG_DIR && ! -f $MARKER ]] && [[ -n $(ls -A "$RIG_DIR") ]]; then
		die "$RIG_DIR exists, is not empty and is not a rig dir"
	fi
	mkdir -p "$RIG_DIR"
	lock
	touch "$MARKER"
	# state.json must only exist for a rig that came up completely
	UP_OK=0
	trap '[[ $UP_OK == 1 ]] || { rm -f "$STATE_JSON"; say "up failed; inspect $RIG_DIR, then run: $0 down"; }' EXIT
	save_transports
	start_registry reg
	start_registry auth
	for name in $(all_daemons); do
		start_daemon "$name"
		[[ -n $first ]] || first=$name
	done
	if ! images_present; then
		build_images "$first"
	fi
	start_sshd
	check_tls
	check_ssh
	write_state
	UP_OK=1
	say "up in $((($(now) - t0) / 1000)) ms"
	cat "$STATE_JSON"
}

cmd_down() {
	local name br kind pid ids pids=() bridges=()
	[[ $(id -u) == 0 ]] || die "must run as root"
	if [[ -d $RIG_DIR && ! -f $MARKER ]] && [[ -n $(ls -A "$RIG_DIR") ]]; then
		die "$RIG_DIR is not a rig dir; not removing it"
	fi
	lock
	rm -f "$STATE_JSON"
	for name in $(all_daemons); do
		load_daemon "$name"
		bridges+=("$D_BRIDGE")
		if daemon_up; then
			# Removing containers and networks through the engine is fast and
			# lets it tear down veths, netns mounts and user bridges itself.
			mapfile -t ids < <(dcli "$name" ps -aq 2>/dev/null)
			if ((${#ids[@]})); then dcli "$name" rm -f -v "${ids[@]}" >/dev/null 2>&1 || true; fi
			dcli "$name" network prune -f >/dev/null 2>&1 || true
		fi
		mapfile -t -O "${#pids[@]}" pids < <(dockerd_pids)
	done
	for kind in reg auth; do
		load_registry "$kind"
		if pid=$(registry_pid); then pids+=("$pid"); fi
	done
	mapfile -t -O "${#pids[@]}" pids < <(sshd_pids)
	# all at once: each dockerd takes about a second to shut down
	if ((${#pids[@]})); then
		say "stopping dockerd, registry and sshd pids ${pids[*]}"
		terminate "$STOP_WAIT" "${pids[@]}"
	fi
	stop_sshd
	for name in $(all_daemons); do
		stop_daemon "$name"
	done
	stop_leftovers "$RIG_DIR/"
	# docker-proxy's command line names container IPs, not our dir
	stop_leftovers "-container-ip $NET_PREFIX."
	for br in "${bridges[@]}"; do
		remove_cgroups "$br"
	done
	unmount_all
	for br in "${bridges[@]}"; do
		remove_bridge "$br"
	done
	remove_network_bridges
	# --one-file-system: never recurse into something still mounted
	rm -rf --one-file-system "$RIG_DIR"
	rm -f "$LOCK_FILE"
	say "down"
}

cmd_stop() {
	local name=${1:?usage: rig.sh stop NAME}
	[[ -f $RIG_DIR/$name/rig.env ]] || die "no daemon $name in $RIG_DIR"
	lock
	stop_daemon "$name"
}

cmd_start() {
	local name=${1:?usage: rig.sh start NAME}
	[[ -f $MARKER ]] || die "rig is not up ($RIG_DIR); run: $0 up"
	lock
	start_daemon "$name"
	# a daemon new to the rig belongs in state.json too
	if [[ -f $STATE_JSON ]]; then
		write_state
	fi
}

cmd_status() {
	if all_up; then
		cat "$STATE_JSON"
	else
		echo "rig: not up ($RIG_DIR)" >&2
		exit 1
	fi
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
stop) cmd_stop "${2:-}" ;;
start) cmd_start "${2:-}" ;;
status) cmd_status ;;
packages) echo "$RIG_APT_PACKAGES" ;;
*) usage ;;
esac
