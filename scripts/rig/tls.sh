# shellcheck shell=bash
# Mutual TLS for the engine that also listens on loopback TCP (rig2 by
# default): a CA, its server and client certificates, and a rogue CA with a
# client certificate the engine must refuse; made once per rig in
# $RIG_DIR/tls, renewed a day before they expire, and checked from outside.

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
