// SPDX-License-Identifier: GPL-2.0
/*
 * Linking a device to an account (Documentation/messaging.rst, "Linking a
 * device"). The new device (ternd --link, no account key yet) says hello
 * to the gateway as its own account, and shows a code:
 *
 *   tern-link:BASE64(1 || push token (16) || link key (X25519, 32) ||
 *                    device id (16))
 *
 * A device of the account approves it (the API's link-approve): it seals
 * a LinkProvision (the handle, the account key's seed, the devices it
 * vouches for) to the link key in a link box (seal.h) and pushes it to
 * the token, and adds the device to the set its monitor expects. The new
 * device opens the box, checks that it names its handle and its device,
 * keeps the account key, and from then on starts as any device of the
 * account does: hello with the account's certificate (the gateway binds
 * it to the account, keeping its token), then the directory's add-device.
 *
 * The approved set ("dir.approved" in the settings: device ids in hex,
 * space-separated) is what the own-handle monitor (dirsync.c) accepts
 * beside this device. Removing a device (below) revokes its token and
 * takes it out of the directory's entry.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "b64.h"
#include "chat.h"
#include "content.h"
#include "dstore.h"
#include "e2emsg.h"
#include "hex.h"
#include "ident.h"
#include "keyfile.h"
#include "seal.h"
#include "tdir.h"
#include "ternd.h"

#define LINK_KEY_SETTING	"link.key"
#define APPROVED_SETTING	"dir.approved"
#define CODE_PREFIX		"tern-link:"
#define CODE_VERSION		1
#define CODE_BYTES		(1 + WIRE_TOKEN_LEN + E2E_KEY_LEN + \
				 E2EMSG_DEVICE_ID_LEN)
/* A provision waits at the gateway this long for the new device. */
#define PROVISION_TTL_S		3600
#define ID_HEX			(2 * E2EMSG_DEVICE_ID_LEN)
#define APPROVED_LEN		(E2EMSG_LINK_DEVICES_MAX * (ID_HEX + 1) + 1)

struct td_linking {
	struct e2e_keypair kp;		/* the link key */
	char code[CODE_BYTES * 2 + 16];	/* empty until the token */
};

struct link_code {
	uint8_t token[WIRE_TOKEN_LEN];
	uint8_t link_pub[E2E_KEY_LEN];
	uint8_t device[E2EMSG_DEVICE_ID_LEN];
};

/* --- the approved set ------------------------------------------------------ */

/* The set's ids into @ids (at most E2EMSG_LINK_DEVICES_MAX): how many. */
static unsigned int approved_load(struct ternd *td,
				  uint8_t ids[][E2EMSG_DEVICE_ID_LEN])
{
	char buf[APPROVED_LEN], *p, *save = NULL;
	unsigned int n = 0;

	if (dstore_get(td->ds, APPROVED_SETTING, buf, sizeof(buf)))
		return 0;
	for (p = strtok_r(buf, " ", &save);
	     p && n < E2EMSG_LINK_DEVICES_MAX;
	     p = strtok_r(NULL, " ", &save)) {
		if (strlen(p) == ID_HEX &&
		    !hex_decode(p, ids[n], E2EMSG_DEVICE_ID_LEN))
			n++;
	}
	return n;
}

static bool in_set(uint8_t ids[][E2EMSG_DEVICE_ID_LEN], unsigned int n,
		   const uint8_t *id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!memcmp(ids[i], id, E2EMSG_DEVICE_ID_LEN))
			return true;
	return false;
}

static int approved_save(struct ternd *td,
			 uint8_t ids[][E2EMSG_DEVICE_ID_LEN], unsigned int n)
{
	char buf[APPROVED_LEN], *p = buf;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ' ';
		hex_encode(ids[i], E2EMSG_DEVICE_ID_LEN, p);
		p += ID_HEX;
	}
	return td_setting_set(td, APPROVED_SETTING, buf);
}

bool devlink_approved(struct ternd *td, const uint8_t *id)
{
	uint8_t ids[E2EMSG_LINK_DEVICES_MAX][E2EMSG_DEVICE_ID_LEN];

	return in_set(ids, approved_load(td, ids), id);
}

