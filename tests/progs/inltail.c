/*
 * inltail: built with gcc -O2 -g, twice() is inlined into main and calls
 * leaf() twice from there, and hop() ends in a tail call (a jmp) to last().
 * The DWARF test first checks that the compiler really did both.
 */
#include <stdlib.h>

__attribute__((noinline)) int leaf(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x * 3;
}

__attribute__((noinline)) int last(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 7;
}

static inline int twice(int x)
{
	return leaf(x) + leaf(x + 1);
}

__attribute__((noinline)) int hop(int x)
{
	__asm__ volatile("" : "+r"(x));
	return last(x * 2);
}

int main(int argc, char **argv)
{
	int r = twice(argc);

	(void)argv;
	r += hop(argc);
	return r == 12345;
}
