package sshsim

import "maps"

// ciscoNXOS is a Nexus 9000 on NX-OS 10.3: the role decides the level, so the session starts
// at "#"; its pager is Linux more's reverse-video "--More--" erased with an ANSI clear-line.
func ciscoNXOS() Personality {
	p := Personality{
		Name:     "cisco_nxos",
		Hostname: "n9k-core1",
		Banner: `User Access Verification
#########################################################################
# Authorized access only > violators will be prosecuted                 #
# Unauthorized use of this system is a criminal offence -> legal@example #
#########################################################################
Cisco NX-OS Software
Copyright (c) 2002-2023, Cisco Systems, Inc. All rights reserved.
Nexus 9000v software ("Nexus 9000v Software") and related documentation,
files or other reference materials ("Documentation") are
the proprietary property and confidential information of Cisco
Systems, Inc. ("Cisco") and are protected, without limitation,
pursuant to United States and International copyright and trademark
laws in the applicable jurisdiction which provides civil and criminal
penalties for copying or distribution without Cisco's authorization.
`,
		StartPrivileged: true,
		PromptPrefixCR:  true,
		PagingOff:       []string{"terminal length 0"},
		PagerMarker:     "\x1b[7m--More--\x1b[m",
		PagerRedraw:     "\r\x1b[K",
		Unknown:         "{caret}\n% Invalid command at '^' marker.\n",
		EchoCommands:    true,
		ExitCommands:    []string{"exit"},
		Commands: map[string]string{
			"terminal length 0":   "",
			"terminal width 511":  "",
			"show version":        nxosVersion,
			"show running-config": nxosRunningConfig,
			"show feature": `Feature Name          Instance  State
--------------------  --------  --------
bash-shell             1          disabled
bgp                    1          enabled
interface-vlan         1          enabled
lacp                   1          enabled
lldp                   1          enabled
nxapi                  1          disabled
scp-server             1          disabled
sftp-server            1          disabled
ssh                    1          enabled
tacacs                 1          enabled
telnet                 1          disabled
`,
			"show ssh server": "ssh version 2 is enabled\n",
			"show ssh key": `**************************************
rsa Keys generated:Mon Mar  4 09:12:44 2024

ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDsim0nxos0host0key0not0a0real0key0sim0nxos0host0key0

bitcount:2048
fingerprint:
SHA256:sImUlAtEdFiNgErPrInT0nLy0fOr0tEsTs0aBcDeF12
**************************************
`,
			"show users": `NAME     LINE         TIME         IDLE          PID COMMENT
oca      pts/0        Dec  3 16:00   .          28411 (10.0.0.2) session=ssh *
`,
			"show user-account": `user:admin
        this user account has no expiry date
        roles:network-admin
user:oca
        this user account has no expiry date
        roles:network-operator
`,
			"show snmp user": `______________________________________________________________________
                  SNMP USERS
______________________________________________________________________

User                          Auth  Priv(enforce) Groups                acl_filter
____                          ____  _____________ ______                __________
oca-snmp                      sha   aes-128(yes)  network-operator      ipv4:SNMP-ACL
`,
			"show logging server": `Logging server:                 enabled
{10.0.9.20}
        server severity:        informational
        server facility:        local7
        server VRF:             management
        server port:            514
`,
			"show ntp peer-status": `Total peers : 2
* - selected for sync, + -  peer mode(active),
- - peer mode(passive), = - polled in client mode
    remote                                 local                                   st   poll   reach delay   vrf
-----------------------------------------------------------------------------------------------------------------------
*10.0.9.30                                 10.0.250.12                              2   64     377   0.00142 management
=10.0.9.31                                 10.0.250.12                              2   64     377   0.00150 management
`,
			"show interface brief": `--------------------------------------------------------------------------------
Port   VRF          Status IP Address                              Speed    MTU
--------------------------------------------------------------------------------
mgmt0  --           up     10.0.250.12                             1000     1500

--------------------------------------------------------------------------------
Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port
Interface                                                                    Ch #
--------------------------------------------------------------------------------
Eth1/1        1       eth  trunk  up      none                       100G(D) --
Eth1/2        10      eth  access up      none                        25G(D) --
Eth1/3        10      eth  access down    Link not connected         auto(D) --
`,
			"show ip access-lists": `IP access list SNMP-ACL
        10 permit ip 10.0.9.0/24 any
        20 deny ip any any log
IP access list VTY-ACL
        10 permit tcp 10.0.0.0/24 any eq 22
        20 deny ip any any log
`,
		},
	}
	maps.Copy(p.Commands, nxosMore())
	return p
}