bool devlink_all_shown(struct ternd *td, const struct entry *e)
{
	uint8_t ids[E2EMSG_LINK_DEVICES_MAX][E2EMSG_DEVICE_ID_LEN];
	unsigned int n = approved_load(td, ids), i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < e->ndev; j++)
			if (!memcmp(e->dev[j].id, ids[i], E2EMSG_DEVICE_ID_LEN))
				break;
		if (j == e->ndev)
			return false;
	}
	return true;
}

/*
 * Tell the account's other devices what this one approved or removed
 * (a Devices content to the own handle: the send pump gives it to every
 * other device of the account), so their monitors expect the same.
 * Nothing to send when the own entry shows this device alone.
 */
static int tell_devices(struct ternd *td, const uint8_t *approved,
			const uint8_t *removed, char *err, size_t errlen)
{
	struct content ct = { .kind = CONTENT_DEVICES };
	const struct tdir_cached *e;

	e = tdir_cache_get(td->dir, td->conf.handle, UINT64_MAX);
	if (e && e->present && e->entry.ndev == 1 &&
	    !memcmp(e->entry.dev[0].id, td->device_id, E2EMSG_DEVICE_ID_LEN))
		return 0;
	if (approved) {
		ct.ids[0] = approved;
		ct.n_ids = 1;
	}
	if (removed) {
		ct.removed[0] = removed;
		ct.n_removed = 1;
	}
	return chat_queue(td, td->conf.handle, &ct, err, errlen);
}

int devlink_devices(struct ternd *td, const uint8_t *from,
		    const uint8_t *const *approved, unsigned int n_approved,
		    const uint8_t *const *removed, unsigned int n_removed)
{
	uint8_t ids[E2EMSG_LINK_DEVICES_MAX][E2EMSG_DEVICE_ID_LEN];
	char hex[ID_HEX + 1], by[ID_HEX + 1];
	unsigned int n = approved_load(td, ids), i, j, k;

	hex_encode(from, E2EMSG_DEVICE_ID_LEN, by);
	for (i = 0; i < n_approved; i++) {
		if (!memcmp(approved[i], td->device_id, E2EMSG_DEVICE_ID_LEN) ||
		    in_set(ids, n, approved[i]) ||
		    n == E2EMSG_LINK_DEVICES_MAX)
			continue;
		memcpy(ids[n++], approved[i], E2EMSG_DEVICE_ID_LEN);
		hex_encode(approved[i], E2EMSG_DEVICE_ID_LEN, hex);
		td_log(td, TD_INFO, "link: device %s approved device %s of this account",
		       by, hex);
		tdir_alarm_clear(td, hex);
	}
	for (i = 0; i < n_removed; i++) {
		for (j = k = 0; j < n; j++)
			if (memcmp(ids[j], removed[i], E2EMSG_DEVICE_ID_LEN))
				memcpy(ids[k++], ids[j], E2EMSG_DEVICE_ID_LEN);
		if (k < n) {
			hex_encode(removed[i], E2EMSG_DEVICE_ID_LEN, hex);
			td_log(td, TD_INFO, "link: device %s removed device %s from this account",
			       by, hex);
		}
		n = k;
	}
	chat_devices_changed(td);
	return approved_save(td, ids, n);
}

/* --- the new device ---------------------------------------------------------- */

/* The link key: kept in the settings while the device waits, so that a
 * restart shows the same code.
 */
static int link_key(struct ternd *td, struct e2e_keypair *kp)
{
	char hex[HEX_LEN(E2E_KEY_LEN)];
	uint8_t priv[E2E_KEY_LEN];
	int ret;

	if (!dstore_get(td->ds, LINK_KEY_SETTING, hex, sizeof(hex)) &&
	    !hex_decode(hex, priv, sizeof(priv))) {
		ret = e2e_keypair_from(priv, kp);
		e2e_wipe(priv, sizeof(priv));
		e2e_wipe(hex, sizeof(hex));
		if (!ret)
			return 0;
	}
	ret = e2e_keypair_new(kp);
	if (ret)
		return ret;
	hex_encode(kp->priv, E2E_KEY_LEN, hex);
	ret = td_setting_set(td, LINK_KEY_SETTING, hex);
	e2e_wipe(hex, sizeof(hex));
	if (!ret)
		ret = td_flush_now(td);
	return ret;
}

