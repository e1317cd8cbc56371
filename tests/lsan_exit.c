// SPDX-License-Identifier: GPL-2.0
/*
 * The kselftest harness ends every test's process with _exit(), which
 * skips LeakSanitizer's check at exit: a test that leaked would pass.
 * tests/lib.mk links this into every C test built with AddressSanitizer,
 * with -Wl,--wrap=_exit, so that such a process runs the check first and
 * exits with a failure (KSFT_FAIL) when it finds a leak, after printing
 * the report.
 */
#include <sanitizer/lsan_interface.h>

void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	if (__lsan_do_recoverable_leak_check() && !status)
		status = 1;
	__real__exit(status);
}
