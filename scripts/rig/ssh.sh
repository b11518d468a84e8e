# shellcheck shell=bash
# The private sshd on loopback whose sessions reach one engine (rig3 by
# default) through `docker system dial-stdio`: its host and client keys,
# its config (this file alone; the system's sshd_config is not read), and
# starting, checking and stopping it together with its sessions.

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
# The daemon's answer on stdout; what the CLI says on stderr is kept apart: once
# the answer is in, dial-stdio may still log a race of its own closing the
# socket ("error while CloseWrite"), which is no failure of the ping.
ssh_dial_ping() {
	printf 'GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n' | ssh_cmd docker system dial-stdio 2>"$1"
}

check_ssh() {
	local out err="$SSH_DIR/dial-stdio.err"
	out=$(ssh_dial_ping "$err" || true)
	if [[ $(tail -n1 <<<"$out") != OK ]]; then
		{ echo "$out"; cat "$err"; } | tail -n 5 >&2
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
