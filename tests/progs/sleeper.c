/* Opens a socket, says so on stdout, then sleeps argv[1] seconds (for
 * Ctrl-C and attach tests: a test waits for the line, not for a time). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	printf("socket = %d\n", fd);
	fflush(stdout);
	sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 5);
	return fd < 0;
}
