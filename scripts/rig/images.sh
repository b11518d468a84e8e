# shellcheck shell=bash
# The busybox test image: built FROM scratch on the first engine, pushed to
# both registries as :latest and :1, then removed from that engine, so the
# first use on any engine is a real pull.

MANIFEST_V2=application/vnd.docker.distribution.manifest.v2+json

# Prints the manifest digest of $IMAGE_REPO:$2 in registry $1 (reg|auth).
manifest_digest() {
	local kind=$1 tag=$2 addr auth=()
	if [[ $kind == reg ]]; then
		addr=$REG_ADDR
	else
		addr=$AUTH_ADDR
		auth=(-u "$AUTH_USER:$(auth_password)")
	fi
	"${CURL[@]}" -f -I "${auth[@]}" -H "Accept: $MANIFEST_V2" \
		"http://$addr/v2/$IMAGE_REPO/manifests/$tag" 2>/dev/null |
		tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' || true
}

images_present() {
	local kind tag
	for kind in reg auth; do
		for tag in latest 1; do
			[[ -n $(manifest_digest "$kind" "$tag") ]] || return 1
		done
	done
}

# Build on the first engine, push everywhere, then delete it locally so the
# first use on any engine is a genuine pull.
build_images() {
	local builder=$1 ctx=$RIG_DIR/image-build t0 tags tag busybox out
	busybox=$(command -v busybox || true)
	[[ -x /bin/busybox ]] && busybox=/bin/busybox
	[[ -n $busybox ]] || die "busybox not found (apt-get install busybox-static)"
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked; the FROM scratch image needs busybox-static"
	fi
	t0=$(now)
	say "building $IMAGE_REPO on $builder"
	rm -rf "$ctx"
	mkdir -p "$ctx" "$DOCKER_CONFIG_DIR"
	cp "$busybox" "$ctx/busybox"
	cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
EOF
	tags=("$REG_ADDR/$IMAGE_REPO:latest" "$REG_ADDR/$IMAGE_REPO:1" "$AUTH_ADDR/$IMAGE_REPO:latest" "$AUTH_ADDR/$IMAGE_REPO:1")
	# Legacy builder: this engine's BuildKit needs buildx with newer CLIs,
	# and the classic builder needs nothing else.
	dcli "$builder" build -q --rm --force-rm "${tags[@]/#/--tag=}" "$ctx" >/dev/null
	# (output kept back: login warns about plain-text storage, which is the
	# point of a throwaway DOCKER_CONFIG)
	if ! out=$(auth_password | dcli "$builder" login -u "$AUTH_USER" --password-stdin "$AUTH_ADDR" 2>&1); then
		echo "$out" >&2
		die "docker login to $AUTH_ADDR failed"
	fi
	for tag in "${tags[@]}"; do
		dcli "$builder" push "$tag" >/dev/null
	done
	dcli "$builder" logout "$AUTH_ADDR" >/dev/null
	dcli "$builder" rmi "${tags[@]}" >/dev/null
	rm -rf "$ctx"
	say "images built and pushed in $((($(now) - t0) / 1000)) ms"
}
