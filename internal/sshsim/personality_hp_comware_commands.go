package sshsim

// comwareMore answers the rest of configs/commands/hp_comware.txt, consistent with
// comwareConfig.
func comwareMore() map[string]string {
	return map[string]string{
		"display clock": "16:00:01.123 UTC Thu 12/03/2026\nTime Zone : UTC add 00:00:00\n",
		"display device": `Slot Type             State    Subslot  Soft Ver             Patch Ver
1    5130-48G-4SFP+ EI Master   0        5130EI-3506P06       None
`,
		"display boot-loader": `Software images on slot 1:
Current software images:
  flash:/5130ei-cmw710-boot-r3506p06.bin
  flash:/5130ei-cmw710-system-r3506p06.bin
Main startup software images:
  flash:/5130ei-cmw710-boot-r3506p06.bin
  flash:/5130ei-cmw710-system-r3506p06.bin
Backup startup software images:
  None
`,
		"display line": `  Idx  Type     Tx/Rx      Modem Auth  Int          Location
+ 0    AUX 0    9600       -     N     -            1/0
+ 50   VTY 0    -          -     S     -            1/0
  51   VTY 1    -          -     S     -            1/0

  +    : Line is active.
  F    : Line is active and in async mode.
  Idx  : Absolute index of line.
  Type : Type and relative index of line.
  Auth : Login authentication mode.
  Int  : Physical port of the line.
  A    : Authentication use AAA.
  N    : No authentication is required.
  P    : Password authentication.
  S    : Authentication use AAA (scheme).
`,
		"display role": `Role: network-admin
  Description: Predefined network-admin role has access to all commands on the device
  VLAN policy: permit (default)
  Interface policy: permit (default)
  -------------------------------------------------------------------
  Rule    Perm  Type  Scope         Entity
  -------------------------------------------------------------------
  sys-1   RWX   -     -             *
Role: network-operator
  Description: Predefined network-operator role has access to all read commands on the device
  -------------------------------------------------------------------
  Rule    Perm  Type  Scope         Entity
  -------------------------------------------------------------------
  sys-1   R--   -     -             *
`,
		"display password-control": ` Global password control configurations:
 Password control:                      Enabled
 Password aging:                        Enabled (90 days)
 Password length:                       Enabled (14 characters)
 Password composition:                  Enabled (2 types, 1 characters per type)
 Password history:                      Enabled (max history records:5)
 Early notice on password expiration:   7 days
 Maximum login attempts:                3
 Action for exceeding login attempts:   Lock user for 15 minutes
 Minimum interval between two updates:  24 hours
 User account idle time:                90 days
 Logins with aged password:             3 times in 30 days
 Password complexity:                   Disabled (username checking)
                                        Disabled (repeated characters checking)
`,
		"display hwtacacs scheme": `------------------------------------------------------------------
HWTACACS Scheme Name  : ISE
  Index : 0
  Primary Auth Server:
    IP  : 10.0.9.10        Port: 49    State: Active
    VPN Instance: Not configured
    Single-connection: Disabled
  Primary Author Server:
    IP  : 10.0.9.10        Port: 49    State: Active
  Primary Acct Server:
    IP  : 10.0.9.10        Port: 49    State: Active
  Response Timeout Interval(seconds)                  : 5
  Quiet Interval(minutes)                             : 5
  Username Format                                     : with-domain
------------------------------------------------------------------
`,
		"display radius scheme": "Info: No RADIUS schemes exist.\n",
		"display ssh server session": `UserPid    SessionID  Ver   Encrypt   State        Retry     Serv  Username
241        0          2.0   aes256-ctr Established  0         Stelnet oca
`,
		"display ssh user-information": "Total ssh users: 0\n",
		"display snmp-agent sys-info": `The contact information of the agent:
 noc@example.net

The location information of the agent:
 DC1 Row 4 > Rack 12

The SNMP version of the agent:
 SNMPv3
`,
		"display snmp-agent community": "",
		"display snmp-agent group": ` Group name: OCA-RO
  Security model: v3 AuthPriv
  Readview: OCA-VIEW
  Writeview: <no specified>
  Notifyview: <no specified>
  Storage-type: nonVolatile
  ACL: 2001
`,
		"display ntp-service sessions": `       source          reference       stra reach poll  now offset  delay disper
********************************************************************************
 [12345]10.0.9.30      192.0.2.123        2   377   64   16   -0.3    1.4    0.2
 [25]10.0.9.31         192.0.2.124        2   377   64   41    0.1    1.5    0.3
Notes: 1 source(master), 2 source(peer), 3 selected, 4 candidate, 5 configured.
 Total sessions: 2
`,
		"display interface brief": `Brief information on interfaces in route mode:
Link: ADM - administratively down; Stby - standby
Protocol: (s) - spoofing
Interface            Link Protocol Primary IP      Description
M-GE0/0/0            UP   UP       10.0.250.18     mgmt>oob
Vlan10               UP   UP       10.0.1.2        servers#1

Brief information on interfaces in bridge mode:
Link: ADM - administratively down; Stby - standby
Speed: (a) - auto
Duplex: (a)/A - auto; H - half; F - full
Type: A - access; T - trunk; H - hybrid
Interface            Link Speed   Duplex Type PVID Description
GE1/0/1              UP   1G(a)   F(a)   A    10
GE1/0/2              DOWN auto    A      A    1
GE1/0/48             UP   1G(a)   F(a)   T    1
`,
		"display acl all": `Basic IPv4 ACL 2000, 2 rules,
ACL's step is 5, start ID is 0
 rule 10 permit source 10.0.0.0 0.0.0.255 (1422 times matched)
 rule 20 deny (3 times matched)

Basic IPv4 ACL 2001, 2 rules,
ACL's step is 5, start ID is 0
 rule 10 permit source 10.0.9.0 0.0.0.255 (12311 times matched)
 rule 20 deny
`,
		"display ip routing-table statistics": `Total prefixes: 9    Active prefixes: 9

Proto      route      active     added      deleted
DIRECT     8          8          8          0
STATIC     1          1          1          0
RIP        0          0          0          0
OSPF       0          0          0          0
Total      9          9          9          0
`,
		"display lldp neighbor-information list": `Chassis ID : * -- -- Nearest nontpmr bridge neighbor
             # -- -- Nearest customer bridge neighbor
             Default -- -- Nearest bridge neighbor
System Name          Local Interface Chassis ID      Port ID
core-sw1             GE1/0/48        70b3-17a1-2c00  GigabitEthernet1/0/46
`,
	}
}
