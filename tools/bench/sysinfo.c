// SPDX-License-Identifier: GPL-2.0
/*
 * Machine description (see sysinfo.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "sysinfo.h"

/* The value of the first "@key<spaces>: value" line of @path. */
static bool bench_field(const char *path, const char *key, char *out,
			size_t size)
{
	char line[512], *colon, *end;
	size_t klen = strlen(key);
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) ||
		    (line[klen] != ' ' && line[klen] != '\t' &&
		     line[klen] != ':'))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		end = colon + strcspn(colon, "\n");
		*end = '\0';
		snprintf(out, size, "%s", colon);
		found = true;
	}
	fclose(f);
	return found;
}

static void bench_first_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, size, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

bool bench_emulated(void)
{
	char model[256];

	return bench_field("/proc/cpuinfo", "model name", model,
			   sizeof(model)) && strstr(model, "QEMU TCG");
}

void bench_sysinfo_json(struct json *j)
{
	char buf[256];
	struct utsname u;

	if (!uname(&u)) {
		json_kv_str(j, "kernel", u.release);
		json_kv_str(j, "kernel_version", u.version);
		json_kv_str(j, "arch", u.machine);
	}
	if (bench_field("/proc/cpuinfo", "model name", buf, sizeof(buf)))
		json_kv_str(j, "cpu_model", buf);
	json_kv_u64(j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	if (bench_field("/proc/meminfo", "MemTotal", buf, sizeof(buf)))
		json_kv_str(j, "mem_total", buf);
	bench_first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			 buf, sizeof(buf));
	if (buf[0])
		json_kv_str(j, "clocksource", buf);
	json_kv_bool(j, "emulated_cpu_tcg", bench_emulated());
}