int devlink_start(struct ternd *td)
{
	td->linking = calloc(1, sizeof(*td->linking));
	if (!td->linking)
		return -ENOMEM;
	if (link_key(td, &td->linking->kp)) {
		td_log(td, TD_ERR, "link: cannot make the link key: %s",
		       dstore_error(td->ds));
		free(td->linking);
		td->linking = NULL;
		return -EIO;
	}
	td_log(td, TD_INFO, "link: waiting to be linked to %s: the code comes with the gateway's token",
	       td->conf.handle);
	return 0;
}

void devlink_stop(struct ternd *td)
{
	if (!td->linking)
		return;
	e2e_wipe(&td->linking->kp, sizeof(td->linking->kp));
	free(td->linking);
	td->linking = NULL;
}

void devlink_token(struct ternd *td)
{
	struct td_linking *l = td->linking;
	uint8_t raw[CODE_BYTES], *p = raw;
	char b64[B64_LEN(CODE_BYTES) + 1];

	if (!l)
		return;
	*p++ = CODE_VERSION;
	memcpy(p, td->token, WIRE_TOKEN_LEN);
	p += WIRE_TOKEN_LEN;
	memcpy(p, l->kp.pub, E2E_KEY_LEN);
	p += E2E_KEY_LEN;
	memcpy(p, td->device_id, E2EMSG_DEVICE_ID_LEN);
	b64_encode(raw, sizeof(raw), b64);
	snprintf(l->code, sizeof(l->code), "%s%s", CODE_PREFIX, b64);
	td_log(td, TD_INFO, "link: on a device of %s, approve this one with: ternctl link approve %s",
	       td->conf.handle, l->code);
	/* What came before the token may be waiting. */
	devlink_kick(td);
}

const char *devlink_code(struct ternd *td)
{
	return td->linking ? td->linking->code : NULL;
}

/*
 * The account key is this device's now: keep it (the file first: a crash
 * after it starts this device as linked), then the approved set and the
 * consumed box in one batch.
 */
static int take_account(struct ternd *td, const struct e2e_link_provision *p)
{
	char path[4096], err[256];
	EVP_PKEY *k;
	int ret;

	k = ident_from_seed(p->account_seed);
	if (!k)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", td->conf.data,
		 TERND_ACCOUNT_KEY);
	ret = keyfile_write(path, k, err, sizeof(err));
	if (ret) {
		td_log(td, TD_ERR, "link: %s", err);
		EVP_PKEY_free(k);
		return ret;
	}
	/* A second try, after a store failure below: the same key. */
	EVP_PKEY_free(td->akey);
	td->akey = k;
	if (ident_pub(k, td->apub) ||
	    ident_device_cert(k, td->dpub, td->dcert))
		return -EINVAL;
	return 0;
}

static int first_cb(void *ctx, const struct dmsg *m)
{
	struct dmsg *r = ctx;

	if (!r)
		return 1;
	*r = *m;
	r->payload = malloc(m->len ? m->len : 1);
	if (!r->payload)
		return -ENOMEM;
	memcpy((void *)r->payload, m->payload, m->len);
	return 1;
}

/* Open @m as this device's provision: 1 it is, 0 it is not (logged). */
static int open_provision(struct ternd *td, const struct dmsg *m,
			  struct e2e_link_provision *p)
{
	const char *why = NULL;
	uint8_t *inner;
	int ret = 0;

	if (m->len < SEAL_OVERHEAD ||
	    ((const uint8_t *)m->payload)[0] != SEAL_LINK_VERSION) {
		td_log(td, TD_INFO, "link: dropped a message that is no link box (this device is not linked yet)");
		return 0;
	}
	inner = malloc(m->len - SEAL_OVERHEAD + 1);
	if (!inner)
		return -ENOMEM;
	if (seal_link_open(&td->linking->kp, m->payload, m->len, inner, &why) ||
	    e2emsg_link_parse(inner, m->len - SEAL_OVERHEAD, p, &why)) {
		td_log(td, TD_INFO, "link: dropped a link box: %s", why);
	} else if (strcmp(p->handle, td->conf.handle)) {
		/* Someone who saw the code may not make this device theirs. */
		td_log(td, TD_ERR, "link: refused a provision from another account than %s",
		       td->conf.handle);
	} else if (memcmp(p->device, td->device_id, E2EMSG_DEVICE_ID_LEN)) {
		td_log(td, TD_ERR, "link: refused a provision for another device");
	} else {
		ret = 1;
	}
	e2e_wipe(inner, m->len - SEAL_OVERHEAD);
	free(inner);
	if (ret != 1)
		e2e_wipe(p, sizeof(*p));
	return ret;
}

