// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc bench, call workload: request/reply pairs over pipes, Unix
 * stream sockets and POSIX mq, as the round trips use them (pipe.c,
 * sock.c, mq.c), with a server for several clients.
 *
 * pipe         two pipes per client (requests, replies), enlarged with
 *              F_SETPIPE_SZ to hold a message where the limit allows;
 *              write(2) in, read(2) out.
 * unix-stream  a socketpair(AF_UNIX, SOCK_STREAM) per client,
 *              SO_SNDBUF/SO_RCVBUF to hold a message; write(2), read(2).
 * posix-mq     one request queue that every client sends to (the server
 *              learns the caller from the request's first word, its
 *              number), one reply queue per client; mq_send/mq_receive.
 *
 * A message is read whole: read(2) until its size has arrived.  A server
 * of several clients on pipes or sockets waits with epoll_wait() for a
 * readable one.  Polling, by the cell's rule (poll.c): non-blocking
 * tries before the blocking receive, each counted: read() from an
 * O_NONBLOCK descriptor of the same pipe (opened through /proc/self/fd),
 * recv(MSG_DONTWAIT) on a socket, mq_receive() from an O_NONBLOCK
 * descriptor of the same queue, epoll_wait() with no timeout for
 * several.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

enum cs_kind { CS_PIPE, CS_UNIX, CS_MQ };

struct cs {
	enum cs_kind kind;
	/* Per client: [0] read end, [1] write end (pipes); sockets: sv. */
	int req[MAX_SENDERS][2], rep[MAX_SENDERS][2];
	mqd_t q_req, q_req_nb, q_rep[MAX_SENDERS], q_rep_nb[MAX_SENDERS];
	char names[MAX_SENDERS + 1][64];
	bool made;

	/* After attach: */
	int in[MAX_SENDERS], in_nb[MAX_SENDERS], out[MAX_SENDERS];
	int n;				/* descriptors in in[]: 1 or clients */
	int epfd;
	void *buf, *rbuf;
	int cur;			/* server: the current caller */
};

static int cs_create(struct svc *s, enum cs_kind kind)
{
	struct cs *c = s->priv;
	unsigned long pipe_max = limit_read_ul("/proc/sys/fs/pipe-max-size");

	c->kind = kind;
	c->made = true;
	for (int i = 0; i < MAX_SENDERS; i++)
		c->req[i][0] = c->req[i][1] = c->rep[i][0] = c->rep[i][1] = -1;
	c->q_req = c->q_req_nb = (mqd_t)-1;
	for (unsigned int i = 0; i < s->nclients; i++) {
		if (kind == CS_PIPE) {
			if (pipe2(c->req[i], O_CLOEXEC) ||
			    pipe2(c->rep[i], O_CLOEXEC))
				return svc_fail(s, -errno, "pipe");
			if (s->size > 64 * KiB && pipe_max) {
				size_t want = s->size < pipe_max ? s->size :
					      pipe_max;

				fcntl(c->req[i][1], F_SETPIPE_SZ, (int)want);
				fcntl(c->rep[i][1], F_SETPIPE_SZ, (int)want);
			}
		} else if (kind == CS_UNIX) {
			int sv[2], sz = s->size > 256 * KiB ?
					(int)s->size + 64 * (int)KiB :
					256 * (int)KiB;

			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				       sv))
				return svc_fail(s, -errno, "socketpair");
			for (int k = 0; k < 2; k++) {
				setsockopt(sv[k], SOL_SOCKET, SO_SNDBUF, &sz,
					   sizeof(sz));
				setsockopt(sv[k], SOL_SOCKET, SO_RCVBUF, &sz,
					   sizeof(sz));
			}
			/* req[i][0]: the server's end, rep[i][0]: the
			 * client's. */
			c->req[i][0] = sv[0];
			c->rep[i][0] = sv[1];
		}
	}
	if (kind == CS_MQ) {
		struct mq_attr a = { 0 };

		a.mq_msgsize = (long)s->size;
		for (unsigned int i = 0; i <= s->nclients; i++) {
			mqd_t q, qnb;

			a.mq_maxmsg = i == 0 ? s->nclients : 1;
			snprintf(c->names[i], sizeof(c->names[i]),
				 "/fastipc-bench.call.%d.%u", (int)getpid(), i);
			q = mq_open(c->names[i], O_RDWR | O_CREAT | O_EXCL |
				    O_CLOEXEC, 0600, &a);
			if (q == (mqd_t)-1) {
				int err = -errno;

				c->names[i][0] = '\0';
				if (err == -EINVAL || err == -EMFILE ||
				    err == -ENOMEM)
					return svc_na(s, "mq_open(msgsize %zu): "
						      "%s", s->size,
						      strerror(-err));
				return svc_fail(s, err, "mq_open");
			}
			qnb = mq_open(c->names[i], O_RDWR | O_NONBLOCK |
				      O_CLOEXEC);
			if (qnb == (mqd_t)-1)
				return svc_fail(s, -errno, "mq_open");
			if (i == 0) {
				c->q_req = q;
				c->q_req_nb = qnb;
			} else {
				c->q_rep[i - 1] = q;
				c->q_rep_nb[i - 1] = qnb;
			}
		}
	}
	return 0;
}

