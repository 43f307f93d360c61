// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc: kernel-managed message channels on /dev/fastipc.
 *
 * Module entry points, parameters and the misc device.  The channel model
 * is described in Documentation/design.md, the user API in
 * Documentation/uapi.md.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "fastipc_internal.h"

unsigned long fastipc_max_msg_size = 64UL << 20;
module_param_named(max_msg_size, fastipc_max_msg_size, ulong, 0644);
MODULE_PARM_DESC(max_msg_size, "Largest message a channel may allow (bytes, up to 1 GiB)");

unsigned int fastipc_default_max_msgs = 256;
module_param_named(default_max_msgs, fastipc_default_max_msgs, uint, 0644);
MODULE_PARM_DESC(default_max_msgs, "max_msgs of a new channel when none is given");

unsigned int fastipc_max_msgs_limit = 65536;
module_param_named(max_msgs_limit, fastipc_max_msgs_limit, uint, 0644);
MODULE_PARM_DESC(max_msgs_limit, "Largest max_msgs a channel may have");

unsigned long fastipc_default_max_bytes = 64UL << 20;
module_param_named(default_max_bytes, fastipc_default_max_bytes, ulong, 0644);
MODULE_PARM_DESC(default_max_bytes, "max_bytes of a new channel when none is given");

unsigned long fastipc_max_bytes_limit = 1UL << 30;
module_param_named(max_bytes_limit, fastipc_max_bytes_limit, ulong, 0644);
MODULE_PARM_DESC(max_bytes_limit, "Largest max_bytes a channel may have");

unsigned long fastipc_zc_threshold = 16UL << 10;
module_param_named(zc_threshold, fastipc_zc_threshold, ulong, 0644);
MODULE_PARM_DESC(zc_threshold, "Messages of this size or more take the page path (new channels)");

unsigned long fastipc_max_window = 1UL << 30;
module_param_named(max_window, fastipc_max_window, ulong, 0644);
MODULE_PARM_DESC(max_window, "Largest zero-copy window one handle may map (bytes)");

unsigned int fastipc_max_channels = 4096;
module_param_named(max_channels, fastipc_max_channels, uint, 0644);
MODULE_PARM_DESC(max_channels, "Channels per network namespace");

unsigned int fastipc_max_user_channels = 1024;
module_param_named(max_user_channels, fastipc_max_user_channels, uint, 0644);
MODULE_PARM_DESC(max_user_channels, "Channels that exist per creating user");

unsigned long fastipc_user_pages_floor = 256UL << 20;
module_param_named(user_pages_floor, fastipc_user_pages_floor, ulong, 0644);
MODULE_PARM_DESC(user_pages_floor, "Bytes of pages a user may hold even when RLIMIT_MEMLOCK is lower");

unsigned long fastipc_user_queue_floor = 1UL << 30;
module_param_named(user_queue_floor, fastipc_user_queue_floor, ulong, 0644);
MODULE_PARM_DESC(user_queue_floor, "Bytes of channel capacity (max_bytes) a user may create even when RLIMIT_MSGQUEUE is lower");

unsigned int fastipc_busy_poll_default_us = 200;
module_param_named(busy_poll_us, fastipc_busy_poll_default_us, uint, 0644);
MODULE_PARM_DESC(busy_poll_us, "Adaptive busy-poll ceiling of a new receiving handle (us, up to 10000; 0: none)");

unsigned long fastipc_pool_max = 256UL << 20;
module_param_named(pool_max, fastipc_pool_max, ulong, 0644);
MODULE_PARM_DESC(pool_max, "Bytes of recycled pages one handle may keep (0: no recycling; reclaimable)");

/*
 * For testing programs against an older module: commands whose bit is set
 * here answer ENOTTY and are left out of FASTIPC_IOC_FEATURES, as on a
 * module that does not have them (bit 0x0b: no probe, as before 0.5).
 * 0 (all there) outside tests.
 */
unsigned long fastipc_hide_ioctls;
module_param_named(hide_ioctls, fastipc_hide_ioctls, ulong, 0644);
MODULE_PARM_DESC(hide_ioctls, "Testing: ioctl numbers (bit n: command n) to answer as an older module would, ENOTTY");

static struct miscdevice fastipc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "fastipc",
	.fops = &fastipc_fops,
	.mode = 0666,
};

static int __init fastipc_init(void)
{
	int err;

	err = fastipc_counters_init();
	if (err)
		return err;
	err = fastipc_pool_register();
	if (err)
		goto err_counters;
	err = fastipc_ns_register();
	if (err)
		goto err_pool;
	err = fastipc_nl_register();
	if (err)
		goto err_ns;
	err = misc_register(&fastipc_misc);
	if (err)
		goto err_nl;
	return 0;

err_nl:
	fastipc_nl_unregister();
err_ns:
	fastipc_ns_unregister();
err_pool:
	fastipc_pool_unregister();
err_counters:
	fastipc_counters_destroy();
	return err;
}

static void __exit fastipc_exit(void)
{
	misc_deregister(&fastipc_misc);
	fastipc_nl_unregister();
	/* Destroys the channels that are still named; no handle is open. */
	fastipc_ns_unregister();
	fastipc_pool_unregister();
	fastipc_counters_destroy();
}

module_init(fastipc_init);
module_exit(fastipc_exit);

MODULE_DESCRIPTION("fastipc: message channels with a zero-copy page path");
MODULE_AUTHOR("The fastipc authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(FASTIPC_VERSION);
