/* tests/console/test-layout.c - console/tui/layout.c: at 80x24, 120x40
 * and 200x60 every visible pane lies inside the screen, none overlaps,
 * together they cover it, each is big enough to hold a border and a row;
 * small screens share slots by focus; compare mode shows the relation
 * pane; below 80x24 there is only a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "console/tui/layout.h"

static void
check_geometry(const struct layout *l, int cols, int rows)
{
	static int owner[300][300];
	int p, y, x, covered = 0;

	assert_true(cols <= 300 && rows <= 300);
	for (y = 0; y < rows; y++)
		for (x = 0; x < cols; x++)
			owner[y][x] = -1;
	for (p = 0; p < PANE_COUNT; p++) {
		const struct layout_rect *r = &l->pane[p];

		if (!r->visible)
			continue;
		assert_true(r->y >= 0 && r->x >= 0);
		assert_true(r->y + r->h <= rows);
		assert_true(r->x + r->w <= cols);
		if (p == PANE_STATUS || p == PANE_CMDLINE) {
			assert_int_equal(r->h, 1);
			assert_int_equal(r->w, cols);
		} else {
			assert_true(r->h >= 3);
			assert_true(r->w >= 12);
		}
		for (y = r->y; y < r->y + r->h; y++)
			for (x = r->x; x < r->x + r->w; x++) {
				assert_int_equal(owner[y][x], -1);
				owner[y][x] = p;
				covered++;
				assert_int_equal(layout_pane_at(l, y, x), p);
			}
	}
	assert_int_equal(covered, cols * rows);
	assert_int_equal(l->pane[PANE_CMDLINE].y, rows - 1);
	assert_int_equal(l->pane[PANE_STATUS].y, rows - 2);
}

static struct layout
lay(int cols, int rows, enum pane focus, bool compare)
{
	struct layout_in in = { cols, rows, focus, compare };
	struct layout l;

	layout_compute(&in, &l);
	return l;
}

static void
test_layout__80x24_degrades_to_shared_slots(void **state)
{
	struct layout l = lay(80, 24, PANE_TREE, false);

	(void)state;
	assert_int_equal(l.cls, LAYOUT_SMALL);
	check_geometry(&l, 80, 24);
	assert_true(l.pane[PANE_TREE].visible);
	assert_true(l.pane[PANE_BT].visible);
	assert_true(l.pane[PANE_SOURCE].visible);
	assert_true(l.pane[PANE_OUTPUT].visible);
	assert_false(l.pane[PANE_THREADS].visible);
	assert_false(l.pane[PANE_REGS].visible);
	assert_false(l.pane[PANE_RELATION].visible);
	/* Focus brings a hidden pane into its slot. */
	l = lay(80, 24, PANE_REGS, false);
	check_geometry(&l, 80, 24);
	assert_true(l.pane[PANE_REGS].visible);
	assert_false(l.pane[PANE_SOURCE].visible);
	l = lay(80, 24, PANE_THREADS, false);
	check_geometry(&l, 80, 24);
	assert_true(l.pane[PANE_THREADS].visible);
	assert_false(l.pane[PANE_TREE].visible);
}

static void
test_layout__120x40_shows_every_pane(void **state)
{
	struct layout l = lay(120, 40, PANE_TREE, false);
	int p;

	(void)state;
	assert_int_equal(l.cls, LAYOUT_MEDIUM);
	check_geometry(&l, 120, 40);
	for (p = 0; p < PANE_COUNT; p++)
		assert_true(l.pane[p].visible == (p != PANE_RELATION));
}

static void
test_layout__200x60_is_large(void **state)
{
	struct layout l = lay(200, 60, PANE_BT, false);

	(void)state;
	assert_int_equal(l.cls, LAYOUT_LARGE);
	check_geometry(&l, 200, 60);
	assert_true(l.pane[PANE_BT].w > 100);
	assert_true(l.pane[PANE_OUTPUT].h > 6);
}

static void
test_layout__compare_replaces_target_panes(void **state)
{
	static const int sizes[][2] = { { 80, 24 }, { 120, 40 },
					{ 200, 60 }, { 100, 30 } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct layout l = lay(sizes[i][0], sizes[i][1],
				      PANE_RELATION, true);

		check_geometry(&l, sizes[i][0], sizes[i][1]);
		assert_true(l.pane[PANE_RELATION].visible);
		assert_false(l.pane[PANE_BT].visible);
		assert_false(l.pane[PANE_SOURCE].visible);
		assert_true(l.pane[PANE_RELATION].w >= 60);
	}
}

static void
test_layout__every_size_from_80x24_is_sane(void **state)
{
	int c, r, f;

	(void)state;
	for (c = 80; c <= 260; c += 7)
		for (r = 24; r <= 90; r += 5)
			for (f = 0; f < PANE_STATUS; f++) {
				struct layout l = lay(c, r, (enum pane)f,
						      f == PANE_RELATION);

				assert_int_not_equal(l.cls,
						     LAYOUT_TOO_SMALL);
				check_geometry(&l, c, r);
			}
}

static void
test_layout__tiny_is_a_message(void **state)
{
	static const int sizes[][2] = { { 79, 24 }, { 80, 23 }, { 40, 10 },
					{ 0, 0 }, { -3, 5 } };
	size_t i;
	int p;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct layout l = lay(sizes[i][0], sizes[i][1], PANE_TREE,
				      false);

		assert_int_equal(l.cls, LAYOUT_TOO_SMALL);
		assert_non_null(strstr(l.message, "too small"));
		assert_non_null(strstr(l.message, "80x24"));
		for (p = 0; p < PANE_COUNT; p++)
			assert_false(l.pane[p].visible);
	}
	assert_string_equal(lay(40, 10, PANE_TREE, false).message,
			    "terminal too small: 40x10 (need 80x24)");
}

static void
test_layout__names_round_trip(void **state)
{
	int p;

	(void)state;
	for (p = 0; p < PANE_COUNT; p++)
		assert_int_equal(layout_pane_lookup(layout_pane_name(p)), p);
	assert_int_equal(layout_pane_lookup("nope"), PANE_COUNT);
	assert_string_equal(layout_pane_title(PANE_TREE), "Cluster");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout__80x24_degrades_to_shared_slots),
		cmocka_unit_test(test_layout__120x40_shows_every_pane),
		cmocka_unit_test(test_layout__200x60_is_large),
		cmocka_unit_test(test_layout__compare_replaces_target_panes),
		cmocka_unit_test(test_layout__every_size_from_80x24_is_sane),
		cmocka_unit_test(test_layout__tiny_is_a_message),
		cmocka_unit_test(test_layout__names_round_trip),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("console/layout", tests, NULL,
					   NULL);
}
