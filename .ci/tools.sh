# shellcheck shell=bash
# The release tools, pinned here and nowhere else: `make release-check`
# (.ci/release-check) and the real release (.ci/release, run by the release
# workflow) both source this file. Each tool is built from the Go module
# proxy with the project's Go and kept in a per-version cache folder, so a
# second run costs nothing.
#
#   goreleaser      builds, archives, packages, checksums, signs, publishes.
#                   v2.15.4: v2.15.0 rewrote checksums.txt after signing it
#                   (the signature then verified as BAD); v2.18+ needs Go 1.27.
#   cosign          signs checksums.txt (keyless in the release workflow, a
#                   throwaway key in release-check) and verifies it.
#   cyclonedx-gomod writes a CycloneDX SBOM of the binary in each archive
#                   (.ci/sbom), from the module list Go embeds in it.
GORELEASER_MODULE=github.com/goreleaser/goreleaser/v2
GORELEASER_VERSION=v2.15.4
COSIGN_MODULE=github.com/sigstore/cosign/v3/cmd/cosign
COSIGN_VERSION=v3.1.3
CYCLONEDX_GOMOD_MODULE=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
CYCLONEDX_GOMOD_VERSION=v1.10.0

# release_tools: installs (when missing) and puts on PATH every tool above.
release_tools() {
	local cache="${XDG_CACHE_HOME:-$HOME/.cache}/dbtok-ci"
	local spec name module version dir start
	for spec in \
		"goreleaser $GORELEASER_MODULE $GORELEASER_VERSION" \
		"cosign $COSIGN_MODULE $COSIGN_VERSION" \
		"cyclonedx-gomod $CYCLONEDX_GOMOD_MODULE $CYCLONEDX_GOMOD_VERSION"; do
		read -r name module version <<<"$spec"
		dir="$cache/$name-$version"
		if [ ! -x "$dir/$name" ]; then
			echo "installing $name $version into $dir"
			start=$SECONDS
			# -trimpath and no cgo make the tool's binary the same on every
			# machine with this Go: cyclonedx-gomod records its own hash in
			# every SBOM, which must not depend on where it was built.
			GOBIN="$dir" CGO_ENABLED=0 go install -trimpath "$module@$version"
			echo "installed $name $version in $((SECONDS - start)) s"
		fi
		PATH="$dir:$PATH"
	done
	export PATH
	goreleaser --version 2>/dev/null | grep -q "${GORELEASER_VERSION#v}" ||
		{ echo "goreleaser on PATH is not $GORELEASER_VERSION" >&2; return 1; }
}