static int pipe_create(struct svc *s)
{
	return cs_create(s, CS_PIPE);
}

static int unix_create(struct svc *s)
{
	return cs_create(s, CS_UNIX);
}

static int mq_create_(struct svc *s)
{
	return cs_create(s, CS_MQ);
}

static int nb_alias(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static int cs_attach(struct svc *s, int role)
{
	struct cs *c = s->priv;

	s->role = role;
	c->epfd = -1;
	c->buf = bench_alloc(s->size);
	c->rbuf = bench_alloc(s->size);
	if (!c->buf || !c->rbuf)
		return svc_fail(s, -ENOMEM, "buffers");
	if (c->kind == CS_MQ)
		return 0;
	if (role == ROLE_RX) {
		c->n = (int)s->nclients;
		for (int i = 0; i < c->n; i++) {
			if (c->kind == CS_PIPE) {
				c->in[i] = c->req[i][0];
				c->out[i] = c->rep[i][1];
				c->in_nb[i] = nb_alias(c->in[i]);
				if (c->in_nb[i] < 0)
					return svc_fail(s, -errno,
							"/proc/self/fd");
			} else {
				c->in[i] = c->out[i] = c->req[i][0];
				c->in_nb[i] = -1;
			}
		}
		if (c->n > 1) {
			c->epfd = epoll_create1(EPOLL_CLOEXEC);
			if (c->epfd < 0)
				return svc_fail(s, -errno, "epoll_create1");
			for (int i = 0; i < c->n; i++) {
				struct epoll_event ev = { .events = EPOLLIN };

				ev.data.u32 = (uint32_t)i;
				if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->in[i],
					      &ev))
					return svc_fail(s, -errno,
							"epoll_ctl");
			}
		}
		return 0;
	}
	c->n = 1;
	if (c->kind == CS_PIPE) {
		c->in[0] = c->rep[role][0];
		c->out[0] = c->req[role][1];
		c->in_nb[0] = nb_alias(c->in[0]);
		if (c->in_nb[0] < 0)
			return svc_fail(s, -errno, "/proc/self/fd");
	} else {
		c->in[0] = c->out[0] = c->rep[role][0];
		c->in_nb[0] = -1;
	}
	return 0;
}

