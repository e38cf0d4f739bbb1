# The jobs every guest runs (sh, in /out's parent): kstep's capability
# report, the socket plan recorded by kstep, and the same program recorded
# by trace-cmd as a reference for kstep's writer.
cd /tmp
kstep caps > /out/caps.txt 2>&1
kstep caps --json > /out/caps.json 2>&1
kstep record --plan socket -o /out/socket.kstep.dat -- /usr/bin/socket_inet > /out/socket.kstep.out 2>&1
echo "kstep record exit $?" >> /out/socket.kstep.out
kstep record --plan /fprobe.plan -o /out/fprobe.kstep.dat -- /usr/bin/socket_inet > /out/fprobe.kstep.out 2>&1
echo "kstep record exit $?" >> /out/fprobe.kstep.out
ls /sys/kernel/tracing/instances > /out/after-instances
cat /sys/kernel/tracing/kprobe_events /sys/kernel/tracing/uprobe_events > /out/after-probes
cat /sys/kernel/tracing/current_tracer > /out/after-tracer
trace-cmd record -q -b 16384 -p function_graph -g __x64_sys_socket -e syscalls:sys_enter_socket \
	-e syscalls:sys_exit_socket -o /out/socket.tracecmd.dat -F /usr/bin/socket_inet \
	> /out/socket.tracecmd.out 2>&1
echo "trace-cmd record exit $?" >> /out/socket.tracecmd.out