const nxosVersion = `Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Documents: http://www.cisco.com/en/US/products/ps9372/tsd_products_support_series_home.html
Copyright (c) 2002-2023, Cisco Systems, Inc. All rights reserved.
The copyrights to certain works contained herein are owned by
other third parties and are used and distributed under license.
Some parts of this software are covered under the GNU Public
License. A copy of the license is available at
http://www.gnu.org/licenses/gpl.html.

Software
  BIOS: version 05.47
 NXOS: version 10.3(4a) [Maintenance Release]
  BIOS compile time:  04/07/2023
  NXOS image file is: bootflash:///nxos64-cs.10.3.4a.M.bin
  NXOS compile time:  11/18/2023 20:00:00 [11/18/2023 22:51:31]

Hardware
  cisco Nexus9000 C93180YC-FX Chassis
  Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz with 24569632 kB of memory.
  Processor Board ID FDO24180ABC

  Device name: n9k-core1
  bootflash:   53298520 kB

Kernel uptime is 212 day(s), 3 hour(s), 17 minute(s), 4 second(s)

Last reset at 441236 usecs after Mon Mar  4 09:10:12 2024
  Reason: Reset due to upgrade
  System version: 10.2(5)
  Service:

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):

`

const nxosRunningConfig = `
!Command: show running-config
!Running configuration last done at: Thu Dec  3 15:41:09 2026
!Time: Thu Dec  3 16:00:01 2026

version 10.3(4a) Bios:version 05.47
hostname n9k-core1
vdc n9k-core1 id 1
  limit-resource vlan minimum 16 maximum 4094
  limit-resource vrf minimum 2 maximum 4096

feature tacacs+
feature bgp
feature interface-vlan
feature lacp
feature lldp
no feature telnet

username admin password 5 $5$SIMULATED$NotARealHashOnlyForTests.aBcDeF  role network-admin
username oca password 5 $5$SIMULATED$AnotherFakeHashForTests.XyZ987  role network-operator
banner motd #
Authorized access only > violators will be prosecuted
#

ip domain-lookup
ip domain-name example.net
tacacs-server host 10.0.9.10 key 7 "sImUlAtEd"
aaa group server tacacs+ ISE
    server 10.0.9.10
    use-vrf management
aaa authentication login default group ISE
aaa accounting default group ISE
ssh key rsa 2048
ssh login-attempts 3
snmp-server user oca-snmp network-operator auth sha 0x5e1a0f localizedkey priv aes-128 0x5e1a0f localizedkey
snmp-server user oca-snmp use-ipv4acl SNMP-ACL
ntp server 10.0.9.30 prefer use-vrf management
ntp server 10.0.9.31 use-vrf management
logging server 10.0.9.20 6 use-vrf management

ip access-list SNMP-ACL
  10 permit ip 10.0.9.0/24 any
  20 deny ip any any log
ip access-list VTY-ACL
  10 permit tcp 10.0.0.0/24 any eq 22
  20 deny ip any any log

vrf context management
  ip route 0.0.0.0/0 10.0.250.1

interface Ethernet1/1
  description uplink->spine1#
  switchport mode trunk

interface Ethernet1/2
  switchport access vlan 10

interface Ethernet1/3
  switchport access vlan 10
  shutdown

interface mgmt0
  vrf member management
  ip address 10.0.250.12/24
line console
  exec-timeout 10
line vty
  exec-timeout 10
  access-class VTY-ACL in
boot nxos bootflash:/nxos64-cs.10.3.4a.M.bin
`
