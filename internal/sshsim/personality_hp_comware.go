package sshsim

import "maps"

// hpComware is an HPE 5130 on Comware 7: "<HP-5130>" at every level, "super" with a password
// to raise the level, a "  ---- More ----" pager erased with ANSI cursor-back sequences, and
// "% Unrecognized command found at '^' position." under a caret.
func hpComware() Personality {
	prompt := func(host string) string { return "<" + host + ">" }
	p := Personality{
		Name:     "hp_comware",
		Hostname: "HP-5130",
		Banner: `
******************************************************************************
* Copyright (c) 2010-2024 Hewlett Packard Enterprise Development LP          *
* Without the owner's prior written consent,                                 *
* no decompiling or reverse-engineering shall be allowed.                    *
******************************************************************************
# Authorized access only > violators will be prosecuted #

`,
		UserPrompt:     prompt,
		PrivPrompt:     prompt,
		PromptPrefixCR: true,
		EnableCommand:  "super",
		EnablePassword: "sim-enable-secret",
		EnableSuccess:  "User privilege level is 15, and only those commands that can be used at or below that level can be used.\nEquivalent to the command 'super 15' or 'super network-admin'.\n",
		EnableFailure:  "Invalid password.\n",
		PagingOff:      []string{"screen-length disable"},
		PagerMarker:    "  ---- More ----",
		PagerRedraw:    "\x1b[16D                \x1b[16D",
		Unknown:        "{caret}\n % Unrecognized command found at '^' position.\n",
		EchoCommands:   true,
		ExitCommands:   []string{"quit"},
		Commands: map[string]string{
			"screen-length disable": "",
			"display version": `HPE Comware Software, Version 7.1.070, Release 3506P06
Copyright (c) 2010-2024 Hewlett Packard Enterprise Development LP
HPE 5130-48G-4SFP+ EI Switch uptime is 0 weeks, 212 days, 3 hours, 17 minutes
Last reboot reason : User reboot

Boot image: flash:/5130ei-cmw710-boot-r3506p06.bin
Boot image version: 7.1.070, Release 3506P06
  Compiled Aug 20 2024 11:00:00
System image: flash:/5130ei-cmw710-system-r3506p06.bin
System image version: 7.1.070, Release 3506P06
  Compiled Aug 20 2024 11:00:00

Slot 1:
Uptime is 0 weeks,212 days,3 hours,17 minutes
5130-48G-4SFP+ EI with 1 Processor
BOARD TYPE:         5130-48G-4SFP+ EI
DRAM:               1024M bytes
FLASH:              256M bytes
PCB 1 Version:      VER.B
Bootrom Version:    147
CPLD 1 Version:     002
Release Version:    HPE 5130-48G-4SFP+ EI-3506P06
Patch Version  :    None
Reboot Cause  :     UserReboot
[SubSlot 0] 48GE+4SFP Plus
`,
			"display current-configuration": comwareConfig,
			"display saved-configuration":   comwareConfig,
			"display local-user": `Device management user oca:
  State:                     Active
  Service type:              SSH
  User group:                system
  Bind attributes:
  Authorization attributes:
    Work directory:          flash:
    User role list:          network-operator
Device management user admin:
  State:                     Active
  Service type:              SSH/Terminal
  User group:                system
  Bind attributes:
  Authorization attributes:
    Work directory:          flash:
    User role list:          network-admin
Total 2 local users matched.
`,
			"display ssh server status": `Stelnet server: Enable
SSH version : 2.0
SSH authentication-timeout : 60 second(s)
SSH server key generating interval : 0 hour(s)
SSH authentication retries : 3 time(s)
SFTP server: Disable
SFTP Server Idle-Timeout: 10 minute(s)
NETCONF server: Disable
SCP server: Disable
`,
			"display users": `  Idx  Line    Idle       Time              Pid     Type
+ 50   VTY 0   00:00:00   Dec 03 16:00:01   241     SSH

Following are more details.
VTY 0   :
        User name: oca
        Location: 10.0.0.2
 +    : Current operation user.
 F    : Current operation user works in async mode.
`,
			"display ntp-service status": `Clock status: synchronized
Clock stratum: 3
System peer: 10.0.9.30
Local mode: client
Reference clock ID: 10.0.9.30
Leap indicator: 00
Clock jitter: 0.000244 s
Stability: 0.000 pps
Clock precision: 2^-19
Root delay: 1.42 ms
Root dispersion: 3.91 ms
Reference time: e9b1f2a1.1e3b5c8d  Thu, Dec  3 2026 15:59:45.117
System poll interval: 64 s
`,
			"display info-center": `Information Center: Enabled
Console: Disabled
Monitor: Enabled
Log host: Enabled
    10.0.9.20,
    port number: 514, host facility: local7
Log buffer: Enabled
    Max buffer size 1024, current buffer size 512,
    Current messages 511, dropped messages 0, overwritten messages 1688
Log file: Enabled
Security log file: Disabled
Information timestamp format:
    Log host: Date
    Other output destination: Date
`,
			"display ip interface brief": `*down: administratively down
(s): spoofing  (l): loopback
Interface                Physical Protocol IP address      VPN instance Description
M-GE0/0/0                up       up       10.0.250.18     --           mgmt>oob
Vlan-interface10         up       up       10.0.1.2        --           servers#1
`,
			"display snmp-agent usm-user": `Username: oca-snmp
Group name: OCA-RO
  Engine ID: 800063A28030F0A1B2C3D400000001
  Authentication-mode: SHA, Privacy-mode: AES128
  Storage-type: nonVolatile
  UserStatus: active
`,
		},
	}
	maps.Copy(p.Commands, comwareMore())
	return p
}

