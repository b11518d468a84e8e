# shellcheck shell=bash
# The commands scripts/rig.sh dispatches to: up, down, stop NAME, start NAME,
# status, and the usage text (the header comment of scripts/rig.sh).

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
	ensure_swarm
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