static int consume(struct ternd *td)
{
	int ret = td_batch(td);

	if (!ret)
		ret = dstore_inbox_take(td->ds, 1, true, first_cb, NULL);
	if (ret < 0)
		td_batch_fail(td, ret);
	return ret < 0 ? ret : 0;
}

/* Linked: carry on as a device of the account. */
static void linked(struct ternd *td, const struct e2e_link_provision *p)
{
	char hex[HEX_LEN(E2EMSG_DEVICE_ID_LEN)], err[256];

	hex_encode(p->approver, E2EMSG_DEVICE_ID_LEN, hex);
	td_log(td, TD_INFO, "link: linked to %s by its device %s: saying hello as the account's device",
	       p->handle, hex);
	devlink_stop(td);
	td_setting_set(td, LINK_KEY_SETTING, "");
	if (tdir_start(td, err, sizeof(err)) ||
	    chat_start(td, err, sizeof(err))) {
		td_log(td, TD_ERR, "link: cannot start: %s", err);
		td->failed = true;
		evloop_stop(td->loop);
		return;
	}
	/* The gateway binds this device to the account at the next hello. */
	if (td->state != TD_DISCONNECTED)
		td->t->close(td, "linked: hello again as the account's device");
}

static void pump(struct ev_after *a)
{
	struct ternd *td = (void *)((char *)a - offsetof(struct ternd,
							 linking_after));
	struct e2e_link_provision p;
	struct dmsg m;
	int ret;

	while (td->linking) {
		memset(&m, 0, sizeof(m));
		ret = dstore_inbox_take(td->ds, 1, false, first_cb, &m);
		if (ret <= 0)
			break;
		ret = open_provision(td, &m, &p);
		free((void *)m.payload);
		if (ret < 0)
			break;
		if (!ret) {
			if (consume(td))
				break;
			continue;
		}
		ret = take_account(td, &p);
		if (!ret)
			ret = approved_save(td, p.devices, p.ndevices);
		if (!ret)
			ret = consume(td);
		if (!ret)
			ret = td_flush_now(td);
		if (!ret)
			linked(td, &p);
		else
			td_log(td, TD_ERR, "link: cannot keep the account key: %s",
			       strerror(-ret));
		e2e_wipe(&p, sizeof(p));
		break;
	}
}

void devlink_kick(struct ternd *td)
{
	if (td->linking) {
		td->linking_after.fn = pump;
		ev_after(td->loop, &td->linking_after);
	}
}

/* --- the approving device ---------------------------------------------------- */

static int parse_code(const char *s, struct link_code *c, char *err,
		      size_t errlen)
{
	uint8_t raw[CODE_BYTES + 3];
	const char *why;
	size_t n;

	if (strncmp(s, CODE_PREFIX, strlen(CODE_PREFIX))) {
		snprintf(err, errlen, "not a link code: it starts with %s",
			 CODE_PREFIX);
		return -EINVAL;
	}
	why = b64_decode(s + strlen(CODE_PREFIX), raw, sizeof(raw), &n);
	if (why || n != CODE_BYTES) {
		snprintf(err, errlen, "not a link code: %s",
			 why ? why : "the wrong length (copied whole?)");
		return -EINVAL;
	}
	if (raw[0] != CODE_VERSION) {
		snprintf(err, errlen, "a link code of version %u, not %u",
			 raw[0], CODE_VERSION);
		return -EINVAL;
	}
	memcpy(c->token, raw + 1, WIRE_TOKEN_LEN);
	memcpy(c->link_pub, raw + 1 + WIRE_TOKEN_LEN, E2E_KEY_LEN);
	memcpy(c->device, raw + 1 + WIRE_TOKEN_LEN + E2E_KEY_LEN,
	       E2EMSG_DEVICE_ID_LEN);
	return 0;
}

