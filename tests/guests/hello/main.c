/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hello: the smallest test. It prints a line and passes; the "many guests at once"
 * system test boots several of these side by side.
 */
#include "framework.h"

void test_main(void)
{
    printf("Hello from a Petrel test guest (%s mode)\n", mode_name);
}
