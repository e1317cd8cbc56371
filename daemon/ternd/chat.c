// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's messaging (chat.h): starting it, the directory jobs of the two
 * pumps, and what runs after a commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "dstore.h"
#include "tdir.h"
#include "ternd.h"

struct chat_job {
	struct dirw_job base;
	chat_done_fn done;
	unsigned int n;
	struct chat_target t[];
};

const char *chat_self(struct ternd *td)
{
	return td->conf.handle;
}

static void retry_fire(struct ev_timer *t)
{
	struct td_chat *c = (void *)((char *)t -
				     offsetof(struct td_chat, retry));

	chat_kick(c->td);
}

void chat_retry_later(struct ternd *td)
{
	struct td_chat *c = td->chat;

	if (c->stopping || ev_timer_armed(&c->retry))
		return;
	ev_timer_in(td->loop, &c->retry, backoff_next(&c->bo));
}

static void kick(struct ev_after *a)
{
	struct ternd *td = (void *)((char *)a - offsetof(struct ternd,
							 chat_after));

	if (!td->chat || td->chat->stopping)
		return;
	chat_recv_pump(td);
	chat_send_pump(td);
}

void chat_kick(struct ternd *td)
{
	if (td->chat)
		ev_after(td->loop, &td->chat_after);
}

void chat_committed(struct ternd *td)
{
	if (!td->chat)
		return;
	api_notify(td);
	/* Pushes the send pump added go out now. */
	if (td->chat->pushed) {
		td->chat->pushed = false;
		outbox_kick(td);
	}
}

void chat_rolled_back(struct ternd *td)
{
	if (td->chat)
		chat_retry_later(td);
}

static void job_run(struct dirw *w, struct dirw_job *base)
{
	struct chat_job *j = (struct chat_job *)base;
	struct chat_target *t;
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		t = &j->t[i];
		t->ret = dirw_lookup(w, t->handle, &t->r, t->err,
				     sizeof(t->err));
		if (!t->ret && t->claim && t->r.present)
			t->ret = dirw_claim(w, t->handle, &t->r, &t->c, t->err,
					    sizeof(t->err));
	}
}

static void job_done(struct ternd *td, struct dirw_job *base, bool cancelled)
{
	struct chat_job *j = (struct chat_job *)base;
	unsigned int i;

	for (i = 0; !cancelled && i < j->n; i++) {
		if (j->t[i].ret > 0)
			tdir_alarm(td, lookup_verdict_name(j->t[i].ret),
				   j->t[i].err);
		else if (!j->t[i].ret)
			tdir_cache_put(td->dir, j->t[i].handle, &j->t[i].r);
	}
	if (!td->chat->stopping)
		j->done(td, j->t, j->n, cancelled);
	free(j);
}

int chat_job(struct ternd *td, const struct chat_target *t, unsigned int n,
	     chat_done_fn done)
{
	struct chat_job *j;

	j = calloc(1, sizeof(*j) + n * sizeof(*t));
	if (!j)
		return -ENOMEM;
	j->base.run = job_run;
	j->base.done = job_done;
	j->done = done;
	j->n = n;
	memcpy(j->t, t, n * sizeof(*t));
	dirw_submit(td->dir->w, &j->base);
	return 0;
}

void chat_devices_changed(struct ternd *td)
{
	if (td->chat)
		resolve_cache_free(td->dir);
}

const struct tdir_cached *chat_cached(struct ternd *td, const char *handle)
{
	return tdir_cache_get(td->dir, handle, td->conf.lookup_cache_ms);
}

int chat_start(struct ternd *td, char *err, size_t errlen)
{
	struct td_chat *c;
	struct dkey k;
	int ret;

	if (!td->dir)
		return 0;
	ret = dstore_key_latest(td->ds, DSTORE_KEY_IDENTITY, &k);
	if (ret) {
		snprintf(err, errlen, "the identity key: %s",
			 ret == -ENOENT ? "missing" : dstore_error(td->ds));
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->td = td;
	memcpy(c->me.ik.priv, k.priv, sizeof(k.priv));
	memcpy(c->me.ik.pub, k.pub, sizeof(k.pub));
	e2e_wipe(&k, sizeof(k));
	c->retry.fn = retry_fire;
	c->bo = (struct backoff)BACKOFF_INIT(CHAT_RETRY_BASE_MS,
					     CHAT_RETRY_CAP_MS);
	c->api_fd = -1;
	td->chat = c;
	td->chat_after.fn = kick;
	ret = dstore_chat_rev(td->ds, &c->rev);
	if (ret) {
		snprintf(err, errlen, "%s", dstore_error(td->ds));
		goto fail;
	}
	ret = api_open(td, err, errlen);
	if (ret)
		goto fail;
	chat_kick(td);
	return 0;
fail:
	td->chat = NULL;
	e2e_wipe(c, sizeof(*c));
	free(c);
	return ret;
}

void chat_stop(struct ternd *td)
{
	struct td_chat *c = td->chat;

	if (!c)
		return;
	c->stopping = true;
	ev_timer_stop(td->loop, &c->retry);
	api_close(td);
}

void chat_free(struct ternd *td)
{
	if (!td->chat)
		return;
	e2e_wipe(td->chat, sizeof(*td->chat));
	free(td->chat);
	td->chat = NULL;
}
