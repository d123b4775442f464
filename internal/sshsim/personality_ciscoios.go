package sshsim

import (
	"maps"
	"strings"
)

// ciscoIOS is a Catalyst 9300 on IOS-XE 17.9: user EXEC ">" first, enable with a secret,
// " --More-- " erased with backspaces, "% Invalid input" under a caret.
func ciscoIOS() Personality {
	running := iosRunningConfig()
	p := Personality{
		Name:     "cisco_ios",
		Hostname: "core-sw1",
		Banner: `
**************************************************************************
# Authorized access only > violators will be prosecuted                  #
# This device is the property of Example Corp. Disconnect IMMEDIATELY    #
# if you are not an authorized user! Report misuse -> noc@example.net    #
**************************************************************************

`,
		PromptPrefixCR: true,
		EnableCommand:  "enable",
		EnablePassword: "sim-enable-secret",
		EnableFailure:  "% Access denied\n",
		PagingOff:      []string{"terminal length 0"},
		PagerMarker:    " --More-- ",
		PagerRedraw:    "\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b",
		Unknown:        "{caret}\n% Invalid input detected at '^' marker.\n\n",
		EchoCommands:   true,
		ExitCommands:   []string{"exit", "logout", "quit"},
		PrivOnly: map[string]bool{
			"show running-config":                             true,
			"show startup-config":                             true,
			"show running-config | section line":              true,
			"show running-config | include aaa|tacacs|radius": true,
			"show running-config | include snmp-server":       true,
			"show aaa servers":                                true,
			"show snmp user":                                  true,
			"show snmp group":                                 true,
			"show snmp community":                             true,
			"show archive":                                    true,
			"show crypto pki certificates":                    true,
			"show file systems":                               true,
		},
		Commands: map[string]string{
			"terminal length 0":   "",
			"terminal width 511":  "",
			"terminal width 0":    "",
			"show version":        iosVersion,
			"show running-config": running,
			"show startup-config": strings.Replace(running,
				"Building configuration...\n\nCurrent configuration : 4987 bytes\n",
				"Using 4987 out of 2097152 bytes\n", 1),
			"show inventory": `NAME: "c93xx Stack", DESCR: "c93xx Stack"
PID: C9300-48P         , VID: V02  , SN: FOC2418L0AB

NAME: "Switch 1", DESCR: "C9300-48P"
PID: C9300-48P         , VID: V02  , SN: FOC2418L0AB

NAME: "Switch 1 - Power Supply A", DESCR: "Switch 1 - Power Supply A"
PID: PWR-C1-715WAC     , VID: V02  , SN: DCB2417H0QX

NAME: "Switch 1 FRU Uplink Module 1", DESCR: "8x10G Uplink Module"
PID: C9300-NM-8X       , VID: V02  , SN: FOC24180D1E
`,
			"show clock detail": "*16:00:01.123 UTC Thu Dec 3 2026\nTime source is NTP\n",
			"show ip ssh": `SSH Enabled - version 2.0
Authentication methods:publickey,keyboard-interactive,password
Authentication Publickey Algorithms:ecdsa-sha2-nistp256,ssh-rsa,rsa-sha2-256,rsa-sha2-512
Hostkey Algorithms:rsa-sha2-512,rsa-sha2-256,ssh-rsa
Encryption Algorithms:aes128-gcm,aes256-gcm,aes128-ctr,aes192-ctr,aes256-ctr
MAC Algorithms:hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512
KEX Algorithms:ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group14-sha256
Authentication timeout: 60 secs; Authentication retries: 3
Minimum expected Diffie Hellman key size : 2048 bits
IOS Keys in SECSH format(ssh-rsa, base64 encoded): SSH-KEY
ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7sim0host0key0not0a0real0key0at0all0sim0host0key0
`,
			"show ssh": `Connection Version Mode Encryption  Hmac         State              Username
0          2.0     IN   aes256-ctr  hmac-sha2-256 Session started    oca
0          2.0     OUT  aes256-ctr  hmac-sha2-256 Session started    oca
%No SSHv1 server connections running.
`,
			"show users": `    Line       User       Host(s)              Idle       Location
*  1 vty 0     oca        idle                 00:00:00 10.0.0.2

  Interface    User               Mode         Idle     Peer Address
`,
			"show line": `   Tty Line Typ     Tx/Rx    A Modem  Roty AccO AccI  Uses  Noise Overruns  Int
*     0    0 CTY              -    -      -    -    -     0      0    0/0       -
      1    1 VTY              -    -      -    -    2    11      0    0/0       -
      2    2 VTY              -    -      -    -    2     3      0    0/0       -
      3    3 VTY              -    -      -    -    2     0      0    0/0       -
      4    4 VTY              -    -      -    -    2     0      0    0/0       -
      5    5 VTY              -    -      -    -    2     0      0    0/0       -
`,
			"show running-config | section line": `line con 0
 exec-timeout 10 0
 logging synchronous
 stopbits 1
line vty 0 4
 access-class VTY-ACL in
 exec-timeout 10 0
 transport input ssh
line vty 5 15
 access-class VTY-ACL in
 exec-timeout 10 0
 transport input ssh
`,
			"show running-config | include aaa|tacacs|radius": `aaa new-model
aaa group server tacacs+ ISE
aaa authentication login default group ISE local
aaa authentication enable default group ISE enable
aaa authorization exec default group ISE local if-authenticated
aaa accounting exec default start-stop group ISE
aaa accounting commands 15 default start-stop group ISE
aaa session-id common
tacacs server ISE-1
`,
			"show aaa servers": `TACACS+: id 1, priority 1, host 10.0.9.10, auth-port 49, acct-port 49, hostname ISE-1
     State: current UP, duration 3576422s, previous duration 0s
     Dead: total time 0s, count 0
     Platform State from SMD: current UP, duration 3576422s, previous duration 0s
     Authen: request 1422, timeouts 0, failover 0, retransmission 0
             Response: accept 1401, reject 21, challenge 0
     Author: request 1398, timeouts 0, failover 0, retransmission 0
     Account: request 2811, timeouts 0, failover 0, retransmission 0
`,
			"show login": `     A login delay of 1 seconds is applied.
     Quiet-Mode access list VTY-ACL is applied.
     All successful login is logged.
     All failed login is logged.

     Router enabled to watch for login Attacks.
     If more than 5 login failures occur in 60 seconds or less,
     logins will be disabled for 120 seconds.

     Router presently in Normal-Mode.
     Current Watch Window
         Time remaining: 41 seconds.
         Login failures for current window: 0.
     Total login failures: 21.
`,
			"show snmp user": `
User name: oca-snmp
Engine ID: 800000090300700B4F3C2D00
storage-type: nonvolatile	 active
Authentication Protocol: SHA
Privacy Protocol: AES128
Group-name: OCA-RO
`,
			"show snmp group": `groupname: OCA-RO                           security model:v3 priv
contextname: <no context specified>         storage-type: nonvolatile
readview : OCA-VIEW                         writeview: <no writeview specified>
notifyview: <no notifyview specified>
row status: active      access-list: SNMP-ACL
`,
			"show snmp community": "",
			"show logging": `Syslog logging: enabled (0 messages dropped, 3 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)

    Console logging: disabled
    Monitor logging: level debugging, 0 messages logged, xml disabled,
                     filtering disabled
    Buffer logging:  level informational, 1843 messages logged, xml disabled,
                    filtering disabled
    Trap logging: level informational, 1867 message lines logged
        Logging to 10.0.9.20  (udp port 514, audit disabled,
              link up),
              1867 message lines logged,
              0 message lines rate-limited,
              0 message lines dropped-by-MD,
              xml disabled, sequence number disabled
              filtering disabled
        Logging Source-Interface:       VRF Name:
        Vlan10

Log Buffer (16384 bytes):

*Dec  3 15:58:41.311: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: oca] [Source: 10.0.0.2] [localport: 22] at 15:58:41 UTC Thu Dec 3 2026
*Dec  3 15:58:44.902: %SYS-5-CONFIG_I: Configured from console by oca on vty0 (10.0.0.2)
`,
			"show ntp status": `Clock is synchronized, stratum 3, reference is 10.0.9.30
nominal freq is 286.1023 Hz, actual freq is 286.1019 Hz, precision is 2**21
ntp uptime is 357642200 (1/100 of seconds), resolution is 3496
reference time is E9B1F2A1.1E3B5C8D (15:59:45.117 UTC Thu Dec 3 2026)
clock offset is -0.3201 msec, root delay is 1.42 msec
root dispersion is 3.91 msec, peer dispersion is 0.23 msec
loopfilter state is 'CTRL' (Normal Controlled Loop), drift is 0.000001212 s/s
system poll interval is 1024, last update was 16 sec ago.
`,
			"show ntp associations": `
  address         ref clock       st   when   poll reach  delay  offset   disp
*~10.0.9.30       192.0.2.123      2    16   1024   377  1.421  -0.320  0.232
+~10.0.9.31       192.0.2.124      2   410   1024   377  1.503   0.118  0.281
 * sys.peer, # selected, + candidate, - outlyer, x falseticker, ~ configured
`,
			"show ip interface brief": `Interface              IP-Address      OK? Method Status                Protocol
Vlan1                  unassigned      YES NVRAM  administratively down down
Vlan10                 10.0.1.1        YES NVRAM  up                    up
GigabitEthernet0/0     10.0.250.11     YES NVRAM  up                    up
GigabitEthernet1/0/1   unassigned      YES unset  up                    up
GigabitEthernet1/0/2   unassigned      YES unset  down                  down
TenGigabitEthernet1/1/1 unassigned     YES unset  up                    up
`,
			"show interfaces status": `Port         Name               Status       Vlan       Duplex  Speed Type
Gi1/0/1      srv-web01          connected    10         a-full a-1000 10/100/1000BaseTX
Gi1/0/2                         notconnect   10           auto   auto 10/100/1000BaseTX
Gi1/0/48     uplink->dist-sw1#  connected    trunk      a-full a-1000 10/100/1000BaseTX
Te1/1/1      core-link          connected    trunk        full    10G SFP-10GBase-SR
`,
			"show ip access-lists": `Standard IP access list SNMP-ACL
    10 permit 10.0.9.0, wildcard bits 0.0.0.255 (12311 matches)
    20 deny   any log
Standard IP access list VTY-ACL
    10 permit 10.0.0.0, wildcard bits 0.0.0.255 (1422 matches)
    20 deny   any log (3 matches)
`,
			"show ip route summary": `IP routing table name is default (0x0)
IP routing table maximum-paths is 32
Route Source    Networks    Subnets     Replicates  Overhead    Memory (bytes)
connected       0           6           0           576         1824
static          1           0           0           96          304
internal        2                                               1360
Total           3           6           0           672         3488
`,
			"show cdp neighbors": `Capability Codes: R - Router, T - Trans Bridge, B - Source Route Bridge
                  S - Switch, H - Host, I - IGMP, r - Repeater, P - Phone,
                  D - Remote, C - CVTA, M - Two-port Mac Relay

Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID
dist-sw1         Gig 1/0/48        151             R S I  C9500-24Y Twe 1/0/1

Total cdp entries displayed : 1
`,
			"show lldp neighbors": `Capability codes:
    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other

Device ID           Local Intf     Hold-time  Capability      Port ID
dist-sw1            Gi1/0/48       120        B,R             Twe1/0/1

Total entries displayed: 1
`,
			"show ip http server status": `HTTP server status: Disabled
HTTP server port: 80
HTTP server active supplementary listener ports:
HTTP server authentication method: local
HTTP secure server capability: Present
HTTP secure server status: Disabled
HTTP secure server port: 443
`,
			"show vtp status": `VTP Version capable             : 1 to 3
VTP version running             : 3
VTP Domain Name                 : EXAMPLE
VTP Pruning Mode                : Disabled
VTP Traps Generation            : Disabled
Device ID                       : 70b3.17a1.2c00

Feature VLAN:
--------------
VTP Operating Mode                : Transparent
Maximum VLANs supported locally   : 4096
Number of existing VLANs          : 7
`,
			"show spanning-tree summary": `Switch is in rapid-pvst mode
Root bridge for: none
Extended system ID                      is enabled
Portfast Default                        is disabled
PortFast BPDU Guard Default             is enabled
Portfast BPDU Filter Default            is disabled
Loopguard Default                       is enabled
EtherChannel misconfig guard            is enabled

Name                   Blocking Listening Learning Forwarding STP Active
---------------------- -------- --------- -------- ---------- ----------
VLAN0010                     0         0        0          3          3
---------------------- -------- --------- -------- ---------- ----------
1 vlan                       0         0        0          3          3
`,
			"show archive": `Archive feature not enabled
`,
			"show crypto pki certificates": `Certificate
  Status: Available
  Certificate Serial Number (hex): 01
  Certificate Usage: General Purpose
  Issuer:
    cn=IOS-Self-Signed-Certificate-3410219837
  Subject:
    Name: IOS-Self-Signed-Certificate-3410219837
    cn=IOS-Self-Signed-Certificate-3410219837
  Validity Date:
    start date: 09:12:44 UTC Mar 2 2024
    end   date: 00:00:00 UTC Jan 1 2030
  Associated Trustpoints: TP-self-signed-3410219837
`,
			"show file systems": `File Systems:

       Size(b)       Free(b)      Type  Flags  Prefixes
*  11353194496    8812244992      disk     rw   flash:
    1651314688    1624268800      disk     rw   crashinfo:
       2097152       2085136     nvram     rw   nvram:
             -             -   network     rw   tftp:
             -             -   network     rw   scp:
`,
		},
	}
	maps.Copy(p.Commands, iosMore())
	return p
}

