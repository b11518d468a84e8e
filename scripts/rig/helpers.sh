# shellcheck shell=bash
# shellcheck disable=SC2034 # (SPAWNED_PID is read by the callers of spawn)
# Helpers every part uses: the rig lock, starting a fully detached process,
# telling live processes from zombies and reused pids, finding the rig's
# processes without pidfiles, bounded stop and start waits, and two one-line
# probes (a JSON string, an open port).

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
