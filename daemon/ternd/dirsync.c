// SPDX-License-Identifier: GPL-2.0
/*
 * ternd's standing with the directory (tdir.h): it registers its handle
 * and device once it has a push token, keeps its one-time prekeys topped
 * up and its signed prekey fresh, and looks its own handle up every
 * --directory-check to see that the directory shows what this device put
 * there and nothing else. Anything that does not hold is an alarm: logged
 * at error level, shown by ternctl status, never silently dropped.
 *
 * The requests run on the worker (dirw.c); the loop decides what to do
 * next when each comes back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "b64.h"
#include "client.h"
#include "dirjson.h"
#include "dstore.h"
#include "hex.h"
#include "chat.h"
#include "tdir.h"
#include "ternd.h"

#define ENROLLED_KEY	"dir.enrolled"
#define HEAD_KEY	"dir.head"

static const char *const state_names[] = {
	[TDIR_OFF] = "off",
	[TDIR_WAITING] = "waiting",
	[TDIR_REGISTERING] = "registering",
	[TDIR_REGISTERED] = "registered",
	[TDIR_FAILED] = "failed",
};

const char *tdir_state_name(enum tdir_state s)
{
	return state_names[s];
}

void tdir_alarm(struct ternd *td, const char *what, const char *why)
{
	struct td_dir *d = td->dir;
	char now[sizeof(d->alarm)];

	snprintf(now, sizeof(now), "%.32s: %.512s", what, why);
	/* Once per lie, not once per check while it lasts. */
	if (!strcmp(now, d->alarm))
		return;
	memcpy(d->alarm, now, sizeof(now));
	td_log(td, TD_ERR, "ALARM: %s", d->alarm);
}

void tdir_alarm_clear(struct ternd *td, const char *hex)
{
	struct td_dir *d = td->dir;

	if (!d || strncmp(d->alarm, "unexpected-device:", 18) ||
	    !strstr(d->alarm, hex))
		return;
	td_log(td, TD_INFO, "the alarm for device %s is cleared: a device of this account approved it",
	       hex);
	d->alarm[0] = '\0';
}

static void set_error(struct td_dir *d, const char *err)
{
	snprintf(d->error, sizeof(d->error), "%s", err);
	td_log(d->td, TD_ERR, "directory: %s", err);
}

void tdir_note_head(struct ternd *td)
{
	struct td_dir *d = td->dir;
	struct kt_sth h;
	json_t *j;
	char *s;

	if (!d || !d->w || !dirw_new_head(d->w, &h))
		return;
	d->head_size = h.size;
	j = dirjson_head(&h);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (s)
		td_setting_set(td, HEAD_KEY, s);
	free(s);
	json_decref(j);
}

static int load_head(struct ternd *td, struct kt_sth *h)
{
	char buf[1024], err[256];
	json_t *j;
	int ret;

	if (dstore_get(td->ds, HEAD_KEY, buf, sizeof(buf)))
		return 0;
	j = json_loads(buf, 0, NULL);
	ret = j ? dirjson_get_head(j, "dir.head", h, err, sizeof(err)) :
		  -EINVAL;
	json_decref(j);
	if (ret) {
		td_log(td, TD_ERR, "directory: the stored head is unreadable: starting without one");
		return 0;
	}
	return 1;
}

static void schedule(struct td_dir *d, uint64_t ms)
{
	ev_timer_in(d->td->loop, &d->timer, ms);
}

static void retry_later(struct td_dir *d)
{
	schedule(d, backoff_next(&d->bo));
}

/* The request failed: a refusal the same request would get again leaves
 * the state failed; anything else is tried again later.
 */
static bool permanent(long status, const char *err)
{
	if (status == 400 || status == 401 || status == 403)
		return true;
	return status == 409 && !strstr(err, "stale-seq");
}

static bool device_is(const struct entry_device *e, const uint8_t dpub[32],
		      const uint8_t xpub[32], const uint8_t *token)
{
	return !memcmp(e->identity_key, dpub, 32) &&
	       !memcmp(e->identity_x25519, xpub, 32) &&
	       (!token || !memcmp(e->push_token, token, ENTRY_TOKEN_LEN));
}

static const struct entry_device *find_device(const struct entry *e,
					      const uint8_t id[ENTRY_ID_LEN])
{
	unsigned int i;

	for (i = 0; i < e->ndev; i++)
		if (!memcmp(e->dev[i].id, id, ENTRY_ID_LEN))
			return &e->dev[i];
	return NULL;
}

