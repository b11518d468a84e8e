# shellcheck shell=bash
# The two registries on loopback: a plain one and one behind a password
# (htpasswd, bcrypt). Each gets its own config, data dir, pidfile and log
# under the state dir; the password is made once and kept for the rig's
# lifetime.

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