int devlink_approve(struct ternd *td, const char *code, uint8_t *device,
		    char *err, size_t errlen)
{
	struct e2e_link_provision p = { 0 };
	uint8_t msg_id[WIRE_MSG_ID_LEN], *pt = NULL, *box = NULL;
	struct link_code c;
	size_t len = 0;
	int ret;

	ret = parse_code(code, &c, err, errlen);
	if (ret)
		return ret;
	if (!td->akey || !td->dir || td->dir->state != TDIR_REGISTERED) {
		snprintf(err, errlen, "this device is not registered with the directory yet");
		return -EAGAIN;
	}
	if (!memcmp(c.device, td->device_id, E2EMSG_DEVICE_ID_LEN)) {
		snprintf(err, errlen, "that is this device's own code");
		return -EINVAL;
	}
	p.ndevices = approved_load(td, p.devices);
	if (!in_set(p.devices, p.ndevices, td->device_id))
		memcpy(p.devices[p.ndevices++], td->device_id,
		       E2EMSG_DEVICE_ID_LEN);
	if (!in_set(p.devices, p.ndevices, c.device)) {
		if (p.ndevices == E2EMSG_LINK_DEVICES_MAX) {
			snprintf(err, errlen, "the account has %u devices, the most it may",
				 E2EMSG_LINK_DEVICES_MAX);
			return -ENOSPC;
		}
		memcpy(p.devices[p.ndevices++], c.device,
		       E2EMSG_DEVICE_ID_LEN);
	}
	snprintf(p.handle, sizeof(p.handle), "%s", td->conf.handle);
	memcpy(p.device, c.device, E2EMSG_DEVICE_ID_LEN);
	memcpy(p.approver, td->device_id, E2EMSG_DEVICE_ID_LEN);
	ret = ident_seed(td->akey, p.account_seed);
	if (!ret)
		ret = e2emsg_link_pack(&p, &pt, &len);
	if (!ret) {
		box = malloc(SEAL_OVERHEAD + len);
		ret = box ? seal_link_wrap(c.link_pub, NULL, pt, len, box) :
			    -ENOMEM;
	}
	if (!ret && RAND_bytes(msg_id, sizeof(msg_id)) != 1)
		ret = -EIO;
	/* The monitor expects the device from now on, and the others. */
	if (!ret)
		ret = approved_save(td, p.devices, p.ndevices);
	if (!ret && tell_devices(td, c.device, NULL, err, errlen))
		ret = -EIO;
	if (!ret)
		ret = outbox_add(td, c.token, msg_id, PROVISION_TTL_S, 0, box,
				 SEAL_OVERHEAD + len);
	if (ret && ret != -EIO)
		snprintf(err, errlen, "cannot send the approval: %s",
			 strerror(-ret));
	else
		memcpy(device, c.device, E2EMSG_DEVICE_ID_LEN);
	if (pt)
		e2e_wipe(pt, len);
	free(pt);
	free(box);
	e2e_wipe(&p, sizeof(p));
	if (!ret) {
		/* The own entry changes soon: look again, and often. */
		chat_devices_changed(td);
		tdir_watch_link(td);
		outbox_kick(td);
	}
	return ret;
}

/* --- removing a device of the account ---------------------------------- */

/*
 * "ternctl link remove ID": the device's push token is revoked at the
 * gateway first (it is cut off at once, and a revoked token's refusal
 * makes senders drop their cached device lists), then the device is
 * removed from the directory's entry. The removal waits in the settings
 * ("link.removing": the id and the token in hex) until both are done,
 * so a restart or a lost connection finishes it.
 */
#define REMOVING_SETTING	"link.removing"
#define REMOVE_RETRY_MS		5000

struct td_removal {
	bool loaded, pending, revoked, busy;
	uint8_t dev[E2EMSG_DEVICE_ID_LEN];
	uint8_t token[WIRE_TOKEN_LEN];
	struct ev_timer retry;
	struct ternd *td;
};

struct remove_job {
	struct dirw_job base;
	char handle[256];
	uint8_t dev[E2EMSG_DEVICE_ID_LEN];
	struct lookup_result r;
	int ret;
	bool gone;			/* the entry does not have it (any more) */
	char err[512];
};

