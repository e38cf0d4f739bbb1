/*
 * Names itself with a newline and an escape byte (prctl(PR_SET_NAME): any
 * process may), then calls socket() + close(): the reader must keep such a
 * comm as data and the text output must escape it. argv[1] is the name
 * (default "odd\nname\x1b[7m", 14 bytes).
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "odd\nname\x1b[7m";
	int fd;

	if (prctl(PR_SET_NAME, name, 0, 0, 0)) {
		perror("prctl");
		return 1;
	}
	/* a switch away and back, so the tracer saves the new comm */
	usleep(1000);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	close(fd);
	printf("socket() = %d as a task with an odd name\n", fd);
	return 0;
}