/* --- registration --------------------------------------------------------- */

struct enroll_job {
	struct dirw_job base;
	char handle[256];
	char *proof_kind, *proof;	/* "invite" or "email_code"; NULL */
	json_t *device;
	uint8_t device_id[ENTRY_ID_LEN], dpub[32], xpub[32];
	uint8_t token[ENTRY_TOKEN_LEN];
	uint32_t spk_id, upto;
	struct lookup_result r;
	/* What came back. */
	int ret;			/* 0, -errno, or a lookup verdict */
	bool permanent, added;
	char err[512];
};

static int enroll_lookup(struct dirw *w, struct enroll_job *j)
{
	int ret = dirw_lookup(w, j->handle, &j->r, j->err, sizeof(j->err));

	if (!ret && j->r.present &&
	    memcmp(j->r.entry.account_key, dirw_account_pub(w), 32)) {
		snprintf(j->err, sizeof(j->err),
			 "%s belongs to another account key", j->handle);
		j->permanent = true;
		return -EACCES;
	}
	return ret;
}

static int enroll_register(struct dirw *w, struct enroll_job *j)
{
	json_t *p;
	long status;
	int ret;

	if (!j->proof) {
		snprintf(j->err, sizeof(j->err),
			 "%s is not registered, and there is no --invite or --email-code to register it with",
			 j->handle);
		j->permanent = true;
		return -ENOENT;
	}
	p = json_pack("{s:s, s:s, s:o, s:s}", "op", "register",
		      "handle", j->handle,
		      "account_key", dirjson_bytes(dirw_account_pub(w), 32),
		      j->proof_kind, j->proof);
	if (!p)
		return -ENOMEM;
	ret = dirw_change(w, "POST", "/v1/register", p, false, NULL, &status,
			  j->err, sizeof(j->err));
	json_decref(p);
	if (ret)
		j->permanent = permanent(status, j->err);
	return ret;
}

static int enroll_add(struct dirw *w, struct enroll_job *j)
{
	char path[512], *esc = curl_easy_escape(NULL, j->handle, 0);
	json_t *p;
	long status;
	int ret;

	if (!esc)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/v1/accounts/%s/devices", esc);
	curl_free(esc);
	p = json_pack("{s:s, s:s, s:I, s:O}", "op", "add-device",
		      "handle", j->handle,
		      "seq", (json_int_t)(j->r.entry.seq + 1),
		      "device", j->device);
	if (!p)
		return -ENOMEM;
	ret = dirw_change(w, "POST", path, p, false, NULL, &status, j->err,
			  sizeof(j->err));
	json_decref(p);
	if (ret)
		j->permanent = permanent(status, j->err);
	return ret;
}

static void enroll_run(struct dirw *w, struct dirw_job *base)
{
	struct enroll_job *j = (struct enroll_job *)base;
	const struct entry_device *dev;
	int ret;

	ret = enroll_lookup(w, j);
	if (!ret && !j->r.present) {
		ret = enroll_register(w, j);
		if (!ret)
			ret = enroll_lookup(w, j);
		if (!ret && !j->r.present) {
			snprintf(j->err, sizeof(j->err),
				 "missing-device: the directory registered %s but does not show it",
				 j->handle);
			ret = LOOKUP_WRONG_HANDLE;
		}
	}
	if (ret)
		goto out;
	dev = find_device(&j->r.entry, j->device_id);
	if (!dev || !device_is(dev, j->dpub, j->xpub, j->token)) {
		ret = enroll_add(w, j);
		if (!ret)
			ret = enroll_lookup(w, j);
		if (ret)
			goto out;
		j->added = true;
		dev = find_device(&j->r.entry, j->device_id);
		if (!dev || !device_is(dev, j->dpub, j->xpub, j->token)) {
			snprintf(j->err, sizeof(j->err),
				 "the directory took this device but shows %s",
				 dev ? "other keys for it" : "no such device");
			ret = -EBADMSG;
		}
	}
out:
	j->ret = ret;
}

static void enroll_free(struct enroll_job *j)
{
	json_decref(j->device);
	free(j->proof);
	free(j);
}

static void check_now(struct ternd *td);

