/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark ran on, as seen from inside: kernel, CPUs, memory,
 * clock source, and whether the CPU is QEMU's emulated one (TCG).
 */
#ifndef TERN_BENCH_SYSINFO_H
#define TERN_BENCH_SYSINFO_H

#include <stdbool.h>

#include "json.h"

bool bench_emulated(void);
/* Write the "machine" object's members. */
void bench_sysinfo_json(struct json *j);

#endif /* TERN_BENCH_SYSINFO_H */
