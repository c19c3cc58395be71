/* libFuzzer: the whole server, one connection per input.
 *
 * The input is what a client sends on one TCP connection: direct-TCP
 * frames (a zero byte and a 24-bit big-endian length, MS-SMB2 2.1), so a
 * seed is simply the client-to-server byte stream of a real conversation
 * (tests/fuzz/capture_seeds.py).  Each frame goes through
 * srv_process_frame() of a fresh struct srv_conn, up to MAX_FRAMES frames
 * or until the server decides to close.  A frame whose announced length
 * runs past the input is cut at the end of the input, so mutations of the
 * length still reach the server; a length above the connection's frame
 * limit ends the conversation as in conn.c.
 *
 * The server is set up as in main.c, minus the event-loop threads (this
 * thread plays the loop: posted tasks and completed waiters run after each
 * frame), the worker pool (srv_go_async() then declines and the work runs
 * inline) and the privilege drop, with two shares: [guest] (guest ok,
 * writable) and [guestro] (guest ok, read only), plus IPC$.  At the end of
 * an input, a connection whose async requests are not all completed by
 * its cleanup traps (the real server would never release it).
 *
 * Besides the sanitizers, each input is checked against the promises of
 * issue 4; a breach traps with a message on stderr:
 *  - nothing below [guestro] changes (inotify: create, delete, move, write,
 *    attributes);
 *  - nothing outside the shares is opened, read, or changed: [guest] holds
 *    symlinks to a file and a directory in a sibling "outside" directory,
 *    watched with inotify.
 *
 * FUZZ_SERVER_AVOID (comma-separated names) steers around bugs already
 * reported, so that a long run finds new ones; never set it when checking
 * regressions:
 *  - hdr-only: frames with a message shorter than a header and the
 *    StructureSize field (regressions/header-only-message).
 *
 * The share directories live on a private tmpfs (a mount namespace of
 * this process, size-capped) when we may mount one, so that hostile
 * allocation sizes cannot fill the real disk; [guest] is emptied and set
 * up afresh before every input so that runs are reproducible.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/nttime.h"
#include "server/loop.h"
#include "server/srv.h"
#include "transport/tp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 64
/* Session ids start here on every connection (capture_seeds.py rewrites
 * the ids of the captured server to these). */
#define SESSION_ID_BASE 0x0000da7500000001ull
#define TMPFS_SIZE "size=256m"

static struct srv srv;
static struct srv_loop loop;
static char base[64];           /* the temporary directory */
static char guest_dir[128], ro_dir[128], out_dir[128];
static int ino_fd = -1;
static uint8_t sink[1 << 16];
static bool avoid_hdr_only;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_server: %s: %s\n", what, strerror(errno));
	abort();
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(p);
	close(fd);
}

static void make_dir(const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		die(p);
}

static void make_link(const char *target, const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (symlink(target, p) < 0)
		die(p);
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level > 0 && remove(path) < 0) {
		/* The server may have left a directory without write or search
		 * permission for us: make it removable and retry. */
		chmod(path, 0777);
		if (remove(path) < 0)
			die(path);
	}
	return 0;
}

static void empty_dir(const char *dir)
{
	/* Permissions first (a mode-000 directory cannot be walked). */
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		die(dir);
}

/* The same small tree before every input: files, a directory, a link that
 * stays inside and two that point outside the share. */
