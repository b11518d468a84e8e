# shellcheck shell=bash
# The private Docker Engines (rig1, rig2, rig3 by default): what each one's
# bridge, subnet and directories are (recorded in NAME/rig.env at creation,
# so later runs agree), the storage driver, and starting, adopting and
# stopping a dockerd. The TLS listener's certificates are in tls.sh; the
# bridge itself and cgroup cleanup in host.sh.

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
	for d in $DAEMONS $SWARM_DAEMON; do names+=("$d"); done
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
