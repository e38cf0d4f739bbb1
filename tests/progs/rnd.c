/* Fills argv[1] bytes from getrandom(2, GRND_INSECURE: no wait for entropy
 * at boot) in one call: CPU work long enough
 * inside one traced syscall for timer interrupts to land in it. */
#include <stdlib.h>
#include <sys/random.h>

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? (size_t)atol(argv[1]) : 65536;
	char *buf = malloc(n);

	return !buf || getrandom(buf, n, GRND_INSECURE) != (ssize_t)n;
}