static void enroll_done(struct ternd *td, struct dirw_job *base,
			bool cancelled)
{
	struct enroll_job *j = (struct enroll_job *)base;
	struct td_dir *d = td->dir;
	char hex[HEX_LEN(ENTRY_TOKEN_LEN)];

	d->busy = false;
	if (cancelled)
		goto out;
	if (j->ret > 0) {
		tdir_alarm(td, lookup_verdict_name(j->ret), j->err);
		retry_later(d);
	} else if (j->ret == -EBADMSG) {
		tdir_alarm(td, "missing-device", j->err);
		retry_later(d);
	} else if (j->ret) {
		set_error(d, j->err[0] ? j->err : strerror(-j->ret));
		if (j->permanent) {
			d->state = TDIR_FAILED;
		} else {
			retry_later(d);
		}
	} else {
		if (j->added)
			prekeys_published(td, j->spk_id, j->upto);
		hex_encode(j->token, ENTRY_TOKEN_LEN, hex);
		snprintf(d->enrolled, sizeof(d->enrolled), "%s %s",
			 td->conf.handle, hex);
		td_setting_set(td, ENROLLED_KEY, d->enrolled);
		d->state = TDIR_REGISTERED;
		chat_kick(td);
		devlink_ready(td);
		d->error[0] = '\0';
		backoff_reset(&d->bo);
		td_log(td, TD_INFO, "directory: %s %s, this device in it (seq %llu)",
		       td->conf.handle, j->added ? "registered" : "as it was",
		       (unsigned long long)j->r.entry.seq);
		check_now(td);
	}
out:
	enroll_free(j);
}

static void enroll(struct ternd *td)
{
	struct td_dir *d = td->dir;
	struct enroll_job *j;

	if (d->busy)
		return;
	d->state = TDIR_REGISTERING;
	j = calloc(1, sizeof(*j));
	if (!j)
		goto fail;
	j->base.run = enroll_run;
	j->base.done = enroll_done;
	snprintf(j->handle, sizeof(j->handle), "%s", td->conf.handle);
	if (td->conf.invite || td->conf.email_code) {
		j->proof_kind = td->conf.invite ? "invite" : "email_code";
		j->proof = strdup(td->conf.invite ? td->conf.invite :
				  td->conf.email_code);
		if (!j->proof)
			goto fail;
	}
	memcpy(j->device_id, td->device_id, ENTRY_ID_LEN);
	memcpy(j->dpub, td->dpub, 32);
	memcpy(j->token, td->token, ENTRY_TOKEN_LEN);
	if (prekeys_identity_pub(td, j->xpub))
		goto fail;
	/* A device added anew starts with a full set of one-time prekeys. */
	if (!prekeys_unpublished(td) && prekeys_make(td, td->conf.prekeys))
		goto fail;
	j->device = prekeys_device_json(td, td->token, &j->spk_id, &j->upto);
	if (!j->device)
		goto fail;
	d->busy = true;
	dirw_submit(d->w, &j->base);
	return;
fail:
	if (j)
		enroll_free(j);
	set_error(d, "cannot build the registration (out of memory or a store failure)");
	retry_later(d);
}

/* --- the periodic check: own handle, prekeys ------------------------------- */

struct check_job {
	struct dirw_job base;
	char handle[256];
	uint8_t device_id[ENTRY_ID_LEN];
	json_t *upkeep;
	uint32_t spk_id, upto;
	unsigned int count;		/* one-time prekeys in upkeep */
	struct lookup_result r;
	bool verified;			/* r holds a verified lookup */
	int ret;
	long status;
	int left;			/* the directory's count */
	char err[512];
};

static void check_run(struct dirw *w, struct dirw_job *base)
{
	struct check_job *j = (struct check_job *)base;
	char path[512], id[2 * ENTRY_ID_LEN + 1], *esc;
	json_t *a = NULL;
	json_int_t n;

	j->left = -1;
	j->ret = dirw_lookup(w, j->handle, &j->r, j->err, sizeof(j->err));
	j->verified = !j->ret;
	if (j->ret || !j->r.present ||
	    !find_device(&j->r.entry, j->device_id))
		return;
	esc = curl_easy_escape(NULL, j->handle, 0);
	if (!esc) {
		j->ret = -ENOMEM;
		return;
	}
	hex_encode(j->device_id, ENTRY_ID_LEN, id);
	snprintf(path, sizeof(path), "/v1/accounts/%s/devices/%s/prekeys",
		 esc, id);
	curl_free(esc);
	j->ret = dirw_change(w, "POST", path, j->upkeep, true, &a, &j->status,
			     j->err, sizeof(j->err));
	if (j->ret)
		return;
	if (!json_unpack(a, "{s:I}", "one_time_prekeys", &n) && n >= 0 &&
	    n <= TDIR_PREKEYS_MAX * 10)
		j->left = n;
	json_decref(a);
}

