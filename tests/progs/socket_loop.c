/* N times socket() + close(): the recorder's loss test (argv[1] = N). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, i, failed = 0;

	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			failed++;
		else
			close(fd);
	}
	printf("%ld socket()+close(), %ld failed\n", n, failed);
	return failed != 0;
}
