// SPDX-License-Identifier: GPL-2.0
/*
 * Window samples (see measure.h).
 *
 * The kernel threads are found by name in /proc: tern.ko's work queue is
 * WQ_HIGHPRI, so its items run in the per-CPU highpri pools, whose workers
 * are named kworker/<cpu>:<n>H. Their run time comes from
 * /proc/<pid>/schedstat (ns). A worker that exits inside the window takes
 * its time with it, so this figure is a lower bound; the system-wide one
 * from /proc/stat is not affected.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "measure.h"

static int bench_read_stat(struct bench_cpu *c)
{
	unsigned long long v[8] = { 0 }, ctxt = 0;
	double tick = 1e9 / (double)sysconf(_SC_CLK_TCK);
	char line[512];
	FILE *f;
	int n = 0;

	f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	c->ncpus = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3]))
			c->ncpus++;
		else if (!strncmp(line, "cpu ", 4))
			n = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu",
				   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
				   &v[6], &v[7]);
		else if (!strncmp(line, "ctxt ", 5))
			sscanf(line + 5, "%llu", &ctxt);
	}
	fclose(f);
	if (n < 7)
		return -EIO;
	c->user = v[0] * tick;
	c->nice = v[1] * tick;
	c->system = v[2] * tick;
	c->idle = v[3] * tick;
	c->iowait = v[4] * tick;
	c->irq = v[5] * tick;
	c->softirq = v[6] * tick;
	c->steal = v[7] * tick;
	c->ctxt = ctxt;
	return 0;
}

/* Run time of kernel thread @pid if its name starts with @prefix. */
static uint64_t bench_kthread_ns(const char *pid, const char *prefix,
				 bool highpri)
{
	unsigned long long ns = 0;
	char path[64], comm[64];
	const char *colon;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	if (strncmp(comm, prefix, strlen(prefix)))
		return 0;
	if (highpri) {
		/* kworker/1:2H or kworker/1:2H-tern */
		colon = strchr(comm, ':');
		if (!colon)
			return 0;
		colon++;
		while (isdigit((unsigned char)*colon))
			colon++;
		if (*colon != 'H')
			return 0;
	}

	snprintf(path, sizeof(path), "/proc/%s/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static void bench_kthreads(struct bench_sample *s)
{
	struct dirent *d;
	DIR *dir;

	s->kworker_hi_ns = 0;
	s->ksoftirqd_ns = 0;
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		s->kworker_hi_ns += bench_kthread_ns(d->d_name, "kworker/",
						     true);
		s->ksoftirqd_ns += bench_kthread_ns(d->d_name, "ksoftirqd/",
						    false);
	}
	closedir(dir);
}

uint64_t bench_busy_ns(const struct bench_sample *a,
		       const struct bench_sample *b)
{
	uint64_t all = (b->t_ns - a->t_ns) * b->cpu.ncpus;
	uint64_t idle = b->cpu.idle + b->cpu.iowait - a->cpu.idle -
			a->cpu.iowait;

	return all > idle ? all - idle : 0;
}

int bench_sample_take(struct bench_sample *s, const struct bench_reader *r,
		      const struct bench_gen *g, bool start)
{
	struct rusage ru;
	int err;

	/* The scan of /proc takes a while: keep it out of the window. */
	if (start)
		bench_kthreads(s);
	s->gen_ns = bench_gen_cpu_ns(g);
	err = bench_read_stat(&s->cpu);
	if (err)
		return err;
	s->t_ns = bench_now_ns();
	getrusage(RUSAGE_SELF, &ru);
	s->reader_sys_ns = ru.ru_stime.tv_sec * 1000000000ull +
			   ru.ru_stime.tv_usec * 1000ull;
	s->reader_ns = s->reader_sys_ns + ru.ru_utime.tv_sec * 1000000000ull +
		       ru.ru_utime.tv_usec * 1000ull;
	s->frames = r->frames;
	s->sparse = r->sparse_frames;
	s->heavy = r->heavy_frames;
	s->wakeups = r->wakeups;
	s->batches = r->batches;
	s->requests = r->requests;
	s->request_ns = r->request_ns;
	s->request_cpu_ns = r->request_cpu_ns;
	s->request_vcsw = r->request_vcsw;
	s->request_ivcsw = r->request_ivcsw;
	if (!start)
		bench_kthreads(s);
	return 0;
}
