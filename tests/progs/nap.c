/* Calls nap(argv[1] microseconds) once: kstep diff's timing test traces nap
 * with a uprobe and a uretprobe and compares a short and a long variant. */
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int nap(unsigned us)
{
	return usleep(us);
}

int main(int argc, char **argv)
{
	return nap(argc > 1 ? (unsigned)atoi(argv[1]) : 1000) != 0;
}
