/* A traced command that crashes after its action (the recorder must still
 * clean up and record the signal). */
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)fd;
	raise(SIGSEGV);
	return 0;
}
