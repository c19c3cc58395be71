/* daxsmbd: the SMB2/3 server. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "common/nttime.h"
#include "server/loop.h"
#include "server/srv.h"
#include "transport/tp.h"

#define MAX_LISTENERS (CFG_MAX_PORTS * CFG_MAX_ADDRS)

static void usage(FILE *f)
{
	fprintf(f, "usage: daxsmbd [--config FILE] [--log-level N]\n"
		   "  Runs in the foreground and logs to stderr.  Without --config it\n"
		   "  serves one guest share on ./daxsmb-data at 127.0.0.1 port 4445.\n");
}

static int setup_shares(struct srv *srv, char *err, size_t errlen)
{
	struct srv_config *cfg = srv->cfg;
	srv->vfs = calloc(cfg->nshares, sizeof(*srv->vfs));
	srv->rpc_shares = calloc(cfg->nshares, sizeof(*srv->rpc_shares));
	if (!srv->vfs || !srv->rpc_shares)
		return -1;
	size_t nrpc = 0;
	for (size_t i = 0; i < cfg->nshares; i++) {
		struct share_cfg *sh = &cfg->shares[i];
		if (!sh->ipc) {
			bool pmem = sh->dax_mode == CFG_DAX_PMEM;
#ifdef DAX_HAVE_PMEM2
			srv->vfs[i] = pmem ? vfs_pmem_share_open(sh->path, sh->read_only, err, errlen)
					   : vfs_posix_share_open(sh->path, sh->read_only, err, errlen);
#else
			if (pmem)
				LOG_WARN("[%s]: dax mode = pmem needs libpmem2, which this build lacks; "
					 "serving with posix I/O", sh->name);
			srv->vfs[i] = vfs_posix_share_open(sh->path, sh->read_only, err, errlen);
#endif
			if (!srv->vfs[i])
				return -1;
			srv->vfs[i]->case_sensitive = false;
		}
		if (sh->browseable || sh->ipc) {
			struct rpc_share *rs = &srv->rpc_shares[nrpc++];
			rs->name = sh->name;
			rs->type = sh->ipc ? RPC_SHARE_IPC : RPC_SHARE_DISK;
			rs->comment = sh->comment;
			rs->path = sh->ipc ? "" : sh->path;
		}
		LOG_INFO("share [%s] %s%s%s", sh->name, sh->ipc ? "(IPC)" : sh->path,
			 sh->read_only ? " read-only" : "", sh->guest_ok ? " guest ok" : "");
	}
	/* Unix accounts: each share's force user, and the guest account. */
	srv->share_ident = calloc(cfg->nshares, sizeof(*srv->share_ident));
	if (!srv->share_ident)
		return -1;
	for (size_t i = 0; i < cfg->nshares; i++) {
		const char *fu = cfg->shares[i].force_user;
		if (fu && srv_identity_lookup(fu, &srv->share_ident[i]) < 0) {
			snprintf(err, errlen, "share [%s]: force user '%s' is not a Unix account",
				 cfg->shares[i].name, fu);
			return -1;
		}
	}
	if (srv_identity_lookup(cfg->guest_account, &srv->guest_ident) < 0)
		LOG_WARN("guest account '%s' is not a Unix account; guests cannot use files",
			 cfg->guest_account);
	srv->rpc_env.server_name = cfg->netbios_name;
	srv->rpc_env.shares = srv->rpc_shares;
	srv->rpc_env.share_count = nrpc;
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	int log_override = -1;
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"foreground", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:d:hF", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			log_override = atoi(optarg);
			break;
		case 'F':
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (crypto_init() < 0) {
		LOG_ERR("cannot initialise OpenSSL (default and legacy providers)");
		return 1;
	}
	char err[512] = "";
	struct srv srv;
	memset(&srv, 0, sizeof(srv));
	srv.cfg = config_load(config_path, err, sizeof(err));
	if (!srv.cfg) {
		LOG_ERR("%s", err);
		return 1;
	}
	if (log_override >= 0)
		log_level = log_override;
	const char *pdb = srv.cfg->passdb_file ? srv.cfg->passdb_file : "/nonexistent/daxsmb-passdb";
	srv.passdb = passdb_open(pdb, err, sizeof(err));
	if (!srv.passdb) {
		LOG_ERR("passdb: %s", err);
		return 1;
	}
	if (setup_shares(&srv, err, sizeof(err)) < 0) {
		LOG_ERR("%s", err[0] ? err : "cannot set up shares");
		return 1;
	}
	crypto_random(srv.guid, sizeof(srv.guid));
	srv.start_time = nttime_now();
	atomic_init(&srv.next_session_id, ((uint64_t)getpid() << 32) | 1);
	if (gethostname(srv.dns_name, sizeof(srv.dns_name) - 1) < 0)
		strcpy(srv.dns_name, "localhost");

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	int lfds[MAX_LISTENERS];
	size_t nl = 0;
	for (size_t a = 0; a < srv.cfg->naddrs; a++) {
		for (size_t p = 0; p < srv.cfg->nports; p++) {
			int fd = tp_listen_tcp(srv.cfg->addrs[a], srv.cfg->ports[p]);
			if (fd < 0) {
				LOG_ERR("cannot listen on %s port %u: %s", srv.cfg->addrs[a],
					srv.cfg->ports[p], strerror(errno));
				return 1;
			}
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			lfds[nl++] = fd;
			LOG_WARN("listening on %s port %u", srv.cfg->addrs[a], srv.cfg->ports[p]);
		}
	}
	struct epoll_event sev = {.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);

	/* Ports are bound: shed privileges before any client is served.
	 * Every disk share forcing one account makes us that account. */
	const struct srv_identity *only = NULL;
	for (size_t i = 0; i < srv.cfg->nshares; i++) {
		if (srv.cfg->shares[i].ipc)
			continue;
		const struct srv_identity *id = &srv.share_ident[i];
		if (!id->valid || (only && only->uid != id->uid)) {
			only = NULL;
			break;
		}
		only = id;
	}
	if (srv_privileges_drop(only) < 0) {
		LOG_ERR("cannot drop privileges: %s", strerror(errno));
		return 1;
	}
	srv.addrs = addr_limits_new(srv.cfg->max_connections_per_addr);
	if (!srv.addrs)
		return 1;
	if (srv_workers_start(2) < 0) {
		LOG_ERR("cannot start worker threads");
		return 1;
	}
	unsigned nloops = srv.cfg->event_threads;
	struct srv_loop *loops = calloc(nloops, sizeof(*loops));
	for (unsigned i = 0; i < nloops; i++) {
		if (srv_loop_start(&loops[i], &srv) < 0) {
			LOG_ERR("cannot start event loop %u", i);
			return 1;
		}
	}
	unsigned next = 0;
	bool running = true;
	while (running) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				running = false;
				break;
			}
			for (;;) {
				char peer[64];
				int fd = tp_accept(evs[i].data.fd, peer, sizeof(peer));
				if (fd < 0)
					break;
				if (atomic_load(&srv.nconns) >= srv.cfg->max_connections) {
					LOG_WARN("%s: refused: %u connections already", peer,
						 srv.cfg->max_connections);
					close(fd);
					continue;
				}
				char addr[64];
				snprintf(addr, sizeof(addr), "%s", peer);
				char *colon = strrchr(addr, ':');
				if (colon)
					*colon = 0;
				if (!addr_limits_acquire(srv.addrs, addr)) {
					LOG_WARN("%s: refused: %u connections from %s already", peer,
						 srv.cfg->max_connections_per_addr, addr);
					close(fd);
					continue;
				}
				struct srv_conn *c = calloc(1, sizeof(*c));
				uint32_t bits = srv.cfg->max_credits * 2;
				uint8_t *bm = calloc((bits + 7) / 8, 1);
				if (!c || !bm) {
					free(c);
					free(bm);
					close(fd);
					addr_limits_release(srv.addrs, addr);
					continue;
				}
				snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", addr);
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
				snprintf(c->peer, sizeof(c->peer), "%s", peer);
				atomic_fetch_add(&srv.nconns, 1);
				LOG_INFO("%s: connected", peer);
				srv_loop_adopt(&loops[next++ % nloops], c);
			}
		}
	}
	LOG_WARN("shutting down");
	for (unsigned i = 0; i < nloops; i++)
		srv_loop_stop(&loops[i]);
	free(loops);
	srv_workers_stop();
	for (size_t i = 0; i < nl; i++)
		close(lfds[i]);
	close(ep);
	close(sfd);
	for (size_t i = 0; i < srv.cfg->nshares; i++)
		if (srv.vfs[i])
			srv.vfs[i]->ops->share_close(srv.vfs[i]);
	free(srv.vfs);
	free(srv.rpc_shares);
	free(srv.share_ident);
	addr_limits_free(srv.addrs);
	passdb_close(srv.passdb);
	config_free(srv.cfg);
	return 0;
}
