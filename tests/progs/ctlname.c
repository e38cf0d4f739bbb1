/* Gives itself a comm with terminal control bytes (ESC, BEL; with argv[1]
 * "nl" also a newline; with "utf8" invalid UTF-8 bytes, 0xff 0xfe, instead)
 * through prctl(PR_SET_NAME), then passes a string with
 * control bytes to greet(), which a uprobe reads: the live escaping test
 * checks that no such byte reaches kstep's text output raw. */
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

__attribute__((noinline)) int greet(const char *s)
{
	__asm__ volatile("" : : "r"(s) : "memory");
	return (int)strlen(s);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 && !strcmp(argv[1], "nl") ? "c\033[31m\a\nq"
			   : argc > 1 && !strcmp(argv[1], "utf8") ? "c\377\376\033q"
								  : "c\033[31m\aq";

	prctl(PR_SET_NAME, name);
	/* the syscall the step log is about, made under the new name */
	getppid();
	return greet("s\033]0;title\a\r\bz") == 0;
}
