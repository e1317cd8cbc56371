// SPDX-License-Identifier: GPL-2.0
/*
 * The load generator, reader's side (see gen.h): fork, commands, CPU time.
 *
 * Commands are single bytes on a pipe: 'S' starts sending, 'Q' stops. When
 * the pipe closes the generator exits, closing its ends of the pairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "gen.h"
#include "pairs.h"

int bench_gen_spawn(struct bench_gen *g, const struct bench_opts *o,
		    int *client, int *server, unsigned int n)
{
	int pfd[2], status;

	g->pid = -1;
	g->cmd_fd = -1;
	g->shsize = sizeof(*g->sh) + n * sizeof(g->sh->sent[0]);
	g->sh = mmap(NULL, g->shsize, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g->sh == MAP_FAILED) {
		g->sh = NULL;
		return -errno;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;

	g->pid = fork();
	if (g->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (g->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[1]);
		bench_close_all(server, n);
		status = bench_gen_child(o, client, pfd[0], g->sh);
		_exit(status);
	}
	close(pfd[0]);
	g->cmd_fd = pfd[1];
	if (clock_getcpuclockid(g->pid, &g->clk))
		return -errno;
	return 0;
}

static int bench_gen_cmd(struct bench_gen *g, char c)
{
	ssize_t n;

	do {
		n = write(g->cmd_fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -EPIPE;
}

int bench_gen_start(struct bench_gen *g)
{
	return bench_gen_cmd(g, 'S');
}

int bench_gen_stop(struct bench_gen *g)
{
	return bench_gen_cmd(g, 'Q');
}

bool bench_gen_done(const struct bench_gen *g)
{
	return atomic_load_explicit(&g->sh->done, memory_order_acquire);
}

uint64_t bench_gen_cpu_ns(const struct bench_gen *g)
{
	struct timespec ts;

	if (clock_gettime(g->clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int bench_gen_reap(struct bench_gen *g)
{
	int status = 0;
	pid_t r;

	if (g->cmd_fd >= 0)
		close(g->cmd_fd);
	g->cmd_fd = -1;
	if (g->pid > 0) {
		do {
			r = waitpid(g->pid, &status, 0);
		} while (r < 0 && errno == EINTR);
		g->pid = -1;
		if (r < 0)
			return -errno;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

void bench_gen_free(struct bench_gen *g)
{
	if (g->sh)
		munmap(g->sh, g->shsize);
	g->sh = NULL;
}
