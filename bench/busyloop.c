/* busyloop: the busy program bench/record-fgraph traces in the 6.1 guest
 * under function_graph -F: N rounds of open/read/close and socket/close.
 * Built static so the guest needs no libc. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	char buf[256];

	for (long i = 0; i < n; i++) {
		int fd = open("/proc/self/stat", O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				return 1;
			close(fd);
		}
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0)
			close(s);
	}
	return 0;
}
