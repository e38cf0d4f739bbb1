/* socket() with no descriptor left: RLIMIT_NOFILE 3 while 0, 1 and 2 are
 * open, so the kernel's get_unused_fd_flags fails with -EMFILE (-24) and
 * socket() returns -1 with errno EMFILE. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>

int main(void)
{
	struct rlimit rl = { 3, 3 };
	int fd, e;

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("setrlimit");
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	e = errno;
	printf("RLIMIT_NOFILE 3: socket(AF_INET, SOCK_STREAM, 0) = %d errno %d\n", fd, e);
	fflush(stdout);
	return 0;
}
