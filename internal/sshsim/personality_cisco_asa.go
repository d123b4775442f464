package sshsim

import "maps"

// ciscoASA is an ASA 5516-X on 9.16: "asa-edge1> " then enable, prompts with a trailing space,
// the "<--- More --->" pager and "ERROR: % Invalid input" errors.
func ciscoASA() Personality {
	p := Personality{
		Name:     "cisco_asa",
		Hostname: "asa-edge1",
		Banner: `
######################################################################
# Authorized access only > violators will be prosecuted              #
# Perimeter firewall - all sessions recorded -> secops@example.net    #
######################################################################
Type help or '?' for a list of available commands.
`,
		TrailingSpace:  true,
		EnableCommand:  "enable",
		EnablePassword: "sim-enable-secret",
		EnableFailure:  "Invalid password\n",
		PagingOff:      []string{"terminal pager 0"},
		PagerMarker:    "<--- More --->",
		PagerRedraw:    "\r              \r",
		Unknown:        "{caret}\nERROR: % Invalid input detected at '^' marker.\n",
		EchoCommands:   true,
		ExitCommands:   []string{"exit", "logout", "quit"},
		ExitMessage:    "\nLogoff\n\n",
		PrivOnly: map[string]bool{
			"show running-config":     true,
			"show startup-config":     true,
			"show running-config all": true,
			"show aaa-server":         true,
			"show ssh sessions":       true,
		},
		Commands: map[string]string{
			"terminal pager 0":    "",
			"terminal width 511":  "",
			"show version":        asaVersion,
			"show running-config": asaRunningConfig,
			"show startup-config": asaRunningConfig,
			"show ssh": `Timeout: 10 minutes
Version allowed: 2
10.0.0.0 255.255.255.0 management
`,
			"show ssh sessions": `SID Client IP       Version Mode Encryption Hmac          State          Username
0   10.0.0.2        2.0     IN   aes256-ctr sha256        SessionStarted oca
                            OUT  aes256-ctr sha256        SessionStarted oca
`,
			"show aaa-server": `Server Group:    ISE
Server Protocol: tacacs+
Server Address:  10.0.9.10
Server port:     49
Server status:   ACTIVE, Last transaction at 15:58:41 UTC Thu Dec 3 2026
Number of pending requests              0
Average round trip time                 12ms
Number of authentication requests       1422
Number of authorization requests        0
Number of accounting requests           2811
Number of retransmissions               0
Number of accepts                       1401
Number of rejects                       21
`,
			"show logging": `Syslog logging: enabled
    Facility: 20
    Timestamp logging: enabled
    Standby logging: disabled
    Debug-trace logging: disabled
    Console logging: disabled
    Monitor logging: disabled
    Buffer logging: level informational, 21231 messages logged
    Trap logging: level informational, facility 20, 21231 messages logged
        Logging to management 10.0.9.20
    Permit-hostdown logging: disabled
    History logging: disabled
    Device ID: hostname "asa-edge1"
    Mail logging: disabled
    ASDM logging: disabled
`,
			"show ntp status": `Clock is synchronized, stratum 3, reference is 10.0.9.30
nominal freq is 99.9984 Hz, actual freq is 99.9984 Hz, precision is 2**6
reference time is e9b1f2a1.1e3b5c8d (15:59:45.117 UTC Thu Dec 3 2026)
clock offset is -0.4120 msec, root delay is 1.42 msec
root dispersion is 15.91 msec, peer dispersion is 0.23 msec
`,
			"show interface ip brief": `Interface                  IP-Address      OK? Method Status                Protocol
GigabitEthernet1/1         192.0.2.2       YES CONFIG up                    up
GigabitEthernet1/2         10.0.1.254      YES CONFIG up                    up
GigabitEthernet1/3         unassigned      YES unset  administratively down down
Management1/1              10.0.250.13     YES CONFIG up                    up
`,
			"show access-list": `access-list cached ACL log flows: total 0, denied 0 (deny-flow-max 4096)
            alert-interval 300
access-list OUTSIDE-IN; 2 elements; name hash: 0x1c8ef1a4
access-list OUTSIDE-IN line 1 extended permit tcp any host 10.0.1.10 eq https (hitcnt=88213) 0x5e1a0f21
access-list OUTSIDE-IN line 2 extended deny ip any any log informational interval 300 (hitcnt=12044) 0x9a1b2c3d
`,
			"show clock": "16:00:01.123 UTC Thu Dec 3 2026\n",
			"show failover": `Failover On
Failover unit Primary
Failover LAN Interface: FAILOVER GigabitEthernet1/8 (up)
This host: Primary - Active
Other host: Secondary - Standby Ready
`,
		},
	}
	maps.Copy(p.Commands, asaMore())
	return p
}

