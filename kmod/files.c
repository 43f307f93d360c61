// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: descriptors carried by messages, as SCM_RIGHTS carries them.
 *
 * A send takes a reference to each file and charges the sending user one
 * in-flight file per descriptor, against its RLIMIT_NOFILE, as Unix
 * sockets do (ETOOMANYREFS past it).  The message owns the references
 * until a receive installs them in the receiver (receive_fd(), which asks
 * the LSM's file_receive hook) or until it is dropped, which closes them.
 *
 * Cycles: a file in flight here keeps alive whatever it refers to.  If a
 * fastipc handle could travel inside its own channel's messages (or a
 * Unix socket or io_uring that holds such a handle in flight), closing
 * every descriptor would leave a loop of references nothing frees.  So
 * the files that can hold files in flight are refused, and no loop can
 * go through fastipc.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/magic.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "compat.h"
#include "fastipc_internal.h"

/* May @file travel in a message?  See the cycles note above. */
static bool fastipc_file_may_travel(struct file *file)
{
	struct socket *sock;

	if (file->f_op == &fastipc_fops)
		return false;
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_UNIX)
		return false;
	/* io_uring's files are anonymous inodes of that name. */
	if (file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[io_uring]"))
		return false;
	return true;
}

/*
 * Charge @nr in-flight files to the current user: within its
 * RLIMIT_NOFILE, or past it with CAP_SYS_RESOURCE or CAP_SYS_ADMIN, as
 * Unix sockets allow.  The user, referenced, or an ERR_PTR.
 */
static struct fastipc_user *fastipc_files_charge(unsigned int nr)
{
	struct fastipc_user *u = fastipc_user_get();

	if (!u)
		return ERR_PTR(-ENOMEM);
	if (fastipc_user_try_charge_files(u, nr, rlimit(RLIMIT_NOFILE)))
		return u;
	/* Asked only past the limit, so that an LSM audits a real use. */
	if (capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN)) {
		fastipc_user_force_charge_files(u, nr);
		return u;
	}
	fastipc_user_put(u);
	return ERR_PTR(-ETOOMANYREFS);
}

/*
 * The files behind @nr descriptors at user address @ufds, referenced
 * and charged: NULL for none, or an ERR_PTR: EFAULT, EBADF (not open,
 * or O_PATH), EINVAL (a kind that may not travel), ETOOMANYREFS.
 */
struct fastipc_files *fastipc_files_get(u64 ufds, u32 nr)
{
	struct fastipc_files *fs;
	int fds[FASTIPC_FDS_MAX];
	struct fastipc_user *u;
	struct file *file;
	unsigned int i;
	int err;

	if (!nr)
		return NULL;
	if (nr > FASTIPC_FDS_MAX)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(fds, u64_to_user_ptr(ufds), nr * sizeof(fds[0])))
		return ERR_PTR(-EFAULT);
	fs = kmalloc(struct_size(fs, files, nr), GFP_KERNEL_ACCOUNT);
	if (!fs)
		return ERR_PTR(-ENOMEM);
	fs->nr = 0;
	fs->user = NULL;
	for (i = 0; i < nr; i++) {
		file = fget(fds[i]);
		err = -EBADF;
		if (!file)
			goto err;
		err = -EINVAL;
		if (!fastipc_file_may_travel(file)) {
			fput(file);
			goto err;
		}
		fs->files[fs->nr++] = file;
	}
	u = fastipc_files_charge(nr);
	if (IS_ERR(u)) {
		err = PTR_ERR(u);
		goto err;
	}
	fs->user = u;
	return fs;

err:
	fastipc_files_put(fs);
	return ERR_PTR(err);
}

/* Close the files of @fs (may be NULL) and uncharge them. */
void fastipc_files_put(struct fastipc_files *fs)
{
	unsigned int i;

	if (!fs)
		return;
	for (i = 0; i < fs->nr; i++)
		fput(fs->files[i]);
	if (fs->user) {
		fastipc_user_uncharge_files(fs->user, fs->nr);
		fastipc_user_put(fs->user);
	}
	kfree(fs);
}

/*
 * Install the files of @fs in the current process, their descriptors in
 * @fds and at user address @ufds, all or none: a file the LSM refuses
 * (its errno), a full table (EMFILE) or a fault (EFAULT) closes those
 * installed already, and @fs keeps every file for a later receive.
 * Between an install and an undo another thread of the receiving process
 * could use the descriptor; only that process can, and it is told that
 * the receive failed.
 */
int fastipc_files_install(struct fastipc_files *fs, u64 ufds, bool cloexec,
			  int *fds)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < fs->nr; i++) {
		fds[i] = fastipc_receive_fd(fs->files[i],
					    cloexec ? O_CLOEXEC : 0);
		if (fds[i] < 0) {
			err = fds[i];
			break;
		}
	}
	if (!err && copy_to_user(u64_to_user_ptr(ufds), fds,
				 fs->nr * sizeof(fds[0])))
		err = -EFAULT;
	if (err) {
		while (i--)
			close_fd(fds[i]);
	}
	return err;
}

/* Undo fastipc_files_install(): a later step of the receive failed. */
void fastipc_files_uninstall(const struct fastipc_files *fs, const int *fds)
{
	unsigned int i;

	for (i = 0; i < fs->nr; i++)
		close_fd(fds[i]);
}
