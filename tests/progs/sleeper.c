/* Opens a socket, then sleeps argv[1] seconds (for Ctrl-C and attach tests). */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sleep(argc > 1 ? (unsigned)atoi(argv[1]) : 5);
	return fd < 0;
}
