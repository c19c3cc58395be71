/* Transports: listeners and byte streams (DESIGN "transport/").  Knows
 * bytes and frames, nothing of SMB2.  One small ops table per transport so
 * that the local socket and, later, SMB Direct plug in beside TCP. */
#ifndef DAX_TP_H
#define DAX_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tp_ops {
	const char *name;
	/* Non-blocking; return what read(2)/writev(2) return. */
	ssize_t (*recv)(int fd, void *p, size_t n);
	ssize_t (*sendv)(int fd, const struct iovec *iov, int iovcnt);
};

extern const struct tp_ops tp_stream_ops; /* TCP and AF_UNIX stream sockets */

/* Binds and listens on addr:port (numeric IPv4 or IPv6).  Returns the
 * non-blocking listening fd or -1 with errno set. */
int tp_listen_tcp(const char *addr, uint16_t port);
/* Accepts one connection (non-blocking fd, TCP_NODELAY), writes the peer
 * as text into peer.  Returns -1 with errno EAGAIN when none is waiting. */
int tp_accept(int lfd, char *peer, size_t peerlen);

/* Direct TCP framing (MS-SMB2 2.1): a zero byte and a 24-bit big-endian
 * length.  Returns the length, or -1 if the first byte is not zero. */
static inline long tp_frame_len(const uint8_t h[4])
{
	if (h[0] != 0)
		return -1;
	return (long)h[1] << 16 | (long)h[2] << 8 | (long)h[3];
}

#endif