const iosVersion = `Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2023 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or "License Notice" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: IOS-XE ROMMON
BOOTLDR: System Bootstrap, Version 17.9.1r, RELEASE SOFTWARE (P)

core-sw1 uptime is 41 weeks, 2 days, 3 hours, 17 minutes
Uptime for this control processor is 41 weeks, 2 days, 3 hours, 19 minutes
System returned to ROM by Reload Command
System image file is "flash:packages.conf"
Last reload reason: Reload Command

This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.

Technology Package License Information:

------------------------------------------------------------------------------
Technology-package                                     Technology-package
Current                        Type                       Next reboot
------------------------------------------------------------------------------
network-advantage       Smart License                    network-advantage
dna-advantage           Subscription Smart License       dna-advantage

cisco C9300-48P (X86) processor with 1292704K/6147K bytes of memory.
Processor board ID FOC2418L0AB
2 Virtual Ethernet interfaces
56 Gigabit Ethernet interfaces
8 Ten Gigabit Ethernet interfaces
2048K bytes of non-volatile configuration memory.
8388608K bytes of physical memory.
1638400K bytes of Crash Files at crashinfo:.
11264000K bytes of Flash at flash:.

Base Ethernet MAC Address          : 70:b3:17:a1:2c:00
Motherboard Assembly Number        : 73-17957-06
Motherboard Serial Number          : FOC24170XYZ
Model Revision Number              : B0
Motherboard Revision Number        : A0
Model Number                       : C9300-48P
System Serial Number               : FOC2418L0AB


Switch Ports Model              SW Version        SW Image              Mode
------ ----- -----              ----------        ----------            ----
*    1 65    C9300-48P          17.09.04a         CAT9K_IOSXE           INSTALL


Configuration register is 0x102

`