const comwareConfig = ` #
 version 7.1.070, Release 3506P06
 #
 sysname HP-5130
 #
 clock timezone UTC add 00:00:00
 #
 info-center loghost 10.0.9.20
 #
 ntp-service enable
 ntp-service unicast-server 10.0.9.30 priority
 ntp-service unicast-server 10.0.9.31
 #
 password-recovery enable
 #
vlan 1
 #
vlan 10
 name servers
 #
interface M-GigabitEthernet0/0/0
 description mgmt>oob
 ip address 10.0.250.18 255.255.255.0
 #
interface Vlan-interface10
 description servers#1
 ip address 10.0.1.2 255.255.255.0
 #
interface GigabitEthernet1/0/1
 port access vlan 10
 #
interface GigabitEthernet1/0/48
 port link-type trunk
 port trunk permit vlan all
 #
 snmp-agent
 snmp-agent sys-info version v3
 snmp-agent group v3 OCA-RO privacy read-view OCA-VIEW acl 2001
 snmp-agent usm-user v3 oca-snmp OCA-RO cipher authentication-mode sha $c$3$sImUlAtEd privacy-mode aes128 $c$3$sImUlAtEd
 #
 ssh server enable
 ssh server authentication-retries 3
 #
acl basic 2000
 rule 10 permit source 10.0.0.0 0.0.0.255
 rule 20 deny
 #
acl basic 2001
 rule 10 permit source 10.0.9.0 0.0.0.255
 rule 20 deny
 #
line vty 0 63
 authentication-mode scheme
 user-role network-operator
 protocol inbound ssh
 idle-timeout 10 0
 #
hwtacacs scheme ISE
 primary authentication 10.0.9.10
 primary authorization 10.0.9.10
 primary accounting 10.0.9.10
 key authentication cipher $c$3$sImUlAtEd
 #
domain system
 authentication login hwtacacs-scheme ISE local
 authorization login hwtacacs-scheme ISE local
 accounting login hwtacacs-scheme ISE local
 #
local-user admin class manage
 password hash $h$6$sImUlAtEdNotARealHashJustForTests
 service-type ssh terminal
 authorization-attribute user-role network-admin
 #
local-user oca class manage
 password hash $h$6$AnotherFakeHashForTests
 service-type ssh
 authorization-attribute user-role network-operator
 #
 header motd %
# Authorized access only > violators will be prosecuted #
%
 #
return
`