static void removal_kick(struct ternd *td);

static void remove_retry(struct ev_timer *t)
{
	struct td_removal *rm = (void *)((char *)t -
					 offsetof(struct td_removal, retry));

	removal_kick(rm->td);
}

static struct td_removal *removal(struct ternd *td)
{
	char buf[2 * (E2EMSG_DEVICE_ID_LEN + WIRE_TOKEN_LEN) + 2];
	struct td_removal *rm = td->removal;

	if (!rm) {
		rm = calloc(1, sizeof(*rm));
		if (!rm)
			return NULL;
		rm->td = td;
		rm->retry.fn = remove_retry;
		td->removal = rm;
	}
	if (!rm->loaded) {
		rm->loaded = true;
		rm->pending = !dstore_get(td->ds, REMOVING_SETTING, buf,
					  sizeof(buf)) &&
			      strlen(buf) == sizeof(buf) - 1 &&
			      buf[ID_HEX] == ' ' &&
			      !hex_decode(buf, rm->dev, sizeof(rm->dev)) &&
			      !hex_decode(buf + ID_HEX + 1, rm->token,
					  sizeof(rm->token));
	}
	return rm;
}

static void remove_run(struct dirw *w, struct dirw_job *base)
{
	struct remove_job *j = (struct remove_job *)base;
	char path[512], id[ID_HEX + 1], *esc;
	unsigned int i;
	json_t *p;
	long status;

	j->ret = dirw_lookup(w, j->handle, &j->r, j->err, sizeof(j->err));
	if (j->ret)
		return;
	j->gone = true;
	for (i = 0; j->r.present && i < j->r.entry.ndev; i++)
		if (!memcmp(j->r.entry.dev[i].id, j->dev, ENTRY_ID_LEN))
			j->gone = false;
	if (j->gone)
		return;
	esc = curl_easy_escape(NULL, j->handle, 0);
	if (!esc) {
		j->ret = -ENOMEM;
		return;
	}
	hex_encode(j->dev, ENTRY_ID_LEN, id);
	snprintf(path, sizeof(path), "/v1/accounts/%s/devices/%s", esc, id);
	curl_free(esc);
	p = json_pack("{s:s, s:s, s:I, s:s}", "op", "remove-device",
		      "handle", j->handle,
		      "seq", (json_int_t)(j->r.entry.seq + 1), "device_id", id);
	if (!p) {
		j->ret = -ENOMEM;
		return;
	}
	j->ret = dirw_change(w, "DELETE", path, p, false, NULL, &status,
			     j->err, sizeof(j->err));
	json_decref(p);
	if (!j->ret || status == 404)
		j->gone = true;
}

static void remove_done(struct ternd *td, struct dirw_job *base,
			bool cancelled)
{
	struct remove_job *j = (struct remove_job *)base;
	struct td_removal *rm = td->removal;
	char id[ID_HEX + 1];

	if (rm)
		rm->busy = false;
	if (cancelled || !rm) {
		free(j);
		return;
	}
	hex_encode(j->dev, ENTRY_ID_LEN, id);
	if (j->gone) {
		td_log(td, TD_INFO, "link: device %s removed from the account",
		       id);
		rm->pending = false;
		td_setting_set(td, REMOVING_SETTING, "");
		chat_devices_changed(td);
	} else {
		td_log(td, TD_ERR, "link: removing device %s from the directory: %s: trying again",
		       id, j->err[0] ? j->err : strerror(-j->ret));
		ev_timer_in(td->loop, &rm->retry, REMOVE_RETRY_MS);
	}
	free(j);
}

static void removal_kick(struct ternd *td)
{
	struct td_removal *rm = removal(td);
	Tern__Revoke rv = TERN__REVOKE__INIT;
	struct remove_job *j;

	if (!rm || !rm->pending || rm->busy || !td->dir ||
	    td->dir->state != TDIR_REGISTERED)
		return;
	if (!rm->revoked) {
		/* Answered by devlink_revoke_result(); else again later. */
		rv.token = wire_bytes(rm->token, WIRE_TOKEN_LEN);
		if (link_ready(td))
			link_send(td, WIRE_REVOKE, &rv.base);
		ev_timer_in(td->loop, &rm->retry, REMOVE_RETRY_MS);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		ev_timer_in(td->loop, &rm->retry, REMOVE_RETRY_MS);
		return;
	}
	j->base.run = remove_run;
	j->base.done = remove_done;
	snprintf(j->handle, sizeof(j->handle), "%s", td->conf.handle);
	memcpy(j->dev, rm->dev, sizeof(j->dev));
	rm->busy = true;
	dirw_submit(td->dir->w, &j->base);
}