static void reset_guest(void)
{
	empty_dir(guest_dir);
	write_file(guest_dir, "a.txt", "hello from the guest share\n");
	make_dir(guest_dir, "dir");
	write_file(guest_dir, "dir/b.txt", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
	make_link("a.txt", guest_dir, "in_link");
	make_link("../outside/secret.txt", guest_dir, "out_file");
	make_link("../outside", guest_dir, "out_dir");
	make_link("/etc", guest_dir, "abs_dir");
}

/* inotify watches and the directory each one is on. */
static struct {
	int wd;
	char path[128];
} watches[8];
static size_t nwatches;

static void watch(const char *path, uint32_t mask)
{
	int wd = inotify_add_watch(ino_fd, path, mask);
	if (wd < 0 || nwatches == sizeof(watches) / sizeof(watches[0]))
		die(path);
	watches[nwatches].wd = wd;
	snprintf(watches[nwatches].path, sizeof(watches[0].path), "%s", path);
	nwatches++;
}

static const char *watched_dir(int wd)
{
	for (size_t i = 0; i < nwatches; i++)
		if (watches[i].wd == wd)
			return watches[i].path;
	return "?";
}

static const char *ino_what(uint32_t m)
{
	if (m & IN_OPEN) return "opened";
	if (m & IN_ACCESS) return "read";
	if (m & IN_MODIFY) return "written";
	if (m & IN_ATTRIB) return "attributes changed";
	if (m & IN_CREATE) return "created";
	if (m & IN_DELETE) return "deleted";
	if (m & (IN_MOVED_FROM | IN_MOVED_TO)) return "renamed";
	if (m & IN_CLOSE) return "closed";
	return "touched";
}

/* Traps on any event the server caused on the watched places. */
static void check_watches(void)
{
	char evbuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(ino_fd, evbuf, sizeof(evbuf));
	if (n <= 0)
		return;
	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *e = (const void *)(evbuf + off);
		fprintf(stderr, "fuzz_server: BREACH: %s/%s %s (inotify mask 0x%x): the server "
			"changed a read-only share or reached outside its shares\n",
			watched_dir(e->wd), e->len ? e->name : ".", ino_what(e->mask), e->mask);
		off += (ssize_t)(sizeof(*e) + e->len);
	}
	__builtin_trap();
}

/* Only for a plain directory: a private tmpfs goes with this process's
 * mount namespace, and its mount point may serve other fuzz_server
 * processes, each with a tmpfs of its own. */
static void cleanup_dirs(void)
{
	empty_dir(base);
	rmdir(base);
}

/* A private tmpfs (in a mount namespace of our own) on a fixed mount point
 * when we may mount, so nothing is left behind even after a crash;
 * otherwise a fresh directory with a file size limit. */
static void make_base(void)
{
	snprintf(base, sizeof(base), "/tmp/daxsmb-sfuzz");
	if ((mkdir(base, 0755) == 0 || errno == EEXIST) && unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("daxsmb-sfuzz", base, "tmpfs", MS_NOSUID | MS_NODEV, TMPFS_SIZE) == 0) {
		chmod(base, 0755);
		return;
	}
	int why = errno;
	snprintf(base, sizeof(base), "/tmp/daxsmb-sfuzz-XXXXXX");
	if (!mkdtemp(base))
		die("mkdtemp");
	struct rlimit rl = {64u << 20, 64u << 20};
	setrlimit(RLIMIT_FSIZE, &rl);
	signal(SIGXFSZ, SIG_IGN);
	fprintf(stderr, "fuzz_server: no private tmpfs (%s); shares on %s with a 64 MiB "
		"file size limit\n", strerror(why), base);
	chmod(base, 0755);
	atexit(cleanup_dirs);
}

static void setup_dirs(void)
{
	make_base();
	snprintf(guest_dir, sizeof(guest_dir), "%s/guest", base);
	snprintf(ro_dir, sizeof(ro_dir), "%s/ro", base);
	snprintf(out_dir, sizeof(out_dir), "%s/outside", base);
	make_dir(base, "guest");
	make_dir(base, "ro");
	make_dir(base, "outside");
	write_file(ro_dir, "readme.txt", "read only\n");
	make_dir(ro_dir, "sub");
	write_file(ro_dir, "sub/deep.txt", "deep\n");
	make_link("readme.txt", ro_dir, "ro_link");
	write_file(out_dir, "secret.txt", "outside the shares\n");
	write_file(base, "passdb", "");
	reset_guest();

	ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino_fd < 0)
		die("inotify_init1");
	const uint32_t changes = IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_DELETE_SELF |
				 IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF;
	char p[256];
	watch(ro_dir, changes);
	snprintf(p, sizeof(p), "%s/sub", ro_dir);
	watch(p, changes);
	/* Outside: even opening or reading is a breach. */
	watch(out_dir, IN_ALL_EVENTS);
	/* The parent of the shares: nothing appears, goes or is renamed. */
	watch(base, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
}