/*
 * The owner's check: exactly this account key, this device, and the
 * devices this one approved or was told of when it was linked
 * (devlink.c). Returns whether every approved device is there yet.
 */
static bool monitor(struct ternd *td, const struct lookup_result *r)
{
	const struct entry_device *dev;
	char id[2 * ENTRY_ID_LEN + 1], why[256];
	uint8_t xpub[32];
	unsigned int i;

	if (!r->present) {
		snprintf(why, sizeof(why),
			 "%s is not registered any more (head %llu)",
			 td->conf.handle, (unsigned long long)r->head.size);
		tdir_alarm(td, "missing-device", why);
		return true;
	}
	if (memcmp(r->entry.account_key, td->apub, 32)) {
		snprintf(why, sizeof(why),
			 "%s has an account key this device does not hold (head %llu)",
			 td->conf.handle, (unsigned long long)r->head.size);
		tdir_alarm(td, "account-key", why);
		return true;
	}
	for (i = 0; i < r->entry.ndev; i++) {
		if (!memcmp(r->entry.dev[i].id, td->device_id, ENTRY_ID_LEN) ||
		    devlink_approved(td, r->entry.dev[i].id))
			continue;
		hex_encode(r->entry.dev[i].id, ENTRY_ID_LEN, id);
		snprintf(why, sizeof(why),
			 "%s shows device %s, which this device did not add (head %llu)",
			 td->conf.handle, id,
			 (unsigned long long)r->head.size);
		tdir_alarm(td, "unexpected-device", why);
		return true;
	}
	dev = find_device(&r->entry, td->device_id);
	if (!dev || prekeys_identity_pub(td, xpub) ||
	    !device_is(dev, td->dpub, xpub, NULL)) {
		snprintf(why, sizeof(why), "%s shows %s (head %llu)",
			 td->conf.handle, dev ? "other keys for this device" :
			 "no longer this device",
			 (unsigned long long)r->head.size);
		tdir_alarm(td, "missing-device", why);
	}
	return devlink_all_shown(td, &r->entry);
}

static void check_free(struct check_job *j)
{
	json_decref(j->upkeep);
	free(j);
}

static void check_done(struct ternd *td, struct dirw_job *base,
		       bool cancelled)
{
	struct check_job *j = (struct check_job *)base;
	struct td_dir *d = td->dir;
	const struct entry_device *dev;
	unsigned int want = td->conf.prekeys;
	bool again = false, shown = true;

	d->busy = false;
	if (cancelled)
		goto out;
	if (j->ret > 0) {
		tdir_alarm(td, lookup_verdict_name(j->ret), j->err);
		goto next;
	}
	if (j->ret) {
		/* The prekey upkeep failed; the own entry was verified all
		 * the same, and is checked now, not at the retry.
		 */
		if (j->verified)
			monitor(td, &j->r);
		set_error(d, j->err[0] ? j->err : strerror(-j->ret));
		retry_later(d);
		goto out;
	}
	shown = monitor(td, &j->r);
	/* A fresh view of the own devices, for the send pump's fan-out. */
	tdir_cache_put(d, j->handle, &j->r);
	dev = j->r.present ? find_device(&j->r.entry, td->device_id) : NULL;
	if (dev && memcmp(dev->push_token, td->token, ENTRY_TOKEN_LEN)) {
		td_log(td, TD_INFO, "directory: the push token changed: publishing the new one");
		enroll(td);
		goto out;
	}
	d->error[0] = '\0';
	backoff_reset(&d->bo);
	if (j->left >= 0) {
		prekeys_published(td, j->spk_id, j->upto);
		d->prekeys_left = j->left;
		/* A full batch went out: there may be more to send now. */
		again = j->count == TDIR_PREKEYS_BATCH;
		if (!again && j->left < (int)(want + 1) / 2) {
			td_log(td, TD_DEBUG, "directory: %d one-time prekeys left: making %u",
			       j->left, want - j->left);
			again = !prekeys_make(td, want - j->left);
		}
	}
next:
	/* A device approved a moment ago is looked for every few seconds. */
	if (!again && !shown && ev_now_ms() < d->watch_until_ms)
		schedule(d, TDIR_WATCH_MS);
	else
		schedule(d, again ? 0 : td->conf.dir_check_ms);
out:
	check_free(j);
}

