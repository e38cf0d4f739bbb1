/* socket() with an address family the kernel does not have (45): libc
 * returns -1 and sets errno from the system call's -EAFNOSUPPORT. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

int main(void)
{
	int fd = socket(45, SOCK_STREAM, 0);
	int e = errno;

	printf("socket(45, SOCK_STREAM, 0) = %d errno %d\n", fd, e);
	fflush(stdout);
	return 0;
}