// iosRunningConfig is long enough to page several times, and has what trips weak prompt
// detection: '#' and '>' inside lines, a banner, a description ending in "#".
func iosRunningConfig() string {
	return `Building configuration...

Current configuration : 4987 bytes
!
! Last configuration change at 15:58:44 UTC Thu Dec 3 2026 by oca
! NVRAM config last updated at 15:58:50 UTC Thu Dec 3 2026 by oca
!
version 17.9
service timestamps debug datetime msec
service timestamps log datetime msec
service password-encryption
service sequence-numbers
no service pad
platform punt-keepalive disable-kernel-core
!
hostname core-sw1
!
vrf definition Mgmt-vrf
 address-family ipv4
 exit-address-family
!
logging buffered 16384 informational
no logging console
enable secret 9 $9$sImUlAtEdHaSh$0nly.F0r.TeStInG.n0t.A.rEaL.sEcReT/aBcDeF12
!
aaa new-model
aaa group server tacacs+ ISE
 server name ISE-1
!
aaa authentication login default group ISE local
aaa authentication enable default group ISE enable
aaa authorization exec default group ISE local if-authenticated
aaa accounting exec default start-stop group ISE
aaa accounting commands 15 default start-stop group ISE
aaa session-id common
clock timezone UTC 0 0
!
ip domain name example.net
ip ssh version 2
ip ssh time-out 60
ip ssh authentication-retries 3
ip ssh server algorithm encryption aes128-gcm aes256-gcm aes128-ctr aes192-ctr aes256-ctr
ip ssh server algorithm mac hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com
login block-for 120 attempts 5 within 60
login on-failure log
login on-success log
!
username oca privilege 1 secret 9 $9$sImUlAtEdHaSh$AnOtHeR.FaKe.HaSh.FoR.TeStS/XyZ987
!
spanning-tree mode rapid-pvst
spanning-tree loopguard default
spanning-tree portfast bpduguard default
!
interface GigabitEthernet0/0
 vrf forwarding Mgmt-vrf
 ip address 10.0.250.11 255.255.255.0
 negotiation auto
!
interface GigabitEthernet1/0/1
 description srv-web01
 switchport access vlan 10
 switchport mode access
 spanning-tree portfast
!
interface GigabitEthernet1/0/2
 switchport access vlan 10
 switchport mode access
 shutdown
!
interface GigabitEthernet1/0/48
 description uplink->dist-sw1#
 switchport mode trunk
!
interface TenGigabitEthernet1/1/1
 description core-link
 switchport mode trunk
!
interface Vlan1
 no ip address
 shutdown
!
interface Vlan10
 ip address 10.0.1.1 255.255.255.0
!
ip http authentication local
no ip http server
no ip http secure-server
ip tacacs source-interface Vlan10
ip ssh source-interface Vlan10
!
ip access-list standard SNMP-ACL
 10 permit 10.0.9.0 0.0.0.255
 20 deny   any log
ip access-list standard VTY-ACL
 10 permit 10.0.0.0 0.0.0.255
 20 deny   any log
!
logging source-interface Vlan10
logging host 10.0.9.20
!
snmp-server group OCA-RO v3 priv read OCA-VIEW access SNMP-ACL
snmp-server view OCA-VIEW iso included
tacacs server ISE-1
 address ipv4 10.0.9.10
 key 7 0822455D0A16544541
!
banner motd ^C
#########################################################
# Authorized access only > violators will be prosecuted #
#########################################################
^C
!
line con 0
 exec-timeout 10 0
 logging synchronous
 stopbits 1
line vty 0 4
 access-class VTY-ACL in
 exec-timeout 10 0
 transport input ssh
line vty 5 15
 access-class VTY-ACL in
 exec-timeout 10 0
 transport input ssh
!
ntp server 10.0.9.30 prefer
ntp server 10.0.9.31
!
end

`
}