static void check_now(struct ternd *td)
{
	struct td_dir *d = td->dir;
	struct check_job *j;
	json_t *p;

	if (d->busy)
		return;
	if (prekeys_rotate(td, TDIR_SPK_LIFE_MS) > 0)
		td_log(td, TD_INFO, "directory: a new signed prekey");
	j = calloc(1, sizeof(*j));
	p = json_pack("{s:s, s:s, s:o}", "op", "add-prekeys",
		      "handle", td->conf.handle,
		      "device_id", dirjson_device_id(td->device_id));
	if (!j || !p || !prekeys_upkeep_json(td, p, &j->spk_id, &j->upto,
						&j->count)) {
		json_decref(p);
		free(j);
		set_error(d, "cannot build the prekey upkeep (out of memory or a store failure)");
		retry_later(d);
		return;
	}
	j->base.run = check_run;
	j->base.done = check_done;
	j->upkeep = p;
	snprintf(j->handle, sizeof(j->handle), "%s", td->conf.handle);
	memcpy(j->device_id, td->device_id, ENTRY_ID_LEN);
	d->busy = true;
	dirw_submit(d->w, &j->base);
}

void tdir_watch_link(struct ternd *td)
{
	struct td_dir *d = td->dir;

	if (!d || d->state != TDIR_REGISTERED)
		return;
	d->watch_until_ms = ev_now_ms() + TDIR_WATCH_FOR_MS;
	if (!d->busy)
		schedule(d, TDIR_WATCH_MS);
}

/* --- the state machine ------------------------------------------------------ */

static void on_timer(struct ev_timer *t)
{
	struct td_dir *d = (void *)((char *)t - offsetof(struct td_dir,
							 timer));

	switch (d->state) {
	case TDIR_REGISTERING:
		enroll(d->td);
		break;
	case TDIR_REGISTERED:
		check_now(d->td);
		break;
	default:
		break;
	}
}

static bool enrolled_now(struct ternd *td)
{
	char want[128], hex[HEX_LEN(ENTRY_TOKEN_LEN)];

	hex_encode(td->token, ENTRY_TOKEN_LEN, hex);
	snprintf(want, sizeof(want), "%s %s", td->conf.handle, hex);
	return !strcmp(want, td->dir->enrolled);
}

void tdir_token(struct ternd *td)
{
	struct td_dir *d = td->dir;

	if (!d || d->state == TDIR_OFF || d->state == TDIR_FAILED ||
	    !td->have_token)
		return;
	if (d->state == TDIR_REGISTERED && enrolled_now(td))
		return;
	if (d->state == TDIR_REGISTERING && (d->busy ||
					     ev_timer_armed(&d->timer)))
		return;
	enroll(td);
}

int tdir_start(struct ternd *td, char *err, size_t errlen)
{
	struct lookup_pins pins;
	struct kt_sth head;
	struct td_dir *d;
	int ret, have;

	if (!td->conf.dir_url)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->td = td;
	d->prekeys_left = -1;
	d->timer.fn = on_timer;
	d->bo = (struct backoff)BACKOFF_INIT(TDIR_RETRY_BASE_MS,
					     TDIR_RETRY_CAP_MS);
	ret = dirc_pins(td->conf.head_key, td->conf.vrf_key,
			td->conf.max_head_age_ms, &pins, err, errlen);
	if (ret)
		goto fail;
	ret = prekeys_init(td);
	if (ret) {
		dirc_pins_free(&pins);
		snprintf(err, errlen, "cannot make the device's X25519 keys: %s",
			 dstore_error(td->ds));
		goto fail;
	}
	have = load_head(td, &head);
	ret = dirw_start(td, &pins, have ? &head : NULL, &d->w, err, errlen);
	if (ret)
		goto fail;
	if (have)
		d->head_size = head.size;
	td->dir = d;
	if (dstore_get(td->ds, ENROLLED_KEY, d->enrolled, sizeof(d->enrolled)))
		d->enrolled[0] = '\0';
	d->state = TDIR_WAITING;
	if (td->have_token && enrolled_now(td)) {
		d->state = TDIR_REGISTERED;
		chat_kick(td);
		devlink_ready(td);
		check_now(td);
	} else {
		tdir_token(td);
	}
	return 0;
fail:
	free(d);
	return ret;
}

void tdir_stop(struct ternd *td)
{
	struct td_dir *d = td->dir;

	if (!d)
		return;
	dirw_stop(d->w);
	d->w = NULL;
	ev_timer_stop(td->loop, &d->timer);
	resolve_cache_free(d);
	td->dir = NULL;
	free(d);
}
