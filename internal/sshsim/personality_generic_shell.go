package sshsim

import "maps"

// genericShell is the kind of box that has no definition of its own: an appliance CLI with an
// accept-gate before the prompt, a "# " privileged prompt with a trailing space, "--More--",
// and "Unknown command" errors.
func genericShell() Personality {
	p := Personality{
		Name:     "generic_shell",
		Hostname: "gw-01",
		Banner: `
=====================================================================
# Authorized access only > violators will be prosecuted             #
# Managed by Example Corp NOC -> noc@example.net                    #
=====================================================================
Welcome to EdgeGateway OS 4.2.7 (build 20260914)
`,
		Gate:           "\nPress any key to continue",
		UserPrompt:     hostnamePrompt(">"),
		PrivPrompt:     hostnamePrompt("#"),
		PromptPrefixCR: true,
		TrailingSpace:  true,
		EnableCommand:  "enable",
		EnablePassword: "sim-enable-secret",
		EnableFailure:  "% Access denied\n",
		PagingOff:      []string{"terminal length 0"},
		PagerMarker:    "--More--",
		PagerRedraw:    "\r        \r",
		Unknown:        "% Unknown command: {command}\n",
		EchoCommands:   true,
		ExitCommands:   []string{"exit", "logout", "quit"},
		PrivOnly: map[string]bool{
			"show running-config": true,
			"show users":          true,
		},
		Commands: map[string]string{
			"terminal length 0": "",
			"show version": `EdgeGateway OS 4.2.7 (build 20260914)
Model: EGW-2100  Serial: EGW21A0042117
Uptime: 87 days, 4:12:09
Memory: 1024 MB (312 MB used)
Flash: 4096 MB (1184 MB used)
`,
			"show running-config": genericRunningConfig,
			"show users": `Line    User      Host            Login time
vty0    oca       10.0.0.2        2026-12-03 16:00:01
`,
			"show interfaces": `eth0   up    10.0.250.21/24   mtu 1500  rx 120318844 tx 99231045
eth1   up    192.0.2.2/30     mtu 1500  rx 8811022   tx 9912331
eth2   down  unassigned       mtu 1500  rx 0         tx 0
`,
			"show ntp": `NTP: enabled
Server 10.0.9.30 (synchronised, stratum 2, offset -0.412 ms)
Server 10.0.9.31 (candidate, stratum 2, offset 0.233 ms)
`,
			"show logging": `Remote syslog: 10.0.9.20:514 udp (enabled)
Local buffer: 512 KB, level info
2026-12-03 15:58:41 auth: login oca from 10.0.0.2 via ssh
`,
		},
	}
	maps.Copy(p.Commands, genericMore())
	return p
}

const genericRunningConfig = `# EdgeGateway configuration, generated 2026-12-03 16:00:01
hostname gw-01
#
interface eth0
  ip address 10.0.250.21/24
  description mgmt > oob
!
interface eth1
  ip address 192.0.2.2/30
  description wan#1
!
interface eth2
  shutdown
!
ip route 0.0.0.0/0 192.0.2.1
!
ssh server enable
ssh server version 2
ssh server ciphers aes256-ctr aes128-ctr
ssh server idle-timeout 600
!
user admin role admin password-hash $6$sim$NotARealHashJustForTests
user oca role read-only password-hash $6$sim$AnotherFakeHashForTests
!
snmp v3 user oca-snmp auth sha priv aes read-only
snmp v3 access 10.0.9.0/24
!
ntp server 10.0.9.30
ntp server 10.0.9.31
!
logging remote 10.0.9.20 udp 514
logging level info
!
firewall policy 10 from wan to mgmt deny log
firewall policy 20 from mgmt to wan permit
!
banner login "# Authorized access only > violators will be prosecuted #"
!
end
`
