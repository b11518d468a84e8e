#!/usr/bin/env bash
# The Debian packages the whole test suite needs, in one place for `npm test` (which checks them before it
# starts anything) and `.ci/run` (which installs them): the rig's own list, chromium for the browser test of
# /docs (playwright-core drives it; it downloads no browser of its own), postgresql for the store tests (they
# start a cluster of their own), jq for the README's walk (its examples pipe answers through it),
# docker-compose for the image test's run of compose.yaml (Debian has no `docker compose` plugin).
#
#   scripts/test-packages.sh list      all of them, on one line
#   scripts/test-packages.sh missing   those not installed, on one line (empty when none); exit 3 when this
#                                      is no Debian system (no dpkg-query), so nothing can be told
#   scripts/test-packages.sh install   installs the missing ones (as root), without starting their services
set -euo pipefail
cd "$(dirname "$0")/.."

list() {
	echo "$(bash scripts/rig.sh packages) chromium postgresql jq docker-compose"
}

missing() {
	command -v dpkg-query >/dev/null || exit 3
	local package absent=()
	for package in $(list); do
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || absent+=("$package")
	done
	echo "${absent[*]}"
}

install() {
	local absent
	absent=$(missing)
	[[ -n $absent ]] || return 0
	[[ $(id -u) == 0 ]] || { echo "test-packages: installing $absent needs root" >&2; exit 1; }
	echo "test-packages: installing $absent"
	# Packages must not start their system services (a dockerd on /var/run/docker.sock, an sshd on 0.0.0.0:22):
	# the tests run their own, on loopback only.
	local blocker=/usr/sbin/policy-rc.d
	if [[ ! -e $blocker ]]; then
		# removed again however apt-get ends
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
		printf '#!/bin/sh\nexit 101\n' >"$blocker" && chmod +x "$blocker"
	fi
	apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $absent >/dev/null
}

case ${1:-} in
list) list ;;
missing) missing ;;
install) install ;;
*)
	echo "usage: $0 list|missing|install" >&2
	exit 2
	;;
esac