/* One non-blocking try on descriptor @i: bytes, 0 none yet, -errno. */
static ssize_t try_read(struct cs *c, int i, char *p, size_t len)
{
	ssize_t n = c->kind == CS_PIPE ? sc_read(c->in_nb[i], p, len) :
		    sc_recv(c->in[i], p, len, MSG_DONTWAIT);

	if (n > 0)
		return n;
	if (n == 0)
		return -EPIPE;
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

/*
 * The next message of @s->size bytes into @buf, from descriptor 0 or,
 * for a server of several clients, from whichever is readable (*@from).
 */
static int stream_recv(struct svc *s, struct cs *c, char *buf, int *from)
{
	size_t got = 0;
	int i = 0;

	rxpoll_begin(&s->poll);
	if (c->n > 1) {
		struct epoll_event ev;
		int n = 0;

		while (s->poll.spinning) {
			n = sc_epoll_wait(c->epfd, &ev, 1, 0);
			if (n > 0 || (n < 0 && errno != EINTR) ||
			    !rxpoll_again(&s->poll))
				break;
		}
		while (n <= 0) {
			n = sc_epoll_wait(c->epfd, &ev, 1, -1);
			if (n < 0 && errno != EINTR)
				return svc_fail(s, -errno, "epoll_wait");
			if (n > 0)
				rxpoll_woke(&s->poll);
		}
		i = (int)ev.data.u32;
	} else {
		while (s->poll.spinning) {
			ssize_t n = try_read(c, 0, buf, s->size);

			if (n < 0)
				return svc_fail(s, (int)n, "read");
			if (n > 0) {
				got = (size_t)n;
				break;
			}
			if (!rxpoll_again(&s->poll))
				break;
		}
		if (!got) {
			ssize_t n = sc_read(c->in[0], buf, s->size);

			if (n <= 0)
				return svc_fail(s, n ? -errno : -EPIPE, "read");
			got = (size_t)n;
			rxpoll_woke(&s->poll);
		}
	}
	while (got < s->size) {
		ssize_t n = sc_read(c->in[i], buf + got, s->size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return svc_fail(s, n ? -errno : -EPIPE, "read");
		got += (size_t)n;
	}
	*from = i;
	return 0;
}

static int stream_send(struct svc *s, int fd, const char *buf)
{
	size_t done = 0;

	while (done < s->size) {
		ssize_t n = sc_write(fd, buf + done, s->size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return svc_fail(s, -errno, "write");
		done += (size_t)n;
	}
	return 0;
}

static int mq_recv_(struct svc *s, mqd_t q, mqd_t qnb, char *buf)
{
	ssize_t n;

	rxpoll_begin(&s->poll);
	while (s->poll.spinning) {
		sc_count();
		n = mq_receive(qnb, buf, s->size, NULL);
		if (n >= 0)
			goto got;
		if (errno != EAGAIN && errno != EINTR)
			return svc_fail(s, -errno, "mq_receive(O_NONBLOCK)");
		if (!rxpoll_again(&s->poll))
			break;
	}
	for (;;) {
		sc_count();
		n = mq_receive(q, buf, s->size, NULL);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return svc_fail(s, -errno, "mq_receive");
	}
	rxpoll_woke(&s->poll);
got:
	if ((size_t)n != s->size)
		return svc_fail(s, -EPROTO, "mq_receive: %zd bytes", n);
	return 0;
}

static int mq_send_(struct svc *s, mqd_t q, const char *buf)
{
	for (;;) {
		sc_count();
		if (mq_send(q, buf, s->size, 0) == 0)
			return 0;
		if (errno != EINTR)
			return svc_fail(s, -errno, "mq_send");
	}
}

/* Client */

static int cs_req_buf(struct svc *s, void **buf)
{
	struct cs *c = s->priv;

	*buf = c->buf;
	return 0;
}

static int cs_call(struct svc *s, void *buf, const void **reply, size_t *len)
{
	struct cs *c = s->priv;
	int from, err;

	if (c->kind == CS_MQ) {
		err = mq_send_(s, c->q_req, buf);
		if (!err)
			err = mq_recv_(s, c->q_rep[s->role],
				       c->q_rep_nb[s->role], c->rbuf);
	} else {
		err = stream_send(s, c->out[0], buf);
		if (!err)
			err = stream_recv(s, c, c->rbuf, &from);
	}
	if (err)
		return err;
	*reply = c->rbuf;
	*len = s->size;
	return 0;
}

static int cs_reply_done(struct svc *s)
{
	(void)s;
	return 0;
}

/* Server */

static int cs_recv(struct svc *s, const void **req, size_t *len, int *who)
{
	struct cs *c = s->priv;
	int err;

	if (c->kind == CS_MQ) {
		uint64_t w0;

		err = mq_recv_(s, c->q_req, c->q_req_nb, c->rbuf);
		if (err)
			return err;
		/* The caller: its index is in the request's number. */
		memcpy(&w0, c->rbuf, sizeof(w0));
		c->cur = (int)((w0 >> 40) & 0xff);
		if (c->cur >= (int)s->nclients)
			c->cur = 0;	/* a bad request: the check says */
		*who = -1;
	} else {
		err = stream_recv(s, c, c->rbuf, &c->cur);
		if (err)
			return err;
		*who = c->cur;
	}
	*req = c->rbuf;
	*len = s->size;
	return 0;
}

static int cs_rep_buf(struct svc *s, void **buf)
{
	struct cs *c = s->priv;

	*buf = c->buf;
	return 0;
}

static int cs_reply(struct svc *s, void *buf)
{
	struct cs *c = s->priv;

	if (c->kind == CS_MQ)
		return mq_send_(s, c->q_rep[c->cur], buf);
	return stream_send(s, c->out[c->cur], buf);
}

static void cs_destroy(struct svc *s)
{
	struct cs *c = s->priv;

	if (!c->made)
		return;
	for (int i = 0; i < MAX_SENDERS; i++)
		for (int k = 0; k < 2; k++) {
			if (c->req[i][k] >= 0)
				close(c->req[i][k]);
			if (c->rep[i][k] >= 0)
				close(c->rep[i][k]);
		}
	for (int i = 0; i <= MAX_SENDERS; i++)
		if (c->names[i][0])
			mq_unlink(c->names[i]);
	if (c->q_req != (mqd_t)-1) {
		mq_close(c->q_req);
		mq_close(c->q_req_nb);
	}
}

static const struct mech mech_call_pipe = {
	.name = "pipe",
	.family = "pipe",
	.desc = "two pipes per client; write(2), read(2) until the message "
		"is whole",
	.poll_how = "read(2) from an O_NONBLOCK descriptor of the same pipe; "
		    "epoll_wait() with no timeout for several clients",
};

static const struct mech mech_call_unix = {
	.name = "unix-stream",
	.family = "sock",
	.desc = "a socketpair(AF_UNIX, SOCK_STREAM) per client; write(2), "
		"read(2)",
	.poll_how = "recv(MSG_DONTWAIT); epoll_wait() with no timeout for "
		    "several clients",
};

static const struct mech mech_call_mq = {
	.name = "posix-mq",
	.family = "mq",
	.desc = "one request queue, a reply queue per client; mq_send, "
		"mq_receive",
	.poll_how = "mq_receive(3) from an O_NONBLOCK descriptor of the same "
		    "queue",
};

#define CS_OPS						\
	.priv_size = sizeof(struct cs),			\
	.attach = cs_attach,				\
	.req_buf = cs_req_buf,				\
	.call = cs_call,				\
	.reply_done = cs_reply_done,			\
	.recv = cs_recv,				\
	.rep_buf = cs_rep_buf,				\
	.reply = cs_reply,				\
	.destroy = cs_destroy

const struct callmech call_pipe = {
	.mech = &mech_call_pipe,
	.create = pipe_create,
	CS_OPS,
};

const struct callmech call_unix_stream = {
	.mech = &mech_call_unix,
	.create = unix_create,
	CS_OPS,
};

const struct callmech call_posix_mq = {
	.mech = &mech_call_mq,
	.create = mq_create_,
	CS_OPS,
};
