package sshsim

import "maps"

// aristaEOS is a 7050X3 leaf on EOS 4.30: keyboard-interactive logins only (EOS's default),
// ">" then enable, "Pagination disabled." and "% Invalid input (privileged mode required)".
func aristaEOS() Personality {
	p := Personality{
		Name:     "arista_eos",
		Hostname: "leaf-01",
		Banner: `#####################################################################
# Authorized access only > violators will be prosecuted             #
# Example Corp DC1 fabric -> changes need an approved CR            #
#####################################################################
Last login: Wed Dec  2 03:00:12 2026 from 10.0.0.2
`,
		PromptPrefixCR:          true,
		KeyboardInteractiveOnly: true,
		EnableCommand:           "enable",
		EnablePassword:          "sim-enable-secret",
		EnableFailure:           "% Access denied\n",
		PagingOff:               []string{"terminal length 0"},
		PagerMarker:             " --More-- ",
		PagerRedraw:             "\r          \r",
		Unknown:                 "% Invalid input\n",
		PrivError:               "% Invalid input (privileged mode required)\n",
		EchoCommands:            true,
		ExitCommands:            []string{"exit", "logout", "quit"},
		PrivOnly: map[string]bool{
			"show running-config":                    true,
			"show startup-config":                    true,
			"show running-config section aaa":        true,
			"show running-config | section aaa":      true,
			"show management api http-commands":      true,
			"show running-config section management": true,
		},
		Commands: map[string]string{
			"terminal length 0":    "Pagination disabled.\n",
			"terminal width 32767": "Width set to 32767 columns.\n",
			"show version": `Arista DCS-7050CX3-32S-R
Hardware version: 11.02
Serial number: JPE21180ABC
Hardware MAC address: 444c.a8b1.0c00
System MAC address: 444c.a8b1.0c00

Software image version: 4.30.5M
Architecture: x86_64
Internal build version: 4.30.5M-35424147.4305M
Internal build ID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
Image format version: 3.0
Image optimization: Strata-4GB

Uptime: 30 weeks, 2 days, 3 hours and 17 minutes
Total memory: 8099460 kB
Free memory: 5601232 kB
`,
			"show running-config": eosRunningConfig,
			"show startup-config": eosRunningConfig,
			"show running-config section aaa": `aaa group server tacacs+ ISE
   server 10.0.9.10 vrf MGMT
aaa authentication login default group ISE local
aaa authorization exec default group ISE local
aaa accounting commands all default start-stop group ISE
`,
			"show management ssh": `Daemon           Operational State
---------------- -----------------
sshd             Enabled

SSHD uptime: 30 weeks, 2 days, 3 hours and 17 minutes
Server port: 22
Password authentication: disabled
Keyboard-interactive authentication: enabled
Public key authentication: enabled
Ciphers: aes256-gcm@openssh.com aes256-ctr
MACs: hmac-sha2-512-etm@openssh.com hmac-sha2-256-etm@openssh.com
Key exchange methods: curve25519-sha256 ecdh-sha2-nistp521
Idle timeout: 10 minutes
Session limit: 50
Session limit per host: 20
`,
			"show users": `   Line       User        Host(s)       Idle        Location
   1 vty 7    oca         idle          00:00:00    10.0.0.2
`,
			"show snmp user": `User name      : oca-snmp
Security model : v3
Engine ID      : f5717f444ca8b10c00
Authentication : SHA-256
Privacy        : AES-128
Group          : OCA-RO
`,
			"show logging": `Syslog logging: enabled
    Buffer logging: level debugging
    Console logging: level errors
    Persistent logging: disabled
    Monitor logging: level errors
    Synchronous logging: disabled
    Trap logging: level informational
        Logging to '10.0.9.20' port 514 in VRF MGMT via udp
    Sequence numbers: disabled
    Syslog facility: local4
    Hostname format: Hostname only
`,
			"show ntp status": `synchronised to NTP server (10.0.9.30) at stratum 3
   time correct to within 12 ms
   polling server every 1024 s
`,
			"show ip interface brief": `                                                                              Address
Interface         IP Address            Status       Protocol          MTU    Owner
----------------- --------------------- ------------ -------------- --------- -------
Ethernet1         10.1.0.1/31           up           up                9214
Ethernet2         10.1.0.3/31           up           up                9214
Loopback0         10.255.1.1/32         up           up               65535
Management1       10.0.250.15/24        up           up                1500
`,
			"show ip access-lists": `IP Access List SSH-ACL
        10 permit tcp 10.0.0.0/24 any eq ssh
        20 deny ip any any log
`,
			"show lldp neighbors": `Last table change time   : 41 days, 3:17:09 ago
Number of table inserts  : 4
Number of table deletes  : 0
Number of table drops    : 0
Number of table age-outs : 0

Port          Neighbor Device ID       Neighbor Port ID    TTL
---------- ------------------------ ---------------------- ---
Et1           spine-01                 Ethernet1           120
Et2           spine-02                 Ethernet1           120
`,
		},
	}
	maps.Copy(p.Commands, eosMore())
	return p
}

const eosRunningConfig = `! Command: show running-config
! device: leaf-01 (DCS-7050CX3-32S, EOS-4.30.5M)
!
! boot system flash:/EOS-4.30.5M.swi
!
no aaa root
!
username admin privilege 15 role network-admin secret sha512 $6$sim$NotARealHashJustForTests
username oca privilege 1 role network-operator secret sha512 $6$sim$AnotherFakeHashForTests
!
transceiver qsfp default-mode 4x10G
!
hostname leaf-01
ip domain-name example.net
!
banner login
# Authorized access only > violators will be prosecuted #
EOF
!
ntp server vrf MGMT 10.0.9.30 prefer
ntp server vrf MGMT 10.0.9.31
!
snmp-server user oca-snmp OCA-RO v3 localized f5717f444ca8b10c00 auth sha256 0x5e1a priv aes 0x5e1a
!
spanning-tree mode mstp
!
tacacs-server host 10.0.9.10 vrf MGMT key 7 sImUlAtEd
!
aaa group server tacacs+ ISE
   server 10.0.9.10 vrf MGMT
!
aaa authentication login default group ISE local
aaa authorization exec default group ISE local
aaa accounting commands all default start-stop group ISE
!
enable password sha512 $6$sim$EnableHashOnlyForTests
!
vrf instance MGMT
!
interface Ethernet1
   description spine-01 > Et1
   no switchport
   ip address 10.1.0.1/31
!
interface Ethernet2
   description spine-02 > Et1
   no switchport
   ip address 10.1.0.3/31
!
interface Loopback0
   ip address 10.255.1.1/32
!
interface Management1
   vrf MGMT
   ip address 10.0.250.15/24
!
ip access-list SSH-ACL
   10 permit tcp 10.0.0.0/24 any eq ssh
   20 deny ip any any log
!
ip routing
no ip routing vrf MGMT
!
logging host 10.0.9.20
logging vrf MGMT host 10.0.9.20
!
management ssh
   ip access-group SSH-ACL vrf MGMT in
   idle-timeout 10
   authentication mode keyboard-interactive
   cipher aes256-gcm@openssh.com aes256-ctr
   vrf MGMT
      no shutdown
!
end
`
