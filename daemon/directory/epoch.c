// SPDX-License-Identifier: GPL-2.0
/*
 * Key transparency in the directory (Documentation/directory.rst): the map
 * of every handle's commitment, the log of epochs and the signed head,
 * rebuilt from the store at start and advanced one epoch per change.
 *
 * An epoch is published inside the change's store transaction: the map is
 * updated, the epoch record stored and appended to the log, a head signed.
 * Should the transaction fail, dird_kt_undo() returns the map and the log
 * to the previous epoch, so memory never runs ahead of the store.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dird.h"
#include "store.h"

uint64_t dird_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dird_kt_sign(struct dird *d, const struct dird_kt *kt, uint64_t size,
		 uint64_t timestamp_ms, struct kt_sth *h)
{
	h->size = size;
	h->timestamp_ms = timestamp_ms;
	if (kt_log_root(kt->log, h->size, h->root))
		return -EIO;
	return kt_sth_sign(h, d->head_key);
}

static int sign_head(struct dird *d, struct kt_sth *h)
{
	return dird_kt_sign(d, &d->kt, kt_log_size(d->kt.log), dird_now_ms(),
			    h);
}

struct load_ctx {
	struct dird_kt *kt;
	uint64_t next;
	uint8_t last_root[KT_HASH_LEN];
};

static int load_epoch(void *arg, uint64_t epoch,
		      const uint8_t map_root[KT_HASH_LEN])
{
	struct load_ctx *c = arg;
	uint8_t leaf[KT_EPOCH_LEAF_LEN];

	if (epoch != c->next)
		return -EIO;
	kt_epoch_leaf(epoch, map_root, leaf);
	c->next++;
	memcpy(c->last_root, map_root, KT_HASH_LEN);
	return kt_log_append(c->kt->log, leaf, sizeof(leaf));
}

static int load_commitment(void *arg, const uint8_t key[KT_HASH_LEN],
			   const uint8_t value[KT_HASH_LEN])
{
	struct dird_kt *kt = arg;

	return kt_map_set(kt->map, key, value);
}

int dird_kt_read(struct dird *d, struct dird_kt *kt, uint64_t *epochs,
		 uint8_t last_root[KT_HASH_LEN], char *err, size_t errlen)
{
	struct load_ctx c = { .kt = kt };
	int ret;

	kt->map = kt_map_new();
	kt->log = kt_log_new();
	if (!kt->map || !kt->log) {
		snprintf(err, errlen, "out of memory for the map and the log");
		return -ENOMEM;
	}
	ret = dird_store_commitments(d->store, load_commitment, kt);
	if (!ret)
		ret = dird_store_epochs(d->store, load_epoch, &c);
	if (ret) {
		snprintf(err, errlen, "cannot load the map and the log: %s",
			 ret == -EIO ? dird_store_error(d->store) :
			 strerror(-ret));
		return ret;
	}
	*epochs = c.next;
	memcpy(last_root, c.last_root, KT_HASH_LEN);
	return 0;
}

void dird_kt_free(struct dird_kt *kt)
{
	kt_map_free(kt->map);
	kt_log_free(kt->log);
	memset(kt, 0, sizeof(*kt));
}

int dird_kt_load(struct dird *d, char *err, size_t errlen)
{
	uint8_t root[KT_HASH_LEN], last[KT_HASH_LEN];
	struct dird_kt_change none;
	uint64_t epochs;
	int ret;

	ret = dird_kt_read(d, &d->kt, &epochs, last, err, errlen);
	if (ret)
		return ret;
	if (!epochs) {
		/* A new directory: epoch 0 is the empty map. */
		ret = dird_store_begin(d->store);
		if (!ret)
			ret = dird_kt_publish(d, &none, 0);
		ret = dird_store_end(d->store, ret);
		if (ret) {
			snprintf(err, errlen, "cannot publish epoch 0: %s",
				 dird_store_error(d->store));
			return ret;
		}
		return 0;
	}
	/* The map rebuilt from the accounts must be the last epoch's. */
	kt_map_root(d->kt.map, root);
	if (!kt_hash_eq(root, last)) {
		snprintf(err, errlen,
			 "the accounts do not make the map of epoch %llu: the store was changed behind the directory's back",
			 (unsigned long long)(epochs - 1));
		return -EIO;
	}
	ret = sign_head(d, &d->kt.head);
	if (ret)
		snprintf(err, errlen, "cannot sign the head: %s",
			 strerror(-ret));
	return ret;
}

/* Back to the map before changes @c[0..@n), newest first. */
static void undo_map(struct dird *d, struct dird_kt_change *c, unsigned int n)
{
	while (n--) {
		if (c[n].had_old)
			kt_map_set(d->kt.map, c[n].key, c[n].old);
		else
			kt_map_delete(d->kt.map, c[n].key);
	}
}

int dird_kt_publish(struct dird *d, struct dird_kt_change *c, unsigned int n)
{
	uint8_t root[KT_HASH_LEN], leaf[KT_EPOCH_LEAF_LEN];
	uint64_t epoch = kt_log_size(d->kt.log);
	struct kt_sth head;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		c[i].had_old = !kt_map_get(d->kt.map, c[i].key, c[i].old);
		if (c[i].remove)
			ret = c[i].had_old ? kt_map_delete(d->kt.map, c[i].key) : 0;
		else
			ret = kt_map_set(d->kt.map, c[i].key, c[i].value);
		if (ret)
			goto undo_map;
	}
	kt_map_root(d->kt.map, root);
	ret = dird_store_epoch_add(d->store, epoch, root);
	if (ret)
		goto undo_map;
	kt_epoch_leaf(epoch, root, leaf);
	ret = kt_log_append(d->kt.log, leaf, sizeof(leaf));
	if (ret)
		goto undo_map;
	ret = sign_head(d, &head);
	if (ret)
		goto undo_log;
	d->kt.prev_head = d->kt.head;
	d->kt.head = head;
	return 0;
undo_log:
	kt_log_truncate(d->kt.log, epoch);
undo_map:
	undo_map(d, c, i);
	return ret;
}

void dird_kt_undo(struct dird *d, struct dird_kt_change *c, unsigned int n)
{
	undo_map(d, c, n);
	kt_log_truncate(d->kt.log, kt_log_size(d->kt.log) - 1);
	d->kt.head = d->kt.prev_head;
}

/* A fresh signature on an unchanged log, so clients see a recent head. */
int dird_kt_refresh_head(struct dird *d)
{
	struct kt_sth head;
	int ret = sign_head(d, &head);

	if (!ret)
		d->kt.head = head;
	return ret;
}
