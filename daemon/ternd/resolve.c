// SPDX-License-Identifier: GPL-2.0
/*
 * Handles resolved for local clients (tdir.h): each answer is checked
 * with every proof on the worker, kept in a small cache for
 * --lookup-cache, and sent to the client that asked. An answer that does
 * not verify is an alarm, for the client and in ternd's status; a client
 * that leaves before its answer comes only misses the answer, which is
 * still cached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.pb-c.h"
#include "handle.h"
#include "tdir.h"
#include "ternd.h"

static void cache_put(struct td_dir *d, const char *handle,
		      const struct tdir_cached *v);

struct resolve_job {
	struct dirw_job base;
	struct resolve_job *next;	/* td_dir.lookups */
	struct ctl_client *client;	/* NULL: gone */
	char handle[256];
	struct lookup_result r;
	int ret;
	char err[512];
};

static struct tdir_cached *cache_find(struct td_dir *d, const char *handle)
{
	unsigned int i;

	for (i = 0; i < TDIR_CACHE_MAX; i++)
		if (d->cache[i] && !strcmp(d->cache[i]->handle, handle))
			return d->cache[i];
	return NULL;
}

/* Keep of a verified answer what a client is told. */
static void summarise(const struct lookup_result *r, struct tdir_cached *v)
{
	unsigned int i;

	memset(v, 0, sizeof(*v));
	v->present = r->present;
	if (r->present)
		v->entry = r->entry;
	for (i = 0; i < v->entry.ndev && i < ENTRY_MAX_DEVICES; i++)
		if (r->signed_prekey[i].set)
			v->spk_id[i] = r->signed_prekey[i].id;
	v->head = r->head;
}

const struct tdir_cached *tdir_cache_get(struct td_dir *d,
					 const char *handle,
					 uint64_t max_age_ms)
{
	const struct tdir_cached *c = cache_find(d, handle);

	return c && ev_now_ms() - c->at_ms < max_age_ms ? c : NULL;
}

void tdir_cache_put(struct td_dir *d, const char *handle,
		    const struct lookup_result *r)
{
	struct tdir_cached v;

	summarise(r, &v);
	cache_put(d, handle, &v);
}

static void cache_put(struct td_dir *d, const char *handle,
		      const struct tdir_cached *v)
{
	struct tdir_cached *c = cache_find(d, handle);
	unsigned int i, slot = 0;

	if (!c) {
		for (i = 0; i < TDIR_CACHE_MAX; i++) {
			if (!d->cache[i]) {
				slot = i;
				break;
			}
			if (d->cache[i]->at_ms < d->cache[slot]->at_ms)
				slot = i;
		}
		c = d->cache[slot];
		if (!c) {
			c = malloc(sizeof(*c));
			if (!c)
				return;
			d->cache[slot] = c;
		}
	}
	*c = *v;
	snprintf(c->handle, sizeof(c->handle), "%s", handle);
	c->at_ms = ev_now_ms();
}

void resolve_cache_free(struct td_dir *d)
{
	unsigned int i;

	for (i = 0; i < TDIR_CACHE_MAX; i++) {
		free(d->cache[i]);
		d->cache[i] = NULL;
	}
}

static void reply(struct ctl_client *c, const struct tdir_cached *r,
		  bool cached, uint64_t age_ms)
{
	Tern__CtlDevice dev[ENTRY_MAX_DEVICES], *pdev[ENTRY_MAX_DEVICES];
	Tern__CtlLookupReply lr = TERN__CTL_LOOKUP_REPLY__INIT;
	unsigned int i, n = r->present ? r->entry.ndev : 0;

	lr.present = r->present;
	for (i = 0; i < n && i < ENTRY_MAX_DEVICES; i++) {
		const struct entry_device *e = &r->entry.dev[i];

		tern__ctl_device__init(&dev[i]);
		dev[i].device_id = wire_bytes(e->id, ENTRY_ID_LEN);
		dev[i].identity_key = wire_bytes(e->identity_key,
						 ENTRY_KEY_LEN);
		dev[i].identity_x25519 = wire_bytes(e->identity_x25519,
						    ENTRY_KEY_LEN);
		dev[i].push_token = wire_bytes(e->push_token,
					       ENTRY_TOKEN_LEN);
		dev[i].signed_prekey_id = r->spk_id[i];
		pdev[i] = &dev[i];
	}
	if (r->present) {
		lr.account_key = wire_bytes(r->entry.account_key,
					    ENTRY_KEY_LEN);
		lr.seq = r->entry.seq;
		lr.n_devices = i;
		lr.devices = pdev;
	}
	lr.head_size = r->head.size;
	lr.head_ms = r->head.timestamp_ms;
	lr.cached = cached;
	lr.age_ms = age_ms;
	ctl_lookup_reply(c, &lr, 0, NULL);
}

static void resolve_run(struct dirw *w, struct dirw_job *base)
{
	struct resolve_job *j = (struct resolve_job *)base;

	j->ret = dirw_lookup(w, j->handle, &j->r, j->err, sizeof(j->err));
}

static void resolve_done(struct ternd *td, struct dirw_job *base,
			 bool cancelled)
{
	struct resolve_job *j = (struct resolve_job *)base, **pp;
	struct td_dir *d = td->dir;
	struct tdir_cached v;
	char msg[600];

	for (pp = &d->lookups; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	}
	if (cancelled) {
		if (j->client)
			ctl_lookup_reply(j->client, NULL, -ECANCELED,
					 "ternd is stopping");
	} else if (j->ret > 0) {
		tdir_alarm(td, lookup_verdict_name(j->ret), j->err);
		snprintf(msg, sizeof(msg), "ALARM: %s: %s",
			 lookup_verdict_name(j->ret), j->err);
		if (j->client)
			ctl_lookup_reply(j->client, NULL, -EBADMSG, msg);
	} else if (j->ret) {
		if (j->client)
			ctl_lookup_reply(j->client, NULL, j->ret, j->err);
	} else {
		summarise(&j->r, &v);
		cache_put(d, j->handle, &v);
		if (j->client)
			reply(j->client, &v, false, 0);
	}
	free(j);
}

int resolve_start(struct ternd *td, struct ctl_client *c,
		  const char *handle, bool fresh)
{
	struct td_dir *d = td->dir;
	struct tdir_cached *hit;
	struct resolve_job *j;
	char msg[300];
	const char *why = handle_why(handle);
	uint64_t now = ev_now_ms();

	if (why) {
		snprintf(msg, sizeof(msg), "the handle %s", why);
		ctl_lookup_reply(c, NULL, -EINVAL, msg);
		return 0;
	}
	if (!d) {
		ctl_lookup_reply(c, NULL, -ENOTCONN,
				 "ternd has no directory (--directory)");
		return 0;
	}
	hit = fresh ? NULL : cache_find(d, handle);
	if (hit && now - hit->at_ms < td->conf.lookup_cache_ms) {
		reply(c, hit, true, now - hit->at_ms);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		ctl_lookup_reply(c, NULL, -ENOMEM, "out of memory");
		return 0;
	}
	j->base.run = resolve_run;
	j->base.done = resolve_done;
	j->client = c;
	snprintf(j->handle, sizeof(j->handle), "%s", handle);
	j->next = d->lookups;
	d->lookups = j;
	dirw_submit(d->w, &j->base);
	return 1;
}

void resolve_forget(struct ternd *td, struct ctl_client *c)
{
	struct resolve_job *j;

	if (!td->dir)
		return;
	for (j = td->dir->lookups; j; j = j->next)
		if (j->client == c)
			j->client = NULL;
}
