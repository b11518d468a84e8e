# shellcheck shell=bash
# The swarm engine (rig4 by default, PORTCALL_RIG_SWARM_DAEMON; empty for
# none): a single-node Swarm manager of its own, so that services and their
# task containers never show up in the lists of the engines other tests
# count. Everything Swarm listens on is bound to loopback: the control plane
# (2377) and gossip (7946, on the listen address). The routing mesh's
# `ingress` overlay is removed: its VXLAN socket (4789) is the kernel's, on
# every address whatever --data-path-addr says, and the mesh needs the
# iptables rules the rig's engines never write. Services publish in host
# mode, or not at all. Overlay subnets come from a range of the rig's net
# prefix no bridge or engine pool uses.

SWARM_POOL=$NET_PREFIX.64.0/20

swarm_state() {
	dcli "$SWARM_DAEMON" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null
}

# Idempotent: a daemon that already manages a swarm is left as it is.
ensure_swarm() {
	local state
	[[ -n $SWARM_DAEMON ]] || return 0
	state=$(swarm_state)
	if [[ $state == "active true" ]]; then
		drop_ingress
		return 0
	fi
	if [[ $state != "inactive false" ]]; then
		say "$SWARM_DAEMON: swarm state '$state'; leaving it to start afresh"
		dcli "$SWARM_DAEMON" swarm leave --force >/dev/null 2>&1 || true
	fi
	say "$SWARM_DAEMON: initialising a single-node swarm on 127.0.0.1"
	dcli "$SWARM_DAEMON" swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 \
		--data-path-addr 127.0.0.1 --default-addr-pool "$SWARM_POOL" \
		--default-addr-pool-mask-length 24 >/dev/null
	[[ $(swarm_state) == "active true" ]] || die "$SWARM_DAEMON: swarm init left it as '$(swarm_state)'"
	drop_ingress
}

drop_ingress() {
	dcli "$SWARM_DAEMON" network inspect ingress >/dev/null 2>&1 || return 0
	say "$SWARM_DAEMON: removing the ingress network (no VXLAN socket on 0.0.0.0:4789)"
	echo y | dcli "$SWARM_DAEMON" network rm ingress >/dev/null
}
