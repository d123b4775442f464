package sshsim

import "strings"

// nxosMore answers the rest of configs/commands/cisco_nxos.txt, consistent with
// nxosRunningConfig.
func nxosMore() map[string]string {
	return map[string]string{
		"show hostname": "n9k-core1\n",
		"show clock":    "16:00:01.123 UTC Thu Dec 03 2026\nTime source is NTP\n",
		"show boot": `Current Boot Variables:

sup-1
NXOS variable = bootflash:/nxos64-cs.10.3.4a.M.bin
Boot POAP Disabled

Boot Variables on next reload:

sup-1
NXOS variable = bootflash:/nxos64-cs.10.3.4a.M.bin
Boot POAP Disabled
`,
		"show startup-config": strings.Replace(nxosRunningConfig,
			"!Command: show running-config\n!Running configuration last done at: Thu Dec  3 15:41:09 2026\n",
			"!Command: show startup-config\n!Startup config saved at: Thu Dec  3 15:41:15 2026\n", 1),
		"show line": `line Console:
    Speed:        115200 baud
    Databits:     8 bits per byte
    Stopbits:     1 bit(s)
    Parity:       none
    Modem In: Disable
    Modem Init-String -
        default : ATE0Q1&D2&C1S0=1\015
    Session-timeout : 10 minutes
`,
		"show banner motd": "Authorized access only > violators will be prosecuted\n",
		"show role": `Role: network-admin
  Description: Predefined network admin role has access to all commands
  on the switch
  -------------------------------------------------------------------
  Rule    Perm    Type        Scope               Entity
  -------------------------------------------------------------------
  1       permit  read-write

Role: network-operator
  Description: Predefined network operator role has access to all read
  commands on the switch
  -------------------------------------------------------------------
  Rule    Perm    Type        Scope               Entity
  -------------------------------------------------------------------
  1       permit  read
`,
		"show password strength-check": "Password strength check is enabled\n",
		"show aaa authentication": `        default: group ISE
        console: local
        dot1x: not configured
        eou: not configured
`,
		"show aaa authorization": `        AAA command authorization:
        default authorization for config-commands: local
        default authorization for commands: local
        cts: group ISE
`,
		"show aaa accounting": "        default: group ISE\n",
		"show tacacs-server": `Global TACACS+ shared secret:********
timeout value:5
deadtime value:0
source interface:mgmt0
total number of servers:1

following TACACS+ servers are configured:
        10.0.9.10:
                available on port:49
                TACACS+ shared secret:********
`,
		"show radius-server": `Global RADIUS shared secret:********
retransmission count:1
timeout value:5
deadtime value:0
source interface:any available
total number of servers:0
`,
		"show snmp": `sys contact: noc@example.net
sys location: DC1 Row 4 > Rack 11
0 SNMP packets input
        0 Bad SNMP versions
        0 Unknown community name
        0 Illegal operation for community name supplied
        0 Encoding errors
        0 Number of requested variables
        0 Number of altered variables
        0 Get-request PDUs
        0 Get-next PDUs
        0 Set-request PDUs
        0 No such name PDU
        0 Bad value PDU
        0 Read Only PDU
        0 General errors
        0 Get Responses
        0 Unknown Context name
0 SNMP packets output
        0 Trap PDU
        0 Too big errors
        0 No such name errors
        0 Bad values errors
        0 General errors
        0 Get Requests
        0 Get Next Requests
        0 Set Requests
        0 Get Responses
        0 Silent drops
Community                         Group / Access      context    acl_filter
---------                         --------------      -------    ----------
`,
		"show snmp community": `Community                         Group / Access      context    acl_filter
---------                         --------------      -------    ----------
`,
		"show logging info": `Logging console:                disabled
Logging monitor:                enabled (Severity: notifications)
Logging linecard:               enabled (Severity: notifications)
Logging timestamp:              Seconds
Logging source-interface :      disabled
Logging rate-limit :            enabled
Logging server:                 enabled
{10.0.9.20}
        server severity:        informational
        server facility:        local7
        server VRF:             management
        server port:            514
Logging logflash:               enabled (Severity: notifications)
Logging logfile:                enabled
        Name - messages: Severity - notifications Size - 4194304
`,
		"show ntp authentication-status": "Authentication disabled.\n",
		"show copp status": `Last Config Operation: None
Last Config Operation Timestamp: None
Last Config Operation Status: None
Policy-map attached to the control-plane: copp-system-p-policy-strict
`,
		"show ip interface brief vrf all": `IP Interface Status for VRF "default"(1)
Interface            IP Address      Interface Status
Lo0                  10.255.2.1      protocol-up/link-up/admin-up
Vlan10               10.0.1.3        protocol-up/link-up/admin-up

IP Interface Status for VRF "management"(2)
Interface            IP Address      Interface Status
mgmt0                10.0.250.12     protocol-up/link-up/admin-up
`,
		"show interface status": `--------------------------------------------------------------------------------
Port          Name               Status    Vlan      Duplex  Speed   Type
--------------------------------------------------------------------------------
mgmt0         --                 connected routed    full    1000    --
Eth1/1        uplink->spine1#    connected trunk     full    100G    QSFP-100G-SR4
Eth1/2        --                 connected 10        full    25G     SFP-H25GB-CU1M
Eth1/3        --                 disabled  10        auto    auto    --
`,
		"show cdp neighbors": `Capability Codes: R - Router, T - Trans-Bridge, B - Source-Route-Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater,
                  V - VoIP-Phone, D - Remotely-Managed-Device,
                  s - Supports-STP-Dispute

Device-ID          Local Intrfce  Hldtme Capability  Platform      Port ID
spine1(FDO24170XYZ)
                    Eth1/1         156    R S I s   N9K-C9364C    Eth1/1

Total entries displayed: 1
`,
		"show lldp neighbors": `Capability codes:
  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other
Device ID            Local Intf      Hold-time  Capability  Port ID
spine1               Eth1/1          120        BR          Ethernet1/1
Total entries displayed: 1
`,
		"show spanning-tree summary": `Switch is in rapid-pvst mode
Root bridge for: none
Port Type Default                        is disable
Edge Port [PortFast] BPDU Guard Default  is enabled
Edge Port [PortFast] BPDU Filter Default is disabled
Bridge Assurance                         is enabled
Loopguard Default                        is enabled
Pathcost method used                     is short
STP-Lite                                 is enabled

Name                   Blocking Listening Learning Forwarding STP Active
---------------------- -------- --------- -------- ---------- ----------
VLAN0010                     0         0        0          2          2
---------------------- -------- --------- -------- ---------- ----------
1 vlan                       0         0        0          2          2
`,
		"show vpc brief": `Legend:
                (*) - local vPC is down, forwarding via vPC peer-link

vPC domain id                     : not configured
vPC Peer-link status
---------------------------------------------------------------------
id    Port   Status Active vlans
--    ----   ------ -------------------------------------------------
`,
	}
}
