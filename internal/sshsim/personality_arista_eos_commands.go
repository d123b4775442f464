package sshsim

// eosMore answers the rest of configs/commands/arista_eos.txt, consistent with
// eosRunningConfig.
func eosMore() map[string]string {
	return map[string]string{
		"show hostname": "Hostname: leaf-01\nFQDN:     leaf-01.example.net\n",
		"show clock":    "Thu Dec  3 16:00:01 2026\nTimezone: UTC\nClock source: NTP server (10.0.9.30)\n",
		"show boot-config": `Software image: flash:/EOS-4.30.5M.swi
Console speed: (not set)
Aboot password (encrypted): (not set)
Memory test iterations: (not set)
`,
		"show extensions": "No extensions are available\n",
		"show management api http-commands": `Enabled:            No
HTTPS server:       shutdown, set to use port 443
HTTP server:        shutdown, set to use port 80
Local HTTP server:  shutdown, no authentication, set to use port 8080
Unix Socket server: shutdown, no authentication
VRFs:               None
`,
		"show management security": `Entropy sources: hardware
Common password encryption key: default
Reversible secret encryption algorithm: AES-256-GCM
Minimum password length: 14
`,
		"show privilege": "Current privilege level is 1\n",
		"show role": `The default role is network-operator.

role: network-admin
        10 permit command .*

role: network-operator
        10 deny mode exec command configure|bash|python-shell|\|
        20 permit mode exec command .*
`,
		"show aaa": `Local users
User: admin
        Privilege level: 15
        Role: network-admin
        Ssh key:
User: oca
        Privilege level: 1
        Role: network-operator
        Ssh key:
`,
		"show aaa methods all": `Authentication method lists for LOGIN:
  name=default methods=group ISE, local
Authentication method list for ENABLE:
  name=default methods=local
Authorization method lists for COMMANDS:
  name=privilege0-15 methods=none
Authorization method lists for EXEC:
  name=default methods=group ISE, local
Accounting method lists for COMMANDS:
  name=privilege0-15 default-action=start-stop methods=group ISE
`,
		"show tacacs": `TACACS+ server            VRF            Messages Messages
                                         sent     received
------------------------- -------------- -------- ---------
10.0.9.10:49              MGMT           2811     2811

TACACS+ source-interface: Enabled
  Management1 (in VRF MGMT)
`,
		"show radius": `RADIUS server             VRF            Messages Messages
                                         sent     received
------------------------- -------------- -------- ---------
`,
		"show running-config section username": `username admin privilege 15 role network-admin secret sha512 $6$sim$NotARealHashJustForTests
username oca privilege 1 role network-operator secret sha512 $6$sim$AnotherFakeHashForTests
`,
		"show snmp": `Chassis:        JPE21180ABC
Location:       DC1 Row 4 > Rack 10
Contact:        noc@example.net
0 SNMP packets input
    0 Bad SNMP version errors
    0 Unknown community name
    0 Illegal operation for community name supplied
    0 Encoding errors
0 SNMP packets output
SNMP logging: disabled
SNMP agent enabled in VRFs: MGMT
`,
		"show snmp community": "",
		"show ntp associations": `     remote          refid      st t when  poll reach   delay   offset  jitter
==============================================================================
*10.0.9.30       192.0.2.123      2 u   16  1024  377    1.421   -0.320   0.232
+10.0.9.31       192.0.2.124      2 u  410  1024  377    1.503    0.118   0.281
`,
		"show interfaces status": `Port       Name            Status       Vlan     Duplex Speed  Type            Flags Encapsulation
Et1        spine-01 > Et1  connected    routed   full   100G   100GBASE-SR4
Et2        spine-02 > Et1  connected    routed   full   100G   100GBASE-SR4
Et3                        notconnect   1        full   100G   Not Present
Ma1                        connected    routed   a-full a-1G   10/100/1000
`,
		"show ip route summary": `VRF: default
   Route Source                                Number Of Routes
------------------------------------- -------------------------
   connected                                                  3
   static (persistent)                                        0
   ospf                                                       0
   bgp                                                       12
   internal                                                   7
   attached                                                   2
   aggregate                                                  0

   Number of routes per mask-length:
      /31: 2       /32: 13
`,
		"show spanning-tree summary": `Spanning tree mode: mstp
Root bridge for: none
Portfast BPDU Guard Default    is disabled
Portfast BPDU Filter Default   is disabled
Loopguard Default              is disabled

Name                   Blocking Listening Learning Forwarding STP Active
---------------------- -------- --------- -------- ---------- ----------
MST0                          0         0        0          1          1
`,
	}
}
