/* Fixture for tests/debugger/test-dwarf.c, compiled at test time with
 * -O2 -g: two levels of forced inlining and a real recursion. */
#include <stdio.h>
#include <stdlib.h>

volatile int fixture_sink;

static inline __attribute__((always_inline)) int
fixture_leaf(int x)
{
	fixture_sink = x;
	return x * 3 + (x >> 2);
}

static inline __attribute__((always_inline)) int
fixture_middle(int x)
{
	int r = fixture_leaf(x + 1);

	if (r & 1)
		r += fixture_leaf(r);
	return r;
}

/* The store after the call keeps it from becoming a loop. */
__attribute__((noinline)) int
fixture_recurse(int n)
{
	int r;

	if (n <= 0)
		return fixture_middle(n);
	r = fixture_recurse(n - 1);
	fixture_sink = r;
	return r + fixture_middle(n);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;

	printf("%d\n", fixture_recurse(n) + fixture_middle(argc));
	return 0;
}
