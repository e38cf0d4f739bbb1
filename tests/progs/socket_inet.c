/* The action kstep's socket plan is about: one socket(AF_INET, SOCK_STREAM, 0). */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	printf("socket(AF_INET, SOCK_STREAM, 0) = %d\n", fd);
	fflush(stdout);
	return fd < 0;
}
