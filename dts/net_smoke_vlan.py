#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Helper of dts/net_smoke.sh: speak 802.1Q-tagged ARP, ND and UDP to
# wgc-net-smoke --vlan 100 over a veth (this kernel has no 8021q module).
#
#   net_smoke_vlan.py IFACE WGC_MAC
#
# Prints "ok   - ..." / "FAIL - ..." per check.

import sys

from scapy.all import (ARP, UDP, Dot1Q, Ether, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, Raw, conf,
                       get_if_hwaddr, srp1)

conf.verb = 0
IFACE, WMAC = sys.argv[1], sys.argv[2].lower()
ME = get_if_hwaddr(IFACE)
VLAN = 100


def ok(what, cond):
    print(('ok   - ' if cond else 'FAIL - ') + '[vlan 100] ' + what)


def checksums_valid(pkt, l3):
    """The checksums as received equal what scapy computes afresh."""
    p = Ether(bytes(pkt))
    got = (p[IP].chksum if l3 is IP else None, p[UDP].chksum)
    if l3 is IP:
        del p[IP].chksum
    del p[UDP].chksum
    p = Ether(bytes(p))
    want = (p[IP].chksum if l3 is IP else None, p[UDP].chksum)
    return got == want


def tagged(p):
    return p is not None and Dot1Q in p and p[Dot1Q].vlan == VLAN


def ask(pkt, filt, timeout=2):
    return srp1(pkt, iface=IFACE, timeout=timeout, filter=filt)


a = ask(Ether(dst='ff:ff:ff:ff:ff:ff', src=ME) / Dot1Q(vlan=VLAN) /
        ARP(op=1, hwsrc=ME, psrc='10.77.0.2', pdst='10.77.0.1'),
        'ether src ' + WMAC)
ok('tagged ARP request answered, tagged, from wgc',
   tagged(a) and ARP in a and a[ARP].op == 2 and
   a[ARP].psrc == '10.77.0.1' and a[ARP].hwsrc.lower() == WMAC)

u = ask(Ether(dst='ff:ff:ff:ff:ff:ff', src=ME) /
        ARP(op=1, hwsrc=ME, psrc='10.77.0.2', pdst='10.77.0.1'),
        'ether src ' + WMAC + ' and arp', timeout=1)
ok('untagged ARP request ignored', u is None)

MSG = b'vlan-smoke' * 41 + b'!'
r = ask(Ether(dst=WMAC, src=ME) / Dot1Q(vlan=VLAN) /
        IP(src='10.77.0.2', dst='10.77.0.1') /
        UDP(sport=40000, dport=51820) / Raw(MSG),
        'ether src ' + WMAC)
ok('tagged UDP echoed through encap, checksums valid',
   tagged(r) and UDP in r and r[UDP].sport == 51820 and
   r[UDP].dport == 40000 and bytes(r[UDP].payload) == MSG and
   checksums_valid(r, IP))

n = ask(Ether(dst='33:33:ff:00:00:01', src=ME) / Dot1Q(vlan=VLAN) /
        IPv6(src='fd00:77::2', dst='ff02::1:ff00:1', hlim=255) /
        ICMPv6ND_NS(tgt='fd00:77::1') / ICMPv6NDOptSrcLLAddr(lladdr=ME),
        'ether src ' + WMAC)
ok('tagged NS answered by a tagged NA',
   tagged(n) and ICMPv6ND_NA in n and n[ICMPv6ND_NA].tgt == 'fd00:77::1')

r6 = ask(Ether(dst=WMAC, src=ME) / Dot1Q(vlan=VLAN) /
         IPv6(src='fd00:77::2', dst='fd00:77::1') /
         UDP(sport=40001, dport=51820) / Raw(MSG),
         'ether src ' + WMAC)
ok('tagged UDP over IPv6 echoed, checksum valid',
   tagged(r6) and UDP in r6 and bytes(r6[UDP].payload) == MSG and
   checksums_valid(r6, IPv6))
