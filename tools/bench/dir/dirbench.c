// SPDX-License-Identifier: GPL-2.0
/*
 * tern-dirbench: the directory benchmark's two halves
 * (Documentation/bench.md, "The directory benchmark").
 *
 *   tern-dirbench populate DATA N [REAL]
 *	writes N accounts, each with one device and its prekeys, into the
 *	store DATA/directory.db through tern-directoryd's own store code,
 *	and the epochs of a log whose last map holds them all. The first
 *	REAL handles (default 10,000, at most N) get real VRF proofs under
 *	DATA/vrf.pem, so their lookups verify end to end; the rest get
 *	random VRF outputs and proofs (a VRF proof costs one RSA operation
 *	at registration and nothing at lookup, so lookups cost the same),
 *	which keeps a million-handle run within minutes. Prints a JSON
 *	object: how long the map took to build, its bytes, proof sizes.
 *
 *   tern-dirbench load URL CA HANDLES SECONDS THREADS PATH-KIND
 *	HTTPS GETs for SECONDS from THREADS threads with one kept-alive
 *	connection each: PATH-KIND "lookup" looks up random handles among
 *	the first HANDLES (bench-N@example.org), "head" fetches the head
 *	(the baseline: the same TLS, HTTP and JSON path without a proof).
 *	Prints a JSON object: requests, errors, requests per second,
 *	latency percentiles, mean answer bytes.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "dird.h"
#include "entry.h"
#include "kt_log.h"
#include "kt_map.h"
#include "kt_sth.h"
#include "kt_vrf.h"
#include "store.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tern-dirbench: %s\n", what);
	exit(1);
}

static void handle_of(unsigned long i, char *buf, size_t size)
{
	snprintf(buf, size, "bench-%lu@example.org", i);
}

static EVP_PKEY *vrf_key(const char *data)
{
	char path[4096];
	EVP_PKEY *k = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vrf.pem", data);
	f = fopen(path, "r");
	if (f) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	return k;
}

/* One device with genuine signatures under @ik, deterministic keys. */
static void device_for(EVP_PKEY *ik, unsigned long i, struct dird_device *dv)
{
	uint8_t msg[5 + ENTRY_KEY_LEN];
	size_t len = ENTRY_KEY_LEN;

	memset(dv, 0, sizeof(*dv));
	EVP_PKEY_get_raw_public_key(ik, dv->e.identity_key, &len);
	memcpy(dv->e.identity_x25519, &i, sizeof(i));
	memcpy(dv->e.push_token, &i, sizeof(i));
	entry_device_id(dv->e.identity_key, dv->e.id);
	entry_sign(ik, ENTRY_LABEL_X25519, dv->e.identity_x25519,
		   ENTRY_KEY_LEN, dv->e.x25519_sig);
	dv->spk.id = 1;
	dv->spk.klen = ENTRY_KEY_LEN;
	dv->spk.set = true;
	memset(dv->spk.key, 0x11, ENTRY_KEY_LEN);
	entry_prekey_msg(ENTRY_PREKEY_SIGNED, 1, dv->spk.key, ENTRY_KEY_LEN,
			 msg, sizeof(msg));
	entry_sign(ik, ENTRY_LABEL_PREKEY, msg, sizeof(msg), dv->spk.sig);
	dv->lr = dv->spk;
	dv->lr.id = 2;
	entry_prekey_msg(ENTRY_PREKEY_LAST_RESORT, 2, dv->lr.key,
			 ENTRY_KEY_LEN, msg, sizeof(msg));
	entry_sign(ik, ENTRY_LABEL_PREKEY, msg, sizeof(msg), dv->lr.sig);
}