static void setup_server(void)
{
	char conf[1024], err[512] = "";
	snprintf(conf, sizeof(conf),
		 "[global]\n"
		 "  netbios name = FUZZSRV\n"
		 "  passdb file = %s/passdb\n"
		 "  log level = 0\n"
		 "[guest]\n"
		 "  path = %s\n"
		 "  read only = no\n"
		 "  guest ok = yes\n"
		 "[guestro]\n"
		 "  path = %s\n"
		 "  read only = yes\n"
		 "  guest ok = yes\n",
		 base, guest_dir, ro_dir);
	memset(&srv, 0, sizeof(srv));
	srv.cfg = config_parse(conf, "fuzz_server", err, sizeof(err));
	if (!srv.cfg) {
		fprintf(stderr, "fuzz_server: config: %s\n", err);
		abort();
	}
	log_level = getenv("FUZZ_SERVER_LOG") ? atoi(getenv("FUZZ_SERVER_LOG")) : -1;
	srv.passdb = passdb_open(srv.cfg->passdb_file, err, sizeof(err));
	if (!srv.passdb) {
		fprintf(stderr, "fuzz_server: passdb: %s\n", err);
		abort();
	}
	struct srv_config *cfg = srv.cfg;
	srv.vfs = calloc(cfg->nshares, sizeof(*srv.vfs));
	srv.rpc_shares = calloc(cfg->nshares, sizeof(*srv.rpc_shares));
	srv.share_ident = calloc(cfg->nshares, sizeof(*srv.share_ident));
	if (!srv.vfs || !srv.rpc_shares || !srv.share_ident)
		die("calloc");
	size_t nrpc = 0;
	for (size_t i = 0; i < cfg->nshares; i++) {
		struct share_cfg *sh = &cfg->shares[i];
		if (!sh->ipc) {
			srv.vfs[i] = vfs_posix_share_open(sh->path, sh->read_only, err, sizeof(err));
			if (!srv.vfs[i]) {
				fprintf(stderr, "fuzz_server: share [%s]: %s\n", sh->name, err);
				abort();
			}
			srv.vfs[i]->case_sensitive = false;
		}
		if (sh->browseable || sh->ipc) {
			struct rpc_share *rs = &srv.rpc_shares[nrpc++];
			rs->name = sh->name;
			rs->type = sh->ipc ? RPC_SHARE_IPC : RPC_SHARE_DISK;
			rs->comment = sh->comment;
			rs->path = sh->ipc ? "" : sh->path;
		}
	}
	/* Not switching identities (no srv_privileges_drop): the guest
	 * account is looked up as main.c does, but only used when switching. */
	srv_identity_lookup(cfg->guest_account, &srv.guest_ident);
	srv.rpc_env.server_name = cfg->netbios_name;
	srv.rpc_env.shares = srv.rpc_shares;
	srv.rpc_env.share_count = nrpc;
	/* Fixed, so that a reproducer behaves the same in every run. */
	memset(srv.guid, 0x5a, sizeof(srv.guid));
	srv.start_time = nttime_now();
	atomic_init(&srv.next_session_id, SESSION_ID_BASE);
	strcpy(srv.dns_name, "fuzzsrv.example");
	srv.addrs = addr_limits_new(cfg->max_connections_per_addr);
	if (!srv.addrs)
		die("addr_limits_new");

	/* A loop whose thread is ours: conn.c's set_events needs an epoll
	 * fd, async completions and posted tasks wake it through wakefd and
	 * are run by drain_loop(). */
	memset(&loop, 0, sizeof(loop));
	loop.srv = &srv;
	loop.epfd = epoll_create1(EPOLL_CLOEXEC);
	loop.wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop.epfd < 0 || loop.wakefd < 0)
		die("epoll_create1/eventfd");
	pthread_mutex_init(&loop.mu, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	if (crypto_init() < 0) {
		fprintf(stderr, "fuzz_server: crypto_init failed\n");
		abort();
	}
	setup_dirs();
	setup_server();
	const char *avoid = getenv("FUZZ_SERVER_AVOID");
	avoid_hdr_only = avoid && strstr(avoid, "hdr-only");
	return 0;
}

