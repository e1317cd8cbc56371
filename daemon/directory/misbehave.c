// SPDX-License-Identifier: GPL-2.0
/*
 * A directory that lies, for tests only: built into
 * tern-directoryd-misbehave with TERN_DIRD_MISBEHAVE, never into the
 * shipped daemon (Documentation/directory.rst, "Testing the clients'
 * checks"). --misbehave MODE:
 *
 *   substitute:HANDLE   at start, add a device to HANDLE that its owner
 *                       never added, properly logged: only the owner's
 *                       own monitoring can tell
 *   split:ADDR:HANDLE   show the source address ADDR a forked log in
 *                       which HANDLE has a device more; everyone else the
 *                       real one: caught by an auditor given both heads
 *   rollback            serve the head of the log one epoch back
 *   fork                serve a head of the same size over another log
 *   stale               serve a head signed a day ago, never refreshed
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dird.h"
#include "handle.h"

#define DAY_MS	(24ULL * 3600 * 1000)

enum mb_mode { MB_SUBSTITUTE, MB_SPLIT, MB_ROLLBACK, MB_FORK, MB_STALE };

struct dird_misbehave {
	enum mb_mode mode;
	char handle[HANDLE_MAX + 1];
	char addr[64];
	struct dird_kt fork;		/* what the lie shows */
	struct dird_device fake;	/* the device nobody added */
};

/* A device with genuine keys and signatures, but nobody's. */
static int fake_device(struct dird_device *dv)
{
	EVP_PKEY *ik = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *xk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	uint8_t msg[5 + ENTRY_KEY_LEN];
	size_t len = ENTRY_KEY_LEN;
	int ret = -EIO;

	memset(dv, 0, sizeof(*dv));
	if (!ik || !xk ||
	    !EVP_PKEY_get_raw_public_key(ik, dv->e.identity_key, &len) ||
	    !EVP_PKEY_get_raw_public_key(xk, dv->e.identity_x25519, &len) ||
	    RAND_bytes(dv->e.push_token, ENTRY_TOKEN_LEN) != 1 ||
	    RAND_bytes(dv->spk.key, ENTRY_KEY_LEN) != 1 ||
	    RAND_bytes(dv->lr.key, ENTRY_KEY_LEN) != 1)
		goto out;
	if (entry_device_id(dv->e.identity_key, dv->e.id) ||
	    entry_sign(ik, ENTRY_LABEL_X25519, dv->e.identity_x25519,
		       ENTRY_KEY_LEN, dv->e.x25519_sig))
		goto out;
	dv->spk.id = 1;
	dv->spk.klen = ENTRY_KEY_LEN;
	dv->spk.set = true;
	dv->lr.id = 2;
	dv->lr.klen = ENTRY_KEY_LEN;
	dv->lr.set = true;
	if (entry_prekey_msg(ENTRY_PREKEY_SIGNED, 1, dv->spk.key,
			     ENTRY_KEY_LEN, msg, sizeof(msg)) < 0 ||
	    entry_sign(ik, ENTRY_LABEL_PREKEY, msg, sizeof(msg), dv->spk.sig) ||
	    entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, 2, dv->lr.key,
			     ENTRY_KEY_LEN, msg, sizeof(msg)) < 0 ||
	    entry_sign(ik, ENTRY_LABEL_PREKEY, msg, sizeof(msg), dv->lr.sig))
		goto out;
	ret = 0;
out:
	EVP_PKEY_free(ik);
	EVP_PKEY_free(xk);
	return ret;
}

/* The fork of split view: the real log plus an epoch with the fake device. */
static int build_split(struct dird *d, struct dird_misbehave *m, char *err,
		       size_t errlen)
{
	struct dird_device *dev = calloc(ENTRY_MAX_DEVICES, sizeof(*dev));
	uint8_t last[KT_HASH_LEN], value[KT_HASH_LEN], root[KT_HASH_LEN];
	uint8_t leaf[KT_EPOCH_LEAF_LEN];
	struct dird_account a;
	struct entry *e = calloc(1, sizeof(*e));
	uint64_t epochs, seq;
	unsigned int n, i;
	int ret = -ENOMEM;

	if (!dev || !e)
		goto out;
	ret = dird_kt_read(d, &m->fork, &epochs, last, err, errlen);
	if (ret)
		goto out;
	ret = dird_store_account_get(d->store, m->handle, &a);
	if (!ret)
		ret = dird_store_devices(d->store, m->handle, dev, &n);
	if (ret) {
		snprintf(err, errlen, "split: %s is not registered", m->handle);
		goto out;
	}
	seq = a.seq;
	dird_misbehave_entry(d, NULL, m->handle, dev, &n, &seq);
	memcpy(e->account_key, a.account_key, ENTRY_KEY_LEN);
	e->seq = seq;
	e->ndev = n;
	for (i = 0; i < n; i++)
		e->dev[i] = dev[i].e;
	ret = entry_commitment(e, value);
	if (!ret)
		ret = kt_map_set(m->fork.map, a.vrf_out, value);
	if (ret)
		goto out;
	kt_map_root(m->fork.map, root);
	kt_epoch_leaf(epochs, root, leaf);
	ret = kt_log_append(m->fork.log, leaf, sizeof(leaf));
	if (!ret)
		ret = dird_kt_sign(d, &m->fork, kt_log_size(m->fork.log),
				   dird_now_ms(), &m->fork.head);
out:
	free(dev);
	free(e);
	return ret;
}

