// SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT)
/*
 * libfastipc: handles (open, close, unlink), limits, info and stats.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Open the device; -ENODEV when it is not there (module not loaded). */
int fipc_dev_open(void)
{
	int fd = open(FASTIPC_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return -ENODEV;
	default:
		return -errno;
	}
}

/* Copy a channel name into a uapi name field. */
static int copy_name(char dst[FASTIPC_NAME_LEN], const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, FASTIPC_NAME_LEN);
	if (len == 0)
		return -EINVAL;
	if (len > FASTIPC_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(dst, name, len);
	dst[len] = '\0';
	return 0;
}

static void cache_attr(struct fastipc_chan *ch, const struct fastipc_attr *a)
{
	if (a->max_msgs)
		atomic_store_explicit(&ch->max_msgs, a->max_msgs,
				      memory_order_relaxed);
	if (a->max_bytes)
		atomic_store_explicit(&ch->max_bytes, a->max_bytes,
				      memory_order_relaxed);
	if (a->max_msg_size)
		atomic_store_explicit(&ch->max_msg_size, a->max_msg_size,
				      memory_order_relaxed);
	if (a->zc_threshold)
		atomic_store_explicit(&ch->zc_threshold, a->zc_threshold,
				      memory_order_relaxed);
}

/*
 * What the module behind @fd has.  A module older than the probe (0.4
 * and before) has commands 0x00 to 0x0a and the flags of 0.4, which are
 * today's but for the probe itself.
 */
static void probe_features(int fd, struct fastipc_features *ft)
{
	if (!fipc_ioctl(fd, FASTIPC_IOC_FEATURES, ft))
		return;
	memset(ft, 0, sizeof(*ft));
	ft->ioctls = (1ULL << 0x0b) - 1;
	/* 0.4's flags: today's *_ALL may have more. */
	ft->open_flags = FASTIPC_O_RDWR | FASTIPC_O_CREAT | FASTIPC_O_EXCL |
			 FASTIPC_O_READ_PLAIN;
	ft->send_flags = FASTIPC_NONBLOCK | FASTIPC_SEND_COPY |
			 FASTIPC_SEND_PAGES | FASTIPC_SEND_BUF;
	ft->recv_flags = FASTIPC_NONBLOCK | FASTIPC_RECV_MAP;
	ft->buf_flags = FASTIPC_BUF_NOZERO;
	ft->busy_poll_flags = FASTIPC_BUSY_POLL_ADAPTIVE;
}

/*
 * Does the module have the command @cmd?  A call the module lacks fails
 * with -EOPNOTSUPP before the library asks for it (libfastipc.md).
 */
bool fipc_has_ioctl(const struct fastipc_chan *ch, unsigned long cmd)
{
	return ch->features.ioctls & (1ULL << _IOC_NR(cmd));
}

/* fastipc_open(), and fastipc_topic_open() with its topic's settings. */
static int open_chan(const char *name, unsigned int flags, unsigned int mode,
		     const struct fastipc_attr *attr, unsigned int topic_flags,
		     unsigned int history, struct fastipc_chan **chp)
{
	struct fastipc_open op;
	struct fastipc_chan *ch;
	uint64_t guess;
	int fd, ret;

	if (!chp)
		return -EINVAL;
	memset(&op, 0, sizeof(op));
	ret = copy_name(op.name, name);
	if (ret)
		return ret;
	/*
	 * A receiving handle reads plain messages with read(2), which skips
	 * the ioctl's argument structure and security hook, and leaves the
	 * others (priorities, pages to map) to FASTIPC_IOC_RECV.
	 */
	op.flags = flags | (flags & FASTIPC_O_RECV ? FASTIPC_O_READ_PLAIN : 0);
	op.mode = mode;
	if (attr)
		op.attr = *attr;
	op.topic_flags = topic_flags;
	op.history = history;

	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	fd = fipc_dev_open();
	if (fd < 0) {
		free(ch);
		return fd;
	}
	/* The probe works on an unbound file: flags are checked before. */
	probe_features(fd, &ch->features);
	if (flags & ~ch->features.open_flags &
	    (FASTIPC_O_HUP | FASTIPC_O_TOPIC))
		ret = -EOPNOTSUPP;
	else
		ret = fipc_ioctl(fd, FASTIPC_IOC_OPEN, &op);
	if (ret) {
		close(fd);
		free(ch);
		return ret;
	}

	ch->fd = fd;
	ch->open_flags = flags & FASTIPC_O_RDWR;
	ch->id = op.id;
	cache_attr(ch, &op.attr);
	pthread_mutex_init(&ch->win_lock, NULL);

	guess = op.attr.zc_threshold;
	if (guess < RECV_GUESS_MIN)
		guess = RECV_GUESS_MIN;
	if (guess > RECV_GUESS_MAX)
		guess = RECV_GUESS_MAX;
	ch->recv_guess = guess;

	*chp = ch;
	return 0;
}

FASTIPC_EXPORT
int fastipc_open(const char *name, unsigned int flags, unsigned int mode,
		 const struct fastipc_attr *attr, struct fastipc_chan **chp)
{
	return open_chan(name, flags, mode, attr, 0, 0, chp);
}

