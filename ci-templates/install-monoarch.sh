#!/bin/sh
# Puts a monoarch binary at $MONOARCH_ROOT/bin/monoarch, used by both CI templates
# (the GitHub action setup-monoarch and the GitLab job monoarch-binary).
#
#   1. Reuse: the binary already there was installed from exactly these settings.
#   2. Download the release tarball for this machine's architecture from
#      $MONOARCH_URL/releases/download/v$MONOARCH_VERSION/, verify its SHA-256
#      against the pin, install. A checksum mismatch stops here (exit 1):
#      nothing is installed and nothing is compiled.
#   3. No pin for this architecture, or the file is missing or unreachable: compile
#      with `cargo install --locked --git $MONOARCH_URL` at $MONOARCH_REV (default:
#      the tag v$MONOARCH_VERSION), unless MONOARCH_COMPILE=never. In Alpine, the
#      build dependencies are added with apk first.
#
# Settings (environment):
#   MONOARCH_VERSION         required, e.g. 0.1.0
#   MONOARCH_URL             release and git base URL (default https://github.com/monoarch/monoarch)
#   MONOARCH_SHA256_X86_64   SHA-256 of monoarch-$VERSION-x86_64-unknown-linux-musl.tar.gz
#   MONOARCH_SHA256_AARCH64  SHA-256 of monoarch-$VERSION-aarch64-unknown-linux-musl.tar.gz
#   MONOARCH_REV             git commit (or tag) for the compile fallback
#   MONOARCH_ROOT            install root (default .monoarch); the binary is $MONOARCH_ROOT/bin/monoarch
#   MONOARCH_COMPILE         auto (default) or never
set -eu

say() { printf 'install-monoarch: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

version="${MONOARCH_VERSION:-}"
[ -n "$version" ] || die "MONOARCH_VERSION is not set; set it to the monoarch release to install, e.g. 0.1.0"
base="${MONOARCH_URL:-https://github.com/monoarch/monoarch}"
base="${base%/}"
root="${MONOARCH_ROOT:-.monoarch}"
compile="${MONOARCH_COMPILE:-auto}"
rev="${MONOARCH_REV:-}"

case "$(uname -m)" in
x86_64 | amd64)
	target=x86_64-unknown-linux-musl
	pin="${MONOARCH_SHA256_X86_64:-}"
	;;
aarch64 | arm64)
	target=aarch64-unknown-linux-musl
	pin="${MONOARCH_SHA256_AARCH64:-}"
	;;
*)
	target=""
	pin=""
	;;
esac
asset="monoarch-$version-$target.tar.gz"
url="$base/releases/download/v$version/$asset"
if [ -n "$rev" ]; then
	source_line="git $base rev $rev"
else
	source_line="git $base tag v$version"
fi
if [ -n "$pin" ]; then
	wanted="download $url sha256:$pin"
else
	wanted="$source_line"
fi

bin="$root/bin/monoarch"
stamp="$root/installed-from"
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
	say "reusing $bin ($wanted)"
	"$bin" --version
	exit 0
fi

mkdir -p "$root/bin"
work="$(mktemp -d "$root/.install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d' ' -f1
	else
		die "neither sha256sum nor shasum is installed: cannot verify $1"
	fi
}

# Downloads $1 to $2; non-zero when the file is missing or the host unreachable.
fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl --fail --silent --show-error --location --retry 2 \
			--connect-timeout 20 --max-time 300 --output "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 60 -O "$2" "$1"
	else
		say "neither curl nor wget is installed"
		return 1
	fi
}

# The binary must run here and be the version asked for.
check_version() {
	reported="$("$1" --version 2>/dev/null || true)"
	case "$reported" in
	"monoarch $version") ;;
	*) die "$2 reports \`${reported:-nothing}\`, expected \`monoarch $version\`; nothing installed" ;;
	esac
}

install_binary() {
	chmod 755 "$1"
	mv -f "$1" "$bin"
	printf '%s\n' "$wanted" >"$stamp"
}

if [ -z "$target" ]; then
	say "no release binary for $(uname -m); compiling"
elif [ -z "$pin" ]; then
	say "no SHA-256 pinned for $target (set MONOARCH_SHA256_$(printf '%s' "${target%%-*}" | tr '[:lower:]' '[:upper:]'); the templates attached to a release carry the pins); compiling"
elif fetch "$url" "$work/$asset"; then
	got="$(sha256_of "$work/$asset")"
	if [ "$got" != "$pin" ]; then
		die "checksum mismatch for $url: expected sha256 $pin, got $got. Refusing to install it; nothing was installed. Check MONOARCH_URL and the pinned MONOARCH_SHA256_* values against the release's SHA256SUMS."
	fi
	mkdir "$work/unpacked"
	tar -xzf "$work/$asset" -C "$work/unpacked" || die "$asset (checksum ok) is not a readable tar.gz"
	found="$(find "$work/unpacked" -type f -name monoarch | head -n 1)"
	[ -n "$found" ] || die "$asset (checksum ok) holds no \`monoarch\` binary"
	check_version "$found" "the binary in $asset"
	install_binary "$found"
	say "installed $bin from $url (sha256 $got)"
	"$bin" --version
	exit 0
else
	say "could not download $url (missing, or the host is unreachable); compiling"
fi

[ "$compile" != never ] || die "MONOARCH_COMPILE=never: not compiling. Pin the release checksums or make $url reachable."
if command -v apk >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	# Alpine (the templates' Rust image): what a static build with vendored OpenSSL needs.
	apk add --no-cache musl-dev perl make linux-headers >&2
fi
command -v cargo >/dev/null 2>&1 || die "cargo is not installed, so monoarch cannot be compiled from $source_line. Run this job in an image with Rust (the templates' MONOARCH_RUST_IMAGE), or pin the release checksums so the binary is downloaded."
if [ -n "$rev" ]; then
	set -- --rev "$rev"
else
	set -- --tag "v$version"
fi
say "cargo install --locked --git $base $* monoarch"
cargo install --locked --root "$work/cargo" --git "$base" "$@" monoarch
check_version "$work/cargo/bin/monoarch" "the compiled binary"
install_binary "$work/cargo/bin/monoarch"
say "installed $bin, compiled from $source_line"
"$bin" --version