int dird_misbehave_init(struct dird *d, const char *spec, char *err,
			size_t errlen)
{
	struct dird_misbehave *m = calloc(1, sizeof(*m));
	uint8_t last[KT_HASH_LEN], leaf[KT_EPOCH_LEAF_LEN];
	uint64_t epochs, size = d->kt.head.size;
	const char *arg = strchr(spec, ':'), *colon;
	int ret;

	if (!m)
		return -ENOMEM;
	d->mb = m;
	if (!strncmp(spec, "substitute:", 11)) {
		m->mode = MB_SUBSTITUTE;
		snprintf(m->handle, sizeof(m->handle), "%s", arg + 1);
		ret = fake_device(&m->fake);
		if (!ret)
			ret = dird_put_device(d, m->handle, &m->fake);
		if (ret)
			snprintf(err, errlen, "substitute: cannot add a device to %s",
				 m->handle);
		return ret;
	}
	if (!strncmp(spec, "split:", 6) && (colon = strchr(arg + 1, ':'))) {
		m->mode = MB_SPLIT;
		snprintf(m->addr, sizeof(m->addr), "%.*s",
			 (int)(colon - arg - 1), arg + 1);
		snprintf(m->handle, sizeof(m->handle), "%s", colon + 1);
		ret = fake_device(&m->fake);
		return ret ? ret : build_split(d, m, err, errlen);
	}
	if (!strcmp(spec, "rollback") || !strcmp(spec, "fork")) {
		m->mode = spec[0] == 'r' ? MB_ROLLBACK : MB_FORK;
		if (size < 2) {
			snprintf(err, errlen, "%s: needs a log of 2 epochs",
				 spec);
			return -EINVAL;
		}
		ret = dird_kt_read(d, &m->fork, &epochs, last, err, errlen);
		if (ret)
			return ret;
		kt_log_truncate(m->fork.log, size - 1);
		if (m->mode == MB_FORK) {
			/* Another last epoch: a map root nobody published. */
			RAND_bytes(last, sizeof(last));
			kt_epoch_leaf(size - 1, last, leaf);
			ret = kt_log_append(m->fork.log, leaf, sizeof(leaf));
			if (ret)
				return ret;
		}
		return dird_kt_sign(d, &m->fork, kt_log_size(m->fork.log),
				    dird_now_ms(), &m->fork.head);
	}
	if (!strcmp(spec, "stale")) {
		m->mode = MB_STALE;
		return dird_kt_sign(d, &d->kt, size, dird_now_ms() - DAY_MS,
				    &d->kt.head);
	}
	snprintf(err, errlen,
		 "--misbehave: '%s' is not substitute:HANDLE, split:ADDR:HANDLE, rollback, fork or stale",
		 spec);
	return -EINVAL;
}

void dird_misbehave_free(struct dird *d)
{
	if (!d->mb)
		return;
	dird_kt_free(&d->mb->fork);
	free(d->mb);
	d->mb = NULL;
}

static bool is_victim(struct dird *d, struct evhttp_request *req)
{
	return d->mb && d->mb->mode == MB_SPLIT &&
	       !strcmp(dird_source(req), d->mb->addr);
}

const struct dird_kt *dird_view(struct dird *d, struct evhttp_request *req)
{
	if (!d->mb)
		return &d->kt;
	switch (d->mb->mode) {
	case MB_SPLIT:
		return is_victim(d, req) ? &d->mb->fork : &d->kt;
	case MB_ROLLBACK:
	case MB_FORK:
		return &d->mb->fork;
	default:
		return &d->kt;
	}
}

void dird_misbehave_entry(struct dird *d, struct evhttp_request *req,
			  const char *handle, struct dird_device *dev,
			  unsigned int *n, uint64_t *seq)
{
	struct dird_misbehave *m = d->mb;

	if (!m || m->mode != MB_SPLIT || strcmp(handle, m->handle) ||
	    (req && !is_victim(d, req)) || *n == ENTRY_MAX_DEVICES)
		return;
	dev[(*n)++] = m->fake;
	(*seq)++;
}

bool dird_misbehave_frozen(struct dird *d)
{
	return d->mb && d->mb->mode == MB_STALE;
}