void devlink_ready(struct ternd *td)
{
	if (td->akey)
		removal_kick(td);
}

bool devlink_revoke_result(struct ternd *td, const Tern__RevokeResult *res)
{
	struct td_removal *rm = td->removal;

	if (!rm || !rm->pending || rm->revoked ||
	    memcmp(rm->token, res->token.data, WIRE_TOKEN_LEN))
		return false;
	/* An unknown token has nothing left to cut off either. */
	if (!res->ok && strcmp(res->detail, "unknown token")) {
		td_log(td, TD_ERR, "link: the gateway refused to revoke the device's token: %s",
		       res->detail);
		return true;
	}
	rm->revoked = true;
	ev_timer_stop(td->loop, &rm->retry);
	removal_kick(td);
	return true;
}

int devlink_remove(struct ternd *td, const char *hex, uint8_t *token,
		   char *err, size_t errlen)
{
	char buf[2 * (E2EMSG_DEVICE_ID_LEN + WIRE_TOKEN_LEN) + 2];
	uint8_t ids[E2EMSG_LINK_DEVICES_MAX][E2EMSG_DEVICE_ID_LEN];
	const struct tdir_cached *e;
	uint8_t id[E2EMSG_DEVICE_ID_LEN];
	struct td_removal *rm;
	unsigned int i, n, k;
	int ret;

	if (strlen(hex) != ID_HEX || hex_decode(hex, id, sizeof(id))) {
		snprintf(err, errlen, "device: not a device id (32 hex digits)");
		return -EINVAL;
	}
	if (!memcmp(id, td->device_id, sizeof(id))) {
		snprintf(err, errlen, "that is this device: remove it from another device of the account");
		return -EINVAL;
	}
	rm = removal(td);
	if (!rm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (rm->pending) {
		snprintf(err, errlen, "a removal is still under way: try again once it is done");
		return -EAGAIN;
	}
	/* Its token, from the own entry the monitor verified last. */
	e = td->dir ? tdir_cache_get(td->dir, td->conf.handle, UINT64_MAX) :
		      NULL;
	for (i = 0; e && e->present && i < e->entry.ndev; i++)
		if (!memcmp(e->entry.dev[i].id, id, sizeof(id)))
			break;
	if (!e || !e->present || i == e->entry.ndev) {
		snprintf(err, errlen, "the directory does not show that device in this account");
		return -ENOENT;
	}
	memcpy(rm->dev, id, sizeof(id));
	memcpy(rm->token, e->entry.dev[i].push_token, WIRE_TOKEN_LEN);
	hex_encode(rm->dev, sizeof(rm->dev), buf);
	buf[ID_HEX] = ' ';
	hex_encode(rm->token, sizeof(rm->token), buf + ID_HEX + 1);
	/* The monitor stops expecting it, in the same batch. */
	n = approved_load(td, ids);
	for (i = k = 0; i < n; i++)
		if (memcmp(ids[i], id, sizeof(id)))
			memcpy(ids[k++], ids[i], sizeof(id));
	ret = td_setting_set(td, REMOVING_SETTING, buf);
	if (!ret)
		ret = approved_save(td, ids, k);
	if (ret) {
		snprintf(err, errlen, "store: %s", dstore_error(td->ds));
		return ret;
	}
	ret = tell_devices(td, NULL, id, err, errlen);
	if (ret)
		return ret;
	/* The caller commits, then devlink_ready() starts it. */
	rm->pending = true;
	rm->revoked = false;
	memcpy(token, rm->token, WIRE_TOKEN_LEN);
	return 0;
}

void devlink_free(struct ternd *td)
{
	devlink_stop(td);
	if (td->removal) {
		ev_timer_stop(td->loop, &td->removal->retry);
		free(td->removal);
		td->removal = NULL;
	}
}
