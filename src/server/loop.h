/* Event-loop threads (DESIGN "Threads"): each owns a set of connections
 * and runs every request of those connections to completion. */
#ifndef DAX_LOOP_H
#define DAX_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct srv;
struct srv_conn;

struct srv_loop {
	struct srv *srv;
	pthread_t thread;
	int epfd;
	int wakefd;
	pthread_mutex_t mu;
	struct srv_conn *incoming;     /* handed over by the acceptor */
	struct srv_conn *conns;        /* owned connections */
	struct srv_async *done;        /* async work finished by workers */
	struct srv_task *tasks;        /* posted by other threads */
	unsigned ndead;                /* closed connections awaiting work */
	atomic_bool stop;
};

/* A function to run on a loop's thread, posted from any thread (e.g. an
 * oplock or lease break for a connection another thread owns). */
struct srv_task {
	struct srv_task *next;
	void (*fn)(struct srv_task *t);
};

int srv_loop_start(struct srv_loop *l, struct srv *srv);
/* Queues t; t->fn(t) runs on l's thread soon after (t owns itself: fn
 * frees it).  Safe from any thread. */
void srv_loop_post(struct srv_loop *l, struct srv_task *t);
/* Runs a list of tasks kept newest first (as posted), oldest first. */
void srv_tasks_run(struct srv_task *newest_first);
/* On l's thread: the live connection with this id, or NULL (a posted task
 * names its connection by id, never by a pointer that may be gone). */
struct srv_conn *srv_loop_find_conn(struct srv_loop *l, uint64_t id);
/* Hands a new connection (fd set, not yet registered) to the loop. */
void srv_loop_adopt(struct srv_loop *l, struct srv_conn *c);
void srv_loop_stop(struct srv_loop *l);

#endif
