# The guest's jobs for kstep objects (tests/vm/test-vm-objects.py): the socket
# and fdtable plans over three kinds of socket, a plan naming a field this kernel's BTF
# lacks, and the guest's BTF for the host's bpftool (the offsets oracle).
# The checks need whole recordings: a guest starved by a loaded host can
# overrun its ring buffers, so a recording that lost events is made again
# (up to 3 times; each lossy try's output is kept as NAME.tryN.out).
cd /tmp
rec() {
	name=$1
	shift
	try=1
	while :; do
		kstep record "$@" -o /out/$name.kstep.dat -- /usr/bin/socket_kinds > /out/$name.out 2>&1
		rc=$?
		grep -q " 0 lost" /out/$name.out && break
		[ $try -ge 3 ] && break
		mv /out/$name.out /out/$name.try$try.out
		try=$((try + 1))
	done
	echo "kstep record exit $rc" >> /out/$name.out
}
rec kinds --plan socket --plan fdtable
rec bogus --plan /bogus.plan
cat /sys/kernel/btf/vmlinux > /out/vmlinux.btf
rec fprobe --plan /fprobe-objects.plan