static int populate(const char *data, unsigned long n, unsigned long real)
{
	uint8_t root[KT_HASH_LEN], empty[KT_HASH_LEN] = { 0 };
	struct kt_map *map = kt_map_new();
	struct dird_store *s = NULL;
	EVP_PKEY *vk, *ik, *ak;
	struct dird_account a;
	struct dird_device dv;
	struct kt_map_proof *p;
	struct entry *e;
	char handle[64], err[512];
	double t0, t_store, t_map, sum = 0;
	unsigned long i, probes = 2000, maxs = 0;
	size_t len = ENTRY_KEY_LEN;

	e = calloc(1, sizeof(*e));
	p = calloc(1, sizeof(*p));
	if (!map || !e || !p)
		die("out of memory");
	if (dird_store_open(&s, data, err, sizeof(err)))
		die(err);
	vk = vrf_key(data);
	ik = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ak = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!vk || !ik || !ak)
		die("no VRF key in DATA (start tern-directoryd --show-keys once), or no keys");
	/* One device and one account key for all: the bench measures lookups. */
	device_for(ik, 0, &dv);
	memset(&a, 0, sizeof(a));
	EVP_PKEY_get_raw_public_key(ak, a.account_key, &len);
	memcpy(e->account_key, a.account_key, ENTRY_KEY_LEN);
	e->seq = 1;
	e->ndev = 1;
	e->dev[0] = dv.e;

	t0 = now_s();
	if (dird_store_begin(s))
		die(dird_store_error(s));
	if (dird_store_epoch_add(s, 0, empty))
		die(dird_store_error(s));
	for (i = 0; i < n; i++) {
		uint8_t value[KT_HASH_LEN];

		handle_of(i, handle, sizeof(handle));
		if (i < real) {
			a.vrf_pilen = sizeof(a.vrf_pi);
			if (kt_vrf_prove(vk, handle, strlen(handle), a.vrf_pi,
					 &a.vrf_pilen) ||
			    kt_vrf_proof_to_hash(a.vrf_pi, a.vrf_pilen,
						 a.vrf_out))
				die("VRF failed");
		} else {
			a.vrf_pilen = DIRD_VRF_BITS / 8;
			RAND_bytes(a.vrf_pi, a.vrf_pilen);
			RAND_bytes(a.vrf_out, KT_HASH_LEN);
		}
		a.seq = 0;
		/* Commit every 10,000: a WAL of one huge transaction grows
		 * to gigabytes as the page cache spills.
		 */
		if (i && !(i % 10000) &&
		    (dird_store_end(s, 0) || dird_store_begin(s)))
			die(dird_store_error(s));
		if (dird_store_account_add(s, handle, &a) ||
		    dird_store_device_put(s, handle, &dv) ||
		    entry_commitment(e, value) ||
		    dird_store_account_set(s, handle, 1, value) ||
		    kt_map_set(map, a.vrf_out, value))
			die(dird_store_error(s));
	}
	t_store = now_s() - t0;
	kt_map_root(map, root);
	if (dird_store_epoch_add(s, 1, root) || dird_store_end(s, 0))
		die(dird_store_error(s));
	/* The map again, alone: what the directory does at start. */
	kt_map_free(map);
	map = kt_map_new();
	t0 = now_s();
	{
		struct dird_kt kt = { 0 };
		uint64_t epochs;
		struct dird d;

		memset(&d, 0, sizeof(d));
		d.store = s;
		if (dird_kt_read(&d, &kt, &epochs, root, err, sizeof(err)))
			die(err);
		t_map = now_s() - t0;
		for (i = 0; i < probes; i++) {
			uint8_t key[KT_HASH_LEN];

			RAND_bytes(key, sizeof(key));
			kt_map_prove(kt.map, key, p);
			sum += p->nsib;
			if (p->nsib > maxs)
				maxs = p->nsib;
		}
		printf("{\"handles\": %lu, \"real_vrf\": %lu, \"store_s\": %.2f, \"map_load_s\": %.2f, \"map_bytes\": %zu, \"proof_hashes_mean\": %.2f, \"proof_hashes_max\": %lu, \"log2_n\": %.2f}\n",
		       n, real < n ? real : n, t_store, t_map,
		       kt_map_bytes(kt.map), sum / probes, maxs,
		       log2((double)n));
		dird_kt_free(&kt);
	}
	kt_map_free(map);
	dird_store_close(s);
	EVP_PKEY_free(vk);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(ak);
	free(e);
	free(p);
	return 0;
}