const asaVersion = `
Cisco Adaptive Security Appliance Software Version 9.16(4)48
SSP Operating System Version 2.10(1.217)
Device Manager Version 7.19(1)

Compiled on Thu 09-Nov-23 18:27 GMT by builders
System image file is "disk0:/asa9-16-4-48-lfbff-k8.SPA"
Config file at boot was "startup-config"

asa-edge1 up 212 days 3 hours
failover cluster up 212 days 3 hours

Hardware:   ASA5516, 8192 MB RAM, CPU Atom C2000 series 2416 MHz, 1 CPU (8 cores)
Internal ATA Compact Flash, 8192MB
BIOS Flash M25P64 @ 0xfed01000, 16384KB

Encryption hardware device : Cisco ASA Crypto on-board accelerator (revision 0x1)
                             Number of accelerators: 1

 1: Ext: GigabitEthernet1/1  : address is 00a7.42b1.0c01, irq 255
 2: Ext: GigabitEthernet1/2  : address is 00a7.42b1.0c02, irq 255
 3: Ext: GigabitEthernet1/3  : address is 00a7.42b1.0c03, irq 255
 4: Ext: Management1/1       : address is 00a7.42b1.0c00, irq 0

Licensed features for this platform:
Maximum Physical Interfaces       : Unlimited      perpetual
Maximum VLANs                     : 150            perpetual
Inside Hosts                      : Unlimited      perpetual
Failover                          : Active/Active  perpetual
Encryption-DES                    : Enabled        perpetual
Encryption-3DES-AES               : Enabled        perpetual
Security Contexts                 : 2              perpetual
Carrier                           : Disabled       perpetual
AnyConnect Premium Peers          : 4              perpetual
Total VPN Peers                   : 300            perpetual

This platform has an ASA5516 Security Plus license.

Serial Number: JAD2418L0AB
Running Permanent Activation Key: 0x00000000 0x00000000 0x00000000 0x00000000 0x00000000
Configuration register is 0x1
Configuration last modified by oca at 15:41:09.118 UTC Thu Dec 3 2026
`

const asaRunningConfig = `: Saved

:
: Serial Number: JAD2418L0AB
: Hardware:   ASA5516, 8192 MB RAM, CPU Atom C2000 series 2416 MHz, 1 CPU (8 cores)
:
ASA Version 9.16(4)48
!
hostname asa-edge1
domain-name example.net
enable password ***** pbkdf2
service-module 1 keepalive-timeout 4
passwd ***** pbkdf2
names
no mac-address auto
!
interface GigabitEthernet1/1
 nameif outside
 security-level 0
 ip address 192.0.2.2 255.255.255.252
!
interface GigabitEthernet1/2
 nameif inside
 security-level 100
 ip address 10.0.1.254 255.255.255.0
!
interface Management1/1
 management-only
 nameif management
 security-level 100
 ip address 10.0.250.13 255.255.255.0
!
banner motd # Authorized access only > violators will be prosecuted #
ftp mode passive
object network WEB01
 host 10.0.1.10
access-list OUTSIDE-IN extended permit tcp any object WEB01 eq https
access-list OUTSIDE-IN extended deny ip any any log
pager lines 24
logging enable
logging timestamp
logging buffered informational
logging trap informational
logging host management 10.0.9.20
mtu outside 1500
mtu inside 1500
mtu management 1500
access-group OUTSIDE-IN in interface outside
route outside 0.0.0.0 0.0.0.0 192.0.2.1 1
aaa-server ISE protocol tacacs+
aaa-server ISE (management) host 10.0.9.10
 key *****
aaa authentication ssh console ISE LOCAL
aaa authentication enable console ISE LOCAL
aaa accounting command ISE
aaa authorization exec authentication-server
http server enable
http 10.0.0.0 255.255.255.0 management
snmp-server host management 10.0.9.21 version 3 oca-snmp
snmp-server location DC1 Row 4 > Rack 12
no snmp-server contact
crypto ca trustpoint _SmartCallHome_ServerCA
 no validation-usage
 crl configure
ssh stricthostkeycheck
ssh 10.0.0.0 255.255.255.0 management
ssh timeout 10
ssh version 2
ssh key-exchange group dh-group14-sha256
ssh cipher encryption high
ssh cipher integrity high
console timeout 10
threat-detection basic-threat
ntp server 10.0.9.30 source management prefer
ntp server 10.0.9.31 source management
username admin password ***** pbkdf2 privilege 15
username oca password ***** pbkdf2 privilege 5
!
class-map inspection_default
 match default-inspection-traffic
!
policy-map global_policy
 class inspection_default
  inspect dns preset_dns_map
  inspect ftp
  inspect icmp
!
service-policy global_policy global
prompt hostname context
no call-home reporting anonymous
Cryptochecksum:5e1a0f21c3b2a1d0e9f8a7b6c5d4e3f2
: end
`
