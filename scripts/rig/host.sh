# shellcheck shell=bash
# What the rig changes on the machine outside its state dir, and how it is
# undone: the engines' bridges (made by ensure_bridge), the br-* bridges of
# their user-defined networks, containers' cgroups, and the mounts under the
# state dir (all removed by `down`; cgroups also by `stop NAME`).

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

# Bridges of user-defined networks (br-<id>, and the swarm engine's
# docker_gwbridge) outlive their engine; ours are
# recognisable by an address from our net prefix.
remove_network_bridges() {
	local br
	while read -r br; do
		if [[ -n $br ]]; then remove_bridge "$br"; fi
	done < <(ip -o -4 addr show 2>/dev/null | awk -v p="$NET_PREFIX." '($2 ~ /^br-/ || $2 == "docker_gwbridge") && index($4, p) == 1 {print $2}' | sort -u)
}
