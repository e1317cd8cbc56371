// SPDX-License-Identifier: GPL-2.0
/*
 * ternctl prio: the device. Its link type (the program reads an Ethernet
 * header), whether it is Wi-Fi (mac80211 replaces skb->priority before the
 * root qdisc), and its gso_max_segs, which bounds the GSO packets the
 * stack builds for it (Documentation/prio.rst, "GSO").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prio.h"
#include "ternctl.h"

/* <linux/wireless.h>, which clashes with <net/if.h>. */
#define PRIO_SIOCGIWNAME	0x8B01

struct nl_sock *prio_nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		ternctl_error("out of memory");
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err) {
		ternctl_error("cannot open a route netlink socket: %s",
			      nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

void prio_nl_close(struct nl_sock *sk)
{
	nl_socket_free(sk);
}

/*
 * Wi-Fi: cfg80211 answers the wireless extensions' SIOCGIWNAME, and sysfs
 * has phy80211 or wireless under the device, where sysfs shows our
 * network namespace (its ifindex file then matches).
 */
static bool dev_wireless(const struct prio_dev *dev)
{
	char path[128], buf[32];
	struct ifreq ifr = { 0 };
	bool ours = false;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->name);
		n = ioctl(fd, PRIO_SIOCGIWNAME, &ifr);
		close(fd);
		if (n == 0)
			return true;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", dev->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			ours = atoi(buf) == dev->ifindex;
		}
	}
	if (!ours)
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/phy80211", dev->name);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", dev->name);
	return !access(path, F_OK);
}

int prio_dev_get(struct nl_sock *sk, const char *name, struct prio_dev *dev)
{
	struct rtnl_link *link;
	struct stat st;
	int err;

	memset(dev, 0, sizeof(*dev));
	if (strlen(name) >= sizeof(dev->name))
		return ternctl_error("no device '%s' (a name has at most %zu bytes)",
				     name, sizeof(dev->name) - 1), -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	err = rtnl_link_get_kernel(sk, 0, name, &link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return ternctl_error("no device '%s' in this network namespace",
				     name), -1;
	if (err)
		return ternctl_error("%s: reading the device: %s", name,
				     nl_geterror(err)), -1;
	dev->ifindex = rtnl_link_get_ifindex(link);
	dev->arptype = rtnl_link_get_arptype(link);
	dev->mtu = rtnl_link_get_mtu(link);
	if (rtnl_link_get_gso_max_segs(link, &dev->gso_max_segs))
		dev->gso_max_segs = 0;
	rtnl_link_put(link);
	if (stat("/proc/self/ns/net", &st))
		return ternctl_error("cannot read /proc/self/ns/net: %s",
				     strerror(errno)), -1;
	dev->netns = st.st_ino;
	dev->wireless = dev->arptype == ARPHRD_ETHER && dev_wireless(dev);
	return 0;
}

int prio_dev_gso_max_segs(struct nl_sock *sk, int ifindex, uint32_t *segs)
{
	struct rtnl_link *link;
	int err;

	err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (err)
		return err;
	err = rtnl_link_get_gso_max_segs(link, segs);
	rtnl_link_put(link);
	return err;
}

/* RTM_NEWLINK with IFLA_GSO_MAX_SEGS: libnl-route has no setter. */
int prio_dev_set_gso_max_segs(struct nl_sock *sk, const struct prio_dev *dev,
			      uint32_t segs)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = dev->ifindex,
	};
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	if (!msg)
		return ternctl_error("out of memory"), -1;
	err = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (!err)
		err = nla_put_u32(msg, IFLA_GSO_MAX_SEGS, segs);
	if (err) {
		nlmsg_free(msg);
		return ternctl_error("out of memory"), -1;
	}
	err = nl_send_sync(sk, msg);	/* frees msg */
	if (err)
		return ternctl_error("%s: setting gso_max_segs to %" PRIu32 ": %s",
				     dev->name, segs, nl_geterror(err)), -1;
	return 0;
}

const char *prio_arptype_name(unsigned int arptype)
{
	switch (arptype) {
	case ARPHRD_ETHER:
		return "ether";
	case ARPHRD_LOOPBACK:
		return "loopback";
	case ARPHRD_NONE:
		return "none (raw IP, e.g. tun or WireGuard)";
	case ARPHRD_TUNNEL:
		return "ipip";
	case ARPHRD_TUNNEL6:
		return "ip6tnl";
	case ARPHRD_SIT:
		return "sit";
	case ARPHRD_IPGRE:
		return "gre";
	case ARPHRD_PPP:
		return "ppp";
	case ARPHRD_IEEE80211_RADIOTAP:
		return "ieee802.11/radiotap (monitor mode)";
	}
	return "not Ethernet";
}