/* The store and epoch code log through dird_log(); nothing to say here. */
int dird_verbose;

void dird_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

struct loader {
	const char *url, *ca, *kind;
	unsigned long handles;
	double until;
	pthread_t t;
	unsigned long ok, errors;
	size_t bytes;
	double *lat;
	size_t nlat, cap;
	unsigned int seed;
};

static size_t count_bytes(char *p, size_t size, size_t n, void *arg)
{
	struct loader *l = arg;

	(void)p;
	l->bytes += size * n;
	return size * n;
}

static void *load_thread(void *arg)
{
	struct loader *l = arg;
	char url[512], handle[64];
	CURL *c = curl_easy_init();
	long code;
	double t;

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_CAINFO, l->ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	while ((t = now_s()) < l->until) {
		if (!strcmp(l->kind, "head")) {
			snprintf(url, sizeof(url), "%s/v1/kt/head", l->url);
		} else {
			handle_of(rand_r(&l->seed) % l->handles, handle,
				  sizeof(handle));
			snprintf(url, sizeof(url), "%s/v1/lookup/%s", l->url,
				 handle);
		}
		curl_easy_setopt(c, CURLOPT_URL, url);
		code = 0;
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			l->errors++;
			continue;
		}
		l->ok++;
		if (l->nlat == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 4096;
			l->lat = realloc(l->lat, l->cap * sizeof(*l->lat));
			if (!l->lat)
				die("out of memory");
		}
		l->lat[l->nlat++] = (now_s() - t) * 1000;
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int load(const char *url, const char *ca, unsigned long handles,
		double seconds, unsigned int threads, const char *kind)
{
	struct loader *l = calloc(threads, sizeof(*l));
	unsigned long ok = 0, errors = 0;
	size_t bytes = 0, n = 0, k = 0;
	double t0, el, *all;
	unsigned int i;

	if (!l || curl_global_init(CURL_GLOBAL_DEFAULT))
		die("cannot start");
	t0 = now_s();
	for (i = 0; i < threads; i++) {
		l[i] = (struct loader){ .url = url, .ca = ca, .kind = kind,
			.handles = handles, .until = t0 + seconds,
			.seed = 7919 * (i + 1) };
		if (pthread_create(&l[i].t, NULL, load_thread, &l[i]))
			die("cannot start a thread");
	}
	for (i = 0; i < threads; i++) {
		pthread_join(l[i].t, NULL);
		ok += l[i].ok;
		errors += l[i].errors;
		bytes += l[i].bytes;
		n += l[i].nlat;
	}
	el = now_s() - t0;
	all = malloc((n + 1) * sizeof(*all));
	if (!all)
		die("out of memory");
	for (i = 0; i < threads; i++) {
		if (l[i].nlat)
			memcpy(all + k, l[i].lat, l[i].nlat * sizeof(*all));
		k += l[i].nlat;
		free(l[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp_d);
	printf("{\"kind\": \"%s\", \"threads\": %u, \"seconds\": %.2f, \"requests\": %lu, \"errors\": %lu, \"per_s\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"bytes_mean\": %.0f}\n",
	       kind, threads, el, ok, errors, ok / el,
	       n ? all[n / 2] : 0, n ? all[(size_t)(n * 0.99)] : 0,
	       ok ? (double)bytes / ok : 0);
	free(all);
	free(l);
	curl_global_cleanup();
	return errors && !ok;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "populate"))
		return populate(argv[2], strtoul(argv[3], NULL, 10),
				argc > 4 ? strtoul(argv[4], NULL, 10) : 10000);
	if (argc == 8 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3], strtoul(argv[4], NULL, 10),
			    atof(argv[5]), atoi(argv[6]), argv[7]);
	fprintf(stderr,
		"usage: tern-dirbench populate DATA N [REAL]\n"
		"       tern-dirbench load URL CA HANDLES SECONDS THREADS lookup|head\n");
	return 2;
}
