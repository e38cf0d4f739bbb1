# The guest's jobs for kstep objects (tests/vm/test-vm-objects.py): the socket
# plan over three kinds of socket, a plan naming a field this kernel's BTF
# lacks, and the guest's BTF for the host's bpftool (the offsets oracle).
cd /tmp
kstep record --plan socket -o /out/kinds.kstep.dat -- /usr/bin/socket_kinds > /out/kinds.out 2>&1
echo "kstep record exit $?" >> /out/kinds.out
kstep record --plan /bogus.plan -o /out/bogus.kstep.dat -- /usr/bin/socket_kinds > /out/bogus.out 2>&1
echo "kstep record exit $?" >> /out/bogus.out
cat /sys/kernel/btf/vmlinux > /out/vmlinux.btf
kstep record --plan /fprobe-objects.plan -o /out/fprobe.kstep.dat -- /usr/bin/socket_kinds > /out/fprobe.out 2>&1
echo "kstep record exit $?" >> /out/fprobe.out
