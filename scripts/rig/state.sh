# shellcheck shell=bash
# state.json, the one thing tests read about the rig (its shape is
# RigState in test/support/rig-state.ts), and the check that everything it
# describes still answers (`status`, and `up`'s callers via all_up).

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
		if [[ -n $SWARM_DAEMON ]]; then
			printf '  "swarm": {"daemon": %s},\n' "$(json_str "$SWARM_DAEMON")"
		else
			printf '  "swarm": null,\n'
		fi
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
	if [[ -n $SWARM_DAEMON && $(swarm_state) != "active true" ]]; then
		echo "rig: $SWARM_DAEMON is not a swarm manager" >&2
		return 1
	fi
	if ! sshd_pid >/dev/null || ! sshd_greets; then
		echo "rig: sshd $SSH_ADDR is down" >&2
		return 1
	fi
}
