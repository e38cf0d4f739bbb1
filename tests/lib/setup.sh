# setup.sh - shared by ./run-demo and ./run-tests: install what is missing
# (Debian 12, as root) and build kstep. Sourced, not run.

KSTEP_PACKAGES="build-essential autoconf automake libtool pkg-config gcc clang make
 libtraceevent-dev libtracefs-dev libdw-dev libelf-dev libbpf-dev
 libzstd-dev libcmocka-dev libdebuginfod-dev debuginfod trace-cmd python3 zstd elfutils binutils
 mandoc man-db graphviz bash-completion zsh python3-jsonschema"
# What the real-kernel test hosts need (tests/vm): qemu, a static busybox for
# the initramfs, cpio, kmod (modinfo/modules.dep), xz for 6.12's modules.
KSTEP_VM_PACKAGES="qemu-system-x86 busybox-static cpio kmod xz-utils"

say() { printf '%s\n' "$*" >&2; }

# Installs the packages kstep needs that are not installed yet.
kstep_install_deps() {
	local missing="" p
	for p in $KSTEP_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	# npm installs DuckDB for the JSON-lines test (tests/views/test-jsonl-duckdb.py);
	# a node.js that brings its own npm is kept
	command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "run-tests: missing packages:$missing; run as root (or install them) first"
		return 1
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || return 1
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || return 1
}

# Creates ./configure (and the automake helpers, tap-driver.sh among them).
kstep_bootstrap() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; return 1; }
	fi
	if [ ! -f build-aux/tap-driver.sh ]; then
		cp "$(ls -d /usr/share/automake-*/ | sort -V | tail -n1)tap-driver.sh" build-aux/ || return 1
	fi
}

# kstep_build DIR [configure args]: configures (once) and builds in DIR.
kstep_build() {
	local dir=$1
	shift
	mkdir -p "$dir" || return 1
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && ../configure -q "$@") || return 1
	fi
	make -s -C "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; return 1; }
}
