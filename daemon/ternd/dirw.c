// SPDX-License-Identifier: GPL-2.0
/*
 * The directory worker (tdir.h): one thread, a queue of jobs in, a queue
 * of finished jobs out, and an eventfd that wakes the loop for them.
 * libcurl blocks for as long as a request takes (up to DIRC_TIMEOUT_S);
 * here that stalls only this thread, never the gateway connection. One
 * thread keeps the requests in order, which the newest-head bookkeeping
 * relies on, and reuses one libcurl handle (its connection stays open).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "claim.h"
#include "client.h"
#include "ident.h"
#include "tdir.h"
#include "ternd.h"

struct dirw {
	struct ternd *td;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dirw_job *todo, **todo_tail;
	struct dirw_job *done, **done_tail;
	bool stop;			/* under mu */
	atomic_bool cancel;		/* read by libcurl's progress callback */
	int efd;
	struct ev_fd ev;

	/* The worker's own. */
	CURL *curl;
	struct lookup_pins pins;
	EVP_PKEY *akey, *dkey;
	uint8_t apub[32];

	/* Under mu: the newest verified head. */
	struct kt_sth seen;
	bool have_seen, seen_new;
};

bool dirw_cancelled(void *arg)
{
	struct dirw *w = arg;

	return atomic_load(&w->cancel);
}

const uint8_t *dirw_account_pub(struct dirw *w)
{
	return w->apub;
}

int dirw_lookup(struct dirw *w, const char *handle, struct lookup_result *r,
		char *err, size_t errlen)
{
	const struct td_conf *c = &w->td->conf;
	struct kt_sth seen;
	bool have;
	int ret;

	pthread_mutex_lock(&w->mu);
	seen = w->seen;
	have = w->have_seen;
	pthread_mutex_unlock(&w->mu);
	ret = dirc_lookup(w->curl, c->dir_url, c->dir_ca, &w->pins, handle,
			  have ? &seen : NULL, ev_wall_ms(), dirw_cancelled, w,
			  r, err, errlen);
	if (ret)
		return ret;
	pthread_mutex_lock(&w->mu);
	if (!w->have_seen || r->head.size > w->seen.size ||
	    (r->head.size == w->seen.size &&
	     r->head.timestamp_ms > w->seen.timestamp_ms)) {
		w->seen = r->head;
		w->have_seen = true;
		w->seen_new = true;
	}
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int dirw_claim(struct dirw *w, const char *handle,
	       const struct lookup_result *lr, struct claim_result *out,
	       char *err, size_t errlen)
{
	const struct td_conf *c = &w->td->conf;

	return dirc_claim(w->curl, c->dir_url, c->dir_ca, w->dkey, c->handle,
			  w->td->device_id, handle, lr, ev_wall_ms(),
			  dirw_cancelled, w, out, err, errlen);
}

int dirw_change(struct dirw *w, const char *method, const char *path,
		json_t *payload, bool device, json_t **answer, long *status,
		char *err, size_t errlen)
{
	const struct td_conf *c = &w->td->conf;
	char *body = dirc_envelope(device ? w->dkey : w->akey, payload);
	struct dirc_answer a;
	int ret;

	if (status)
		*status = 0;
	if (!body) {
		snprintf(err, errlen, "cannot sign the request");
		return -ENOMEM;
	}
	ret = dirc_request(w->curl, c->dir_url, c->dir_ca, method, path, body,
			   strlen(body), dirw_cancelled, w, &a, err, errlen);
	free(body);
	if (status)
		*status = a.status;
	if (ret)
		return ret;
	if (answer) {
		*answer = json_loadb(a.buf, a.len, 0, NULL);
		if (!*answer) {
			snprintf(err, errlen, "%s: the answer is not JSON",
				 c->dir_url);
			ret = -EPROTO;
		}
	}
	dirc_answer_free(&a);
	return ret;
}

static void *worker(void *arg)
{
	struct dirw *w = arg;
	struct dirw_job *j;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		j = w->todo;
		if (!j) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		w->todo = j->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->mu);

		if (!atomic_load(&w->cancel))
			j->run(w, j);

		pthread_mutex_lock(&w->mu);
		j->next = NULL;
		*w->done_tail = j;
		w->done_tail = &j->next;
		pthread_mutex_unlock(&w->mu);
		if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			abort();	/* an eventfd write cannot fail so */
	}
}

static void finish(struct dirw *w, bool cancelled)
{
	struct dirw_job *j, *next;

	pthread_mutex_lock(&w->mu);
	j = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->mu);
	for (; j; j = next) {
		next = j->next;
		j->done(w->td, j, cancelled);
	}
}

static void on_done(struct ev_fd *ev, uint32_t events)
{
	struct dirw *w = (void *)((char *)ev - offsetof(struct dirw, ev));
	uint64_t n;

	(void)events;
	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	finish(w, false);
	tdir_note_head(w->td);
}

int dirw_new_head(struct dirw *w, struct kt_sth *h)
{
	int ret = 0;

	pthread_mutex_lock(&w->mu);
	if (w->seen_new) {
		*h = w->seen;
		w->seen_new = false;
		ret = 1;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

void dirw_submit(struct dirw *w, struct dirw_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void dirw_free(struct dirw *w)
{
	if (w->efd >= 0)
		close(w->efd);
	curl_easy_cleanup(w->curl);
	EVP_PKEY_free(w->akey);
	EVP_PKEY_free(w->dkey);
	dirc_pins_free(&w->pins);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* The pinned keys move to the worker, which owns them from here on. */
int dirw_start(struct ternd *td, const struct lookup_pins *pins,
	       const struct kt_sth *seen, struct dirw **out, char *err,
	       size_t errlen)
{
	struct dirw *w = calloc(1, sizeof(*w));
	int ret;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	w->td = td;
	w->efd = -1;
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->pins = *pins;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (seen) {
		w->seen = *seen;
		w->have_seen = true;
	}
	w->curl = curl_easy_init();
	w->akey = EVP_PKEY_dup(td->akey);
	w->dkey = EVP_PKEY_dup(td->dkey);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!w->curl || !w->akey || !w->dkey || w->efd < 0 ||
	    ident_pub(w->akey, w->apub)) {
		snprintf(err, errlen, "cannot set up the directory client");
		ret = -ENOMEM;
		goto fail;
	}
	w->ev.fn = on_done;
	ret = ev_fd_add(td->loop, &w->ev, w->efd, EPOLLIN);
	if (ret) {
		snprintf(err, errlen, "event loop: %s", strerror(-ret));
		goto fail;
	}
	ret = -pthread_create(&w->thread, NULL, worker, w);
	if (ret) {
		ev_fd_del(td->loop, &w->ev);
		snprintf(err, errlen, "cannot start a thread: %s",
			 strerror(-ret));
		goto fail;
	}
	*out = w;
	return 0;
fail:
	dirw_free(w);
	return ret;
}

void dirw_stop(struct dirw *w)
{
	struct dirw_job *j, *next;

	if (!w)
		return;
	atomic_store(&w->cancel, true);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	j = w->todo;
	w->todo = NULL;
	w->todo_tail = &w->todo;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	ev_fd_del(w->td->loop, &w->ev);
	finish(w, true);
	for (; j; j = next) {
		next = j->next;
		j->done(w->td, j, true);
	}
	tdir_note_head(w->td);		/* the last head seen is kept */
	dirw_free(w);
}