/* A connection as main.c's accept loop makes it. */
static struct srv_conn *conn_new(int fd)
{
	struct srv_conn *c = calloc(1, sizeof(*c));
	uint32_t bits = srv.cfg->max_credits * 2;
	uint8_t *bm = calloc((bits + 7) / 8, 1);
	if (!c || !bm)
		die("calloc");
	c->srv = &srv;
	c->id = atomic_fetch_add(&srv.next_conn_id, 1) + 1;
	c->fd = fd;
	c->created = time(NULL);
	c->seq_used = bm;
	c->seq_bits = bits;
	c->seq_low = 0;
	c->seq_high = 1;
	buf_init(&c->out, (size_t)srv.cfg->max_io + 65536 * 2);
	buf_init(&c->plain, (size_t)srv.cfg->max_frame + 65536);
	snprintf(c->peer, sizeof(c->peer), "127.0.0.1:445");
	snprintf(c->peer_addr, sizeof(c->peer_addr), "127.0.0.1");
	atomic_fetch_add(&srv.nconns, 1);
	/* Adopted by the loop (srv_loop_find_conn looks it up there). */
	c->loop = &loop;
	c->prev = NULL;
	c->next = loop.conns;
	if (loop.conns)
		loop.conns->prev = c;
	loop.conns = c;
	return c;
}

/* conn.c's drain_done (static there): tasks posted to the loop, oldest
 * first, then the final replies of async requests completed meanwhile
 * (waiters finished by an unlock, a close, a cancel). */
static void drain_loop(void)
{
	uint64_t v;
	if (read(loop.wakefd, &v, sizeof(v)) < 0) {
		/* nothing posted */
	}
	struct srv_async *a = loop.done;
	loop.done = NULL;
	struct srv_task *t = loop.tasks;
	loop.tasks = NULL;
	srv_tasks_run(t);
	while (a) {
		struct srv_async *next = a->job_next;
		srv_async_finish(a);
		a = next;
	}
}

/* As conn.c's conn_free + conn_release.  There a connection closed with
 * async requests left waits for them; here every one must have been
 * completed by the cleanup, or the real server would keep the connection
 * (and its memory) forever. */
static void conn_free(struct srv_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		loop.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv_splices_release(c);
	srv_conn_cleanup(c);
	c->dead = true;
	drain_loop();
	if (c->nasync) {
		fprintf(stderr, "fuzz_server: connection closed with %u async requests that "
			"nothing completes: it is never released\n", c->nasync);
		__builtin_trap();
	}
	free(c->rbuf);
	free(c->seq_used);
	buf_free(&c->out);
	buf_free(&c->plain);
	atomic_fetch_sub(&srv.nconns, 1);
	free(c);
}

static void drain(int fd)
{
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
	}
}

/* Whether a frame would only hit a bug named in FUZZ_SERVER_AVOID. */
static bool avoided(const uint8_t *frame, size_t len)
{
	if (!avoid_hdr_only || len < 4 || get_le32(frame) != SMB2_PROTO_ID)
		return false;
	size_t pos = 0, off, mlen;
	while (smb2_next_message(frame, len, &pos, &off, &mlen) == 1)
		if (mlen < SMB2_HDR_SIZE + 2)
			return true;
	return false;
}

/* Runs what completed meanwhile and sends what the server queued,
 * reading the other end as a client would. */
static void flush_out(struct srv_conn *c, int peer)
{
	drain_loop();
	drain(peer);
	while (!c->closing && c->want_write) {
		srv_conn_send(c);
		drain(peer);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	struct srv_conn *c = conn_new(sv[0]);
	atomic_store(&srv.next_session_id, SESSION_ID_BASE);
	size_t pos = 0;
	for (int n = 0; n < MAX_FRAMES && !c->closing && size - pos >= 4; n++) {
		long flen = tp_frame_len(data + pos);
		uint32_t limit = c->any_valid_session ? srv.cfg->max_frame : srv.cfg->max_frame_unauth;
		if (flen < 0 || (uint64_t)flen > limit)
			break; /* conn.c closes the connection */
		pos += 4;
		size_t len = (size_t)flen <= size - pos ? (size_t)flen : size - pos;
		/* The server reads frames from its own buffer: give it an exact
		 * copy so that ASan sees any read past the frame. */
		uint8_t *frame = malloc(len ? len : 1);
		if (!frame)
			die("malloc");
		memcpy(frame, data + pos, len);
		bool skip = avoided(frame, len);
		if (!skip)
			srv_process_frame(c, frame, len);
		free(frame);
		if (skip)
			break;
		pos += len;
		flush_out(c, sv[1]);
	}
	conn_free(c);
	close(sv[0]);
	close(sv[1]);
	/* The identity of the thread goes back to the server's own. */
	srv_identity_enter(NULL);
	check_watches();
	reset_guest();
	return 0;
}
