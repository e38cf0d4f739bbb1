/* Three socket() calls of three kinds, for kstep objects: each line the program
 * prints (family, type, protocol, fd) is the test's oracle for that call. */
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct {
	const char *name;
	int family, type, protocol;
} kinds[] = {
	{ "AF_INET SOCK_STREAM", AF_INET, SOCK_STREAM, 0 },
	{ "AF_INET6 SOCK_DGRAM", AF_INET6, SOCK_DGRAM, 0 },
	{ "AF_UNIX SOCK_STREAM", AF_UNIX, SOCK_STREAM, 0 },
};

int main(void)
{
	int bad = 0;

	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int fd = socket(kinds[i].family, kinds[i].type, kinds[i].protocol);

		printf("socket %s family=%d type=%d protocol=%d fd=%d\n", kinds[i].name, kinds[i].family,
		       kinds[i].type, kinds[i].protocol, fd);
		bad |= fd < 0;
	}
	fflush(stdout);
	return bad;
}
