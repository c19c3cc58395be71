/* Connections per client address: a small open-addressing table under a
 * mutex (the acceptor adds, event loops remove). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv.h"

#define ADDR_SLOTS 4096

struct addr_slot {
	char addr[64];
	uint32_t count;
};

struct addr_limits {
	pthread_mutex_t mu;
	uint32_t max;
	struct addr_slot slots[ADDR_SLOTS];
};

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

struct addr_limits *addr_limits_new(uint32_t max_per_addr)
{
	struct addr_limits *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	l->max = max_per_addr;
	return l;
}

/* The slot holding addr, or the first free one on its probe path. */
static struct addr_slot *find(struct addr_limits *l, const char *addr, bool insert)
{
	uint32_t h = hash(addr);
	struct addr_slot *free_slot = NULL;
	for (uint32_t i = 0; i < ADDR_SLOTS; i++) {
		struct addr_slot *s = &l->slots[(h + i) % ADDR_SLOTS];
		if (s->count && !strcmp(s->addr, addr))
			return s;
		if (!s->count && !free_slot)
			free_slot = s;
		if (!s->count && !s->addr[0])
			break; /* never used: the probe path ends here */
	}
	if (!insert || !free_slot)
		return NULL;
	snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", addr);
	return free_slot;
}

bool addr_limits_acquire(struct addr_limits *l, const char *addr)
{
	pthread_mutex_lock(&l->mu);
	struct addr_slot *s = find(l, addr, true);
	bool ok = s && s->count < l->max;
	if (ok)
		s->count++;
	pthread_mutex_unlock(&l->mu);
	return ok;
}

void addr_limits_release(struct addr_limits *l, const char *addr)
{
	pthread_mutex_lock(&l->mu);
	struct addr_slot *s = find(l, addr, false);
	if (s && s->count)
		s->count--;
	pthread_mutex_unlock(&l->mu);
}

void addr_limits_free(struct addr_limits *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}
