/* The second kind of the proof fixtures: one socket(AF_INET6, SOCK_DGRAM, 0). */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	printf("socket(AF_INET6, SOCK_DGRAM, 0) = %d\n", fd);
	fflush(stdout);
	return fd < 0;
}