FASTIPC_EXPORT
int fastipc_topic_open(const char *name, unsigned int flags,
		       unsigned int mode, const struct fastipc_attr *attr,
		       unsigned int topic_flags, unsigned int history,
		       struct fastipc_chan **chp)
{
	if (!(flags & FASTIPC_O_CREAT) && (topic_flags || history))
		return -EINVAL;
	return open_chan(name, flags | FASTIPC_O_TOPIC, mode, attr,
			 topic_flags, history, chp);
}

FASTIPC_EXPORT
int fastipc_close(struct fastipc_chan *ch)
{
	int ret = 0;

	if (!ch)
		return 0;
	fipc_window_unmap(ch);
	free(atomic_load_explicit(&ch->recv_spare, memory_order_relaxed));
	free(atomic_load_explicit(&ch->send_spare, memory_order_relaxed));
	if (close(ch->fd) < 0 && errno != EINTR)
		ret = -errno;
	pthread_mutex_destroy(&ch->win_lock);
	free(ch);
	return ret;
}

FASTIPC_EXPORT
int fastipc_unlink(const char *name)
{
	struct fastipc_unlink un;
	int fd, ret;

	memset(&un, 0, sizeof(un));
	ret = copy_name(un.name, name);
	if (ret)
		return ret;
	fd = fipc_dev_open();
	if (fd < 0)
		return fd;
	ret = fipc_ioctl(fd, FASTIPC_IOC_UNLINK, &un);
	close(fd);
	return ret;
}

FASTIPC_EXPORT
int fastipc_fd(const struct fastipc_chan *ch)
{
	return ch ? ch->fd : -EINVAL;
}

FASTIPC_EXPORT
int fastipc_get_attr(const struct fastipc_chan *ch, struct fastipc_attr *attr)
{
	if (!ch || !attr)
		return -EINVAL;
	memset(attr, 0, sizeof(*attr));
	attr->max_msgs = atomic_load_explicit(&ch->max_msgs,
					      memory_order_relaxed);
	attr->max_bytes = atomic_load_explicit(&ch->max_bytes,
					       memory_order_relaxed);
	attr->max_msg_size = atomic_load_explicit(&ch->max_msg_size,
						  memory_order_relaxed);
	attr->zc_threshold = atomic_load_explicit(&ch->zc_threshold,
						  memory_order_relaxed);
	return 0;
}

FASTIPC_EXPORT
int fastipc_set_attr(struct fastipc_chan *ch, const struct fastipc_attr *attr)
{
	struct fastipc_attr a;
	int ret;

	if (!ch || !attr)
		return -EINVAL;
	a = *attr;
	ret = fipc_ioctl(ch->fd, FASTIPC_IOC_SET_ATTR, &a);
	if (ret)
		return ret;
	cache_attr(ch, &a);
	return 0;
}

FASTIPC_EXPORT
int fastipc_set_busy_poll(struct fastipc_chan *ch, unsigned int usecs)
{
	struct fastipc_busy_poll bp = { .usecs = usecs };

	/* The module judges usecs: a newer one may allow more. */
	if (!ch)
		return -EINVAL;
	if (!fipc_has_ioctl(ch, FASTIPC_IOC_SET_BUSY_POLL))
		return -EOPNOTSUPP;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_SET_BUSY_POLL, &bp);
}

FASTIPC_EXPORT
int fastipc_set_busy_poll_adaptive(struct fastipc_chan *ch,
				   unsigned int max_usecs)
{
	struct fastipc_busy_poll bp = {
		.usecs = max_usecs,
		.flags = FASTIPC_BUSY_POLL_ADAPTIVE,
	};

	if (!ch)
		return -EINVAL;
	if (!fipc_has_ioctl(ch, FASTIPC_IOC_SET_BUSY_POLL) ||
	    !(ch->features.busy_poll_flags & FASTIPC_BUSY_POLL_ADAPTIVE))
		return -EOPNOTSUPP;
	return fipc_ioctl(ch->fd, FASTIPC_IOC_SET_BUSY_POLL, &bp);
}

FASTIPC_EXPORT
int fastipc_info(struct fastipc_chan *ch, struct fastipc_info *info)
{
	if (!ch || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	return fipc_ioctl(ch->fd, FASTIPC_IOC_INFO, info);
}

FASTIPC_EXPORT
int fastipc_stats(struct fastipc_stats *stats)
{
	int fd, ret;

	if (!stats)
		return -EINVAL;
	fd = fipc_dev_open();
	if (fd < 0)
		return fd;
	memset(stats, 0, sizeof(*stats));
	ret = fipc_ioctl(fd, FASTIPC_IOC_STATS, stats);
	close(fd);
	return ret;
}

FASTIPC_EXPORT
int fastipc_version_major(void)
{
	return FASTIPC_LIB_VERSION_MAJOR;
}

FASTIPC_EXPORT
int fastipc_version_minor(void)
{
	return FASTIPC_LIB_VERSION_MINOR;
}
