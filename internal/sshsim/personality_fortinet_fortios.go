package sshsim

import "maps"

// fortinetFortiOS is a FortiGate 100F on FortiOS 7.2: shell only, "FGT-1 # ", paging turned
// off inside a config context ("config system console" / "set output standard" / "end", with
// its own "FGT-1 (console) # " prompt), "--More-- ", and "Command fail. Return code" errors.
func fortinetFortiOS() Personality {
	prompt := func(host string) string { return host + " #" }
	p := Personality{
		Name:     "fortinet_fortios",
		Hostname: "FGT-1",
		Banner: `
###################################################################
# Authorized access only > violators will be prosecuted           #
# Example Corp branch firewall -> secops@example.net              #
###################################################################
`,
		// pre-login-banner enable: the banner must be accepted before the login prompt.
		Gate:            "\n(Press 'a' to accept):",
		GateKey:         "a",
		UserPrompt:      prompt,
		PrivPrompt:      prompt,
		StartPrivileged: true,
		TrailingSpace:   true,
		Modes:           map[string]string{"config system console": "console"},
		ModePrompt:      func(host, mode string) string { return host + " (" + mode + ") #" },
		ModeExit:        []string{"end", "abort"},
		PagingOff:       []string{"set output standard"},
		PagerMarker:     "--More-- ",
		PagerRedraw:     "\r         \r",
		Unknown:         "command parse error before '{word}'\nCommand fail. Return code -61\n",
		UnknownVerb:     "Unknown action 0\nCommand fail. Return code -1\n",
		EchoCommands:    true,
		ExitCommands:    []string{"exit"},
		RefuseExec:      true,
		Commands: map[string]string{
			"set output standard":                   "",
			"get system status":                     fortiStatus,
			"show full-configuration system global": fortiGlobal,
			"show system global":                    fortiGlobal,
			"get system interface": `== [ wan1 ]
name: wan1   mode: static    ip: 192.0.2.2 255.255.255.252   status: up    netbios-ss: n/a    http-proxy: disable    type: physical
== [ internal ]
name: internal   mode: static    ip: 10.0.1.254 255.255.255.0   status: up    netbios-ss: n/a    http-proxy: disable    type: hard-switch
== [ mgmt ]
name: mgmt   mode: static    ip: 10.0.250.17 255.255.255.0   status: up    netbios-ss: n/a    http-proxy: disable    type: physical
`,
			"get system ha status": `HA Health Status: OK
Model: FortiGate-100F
Mode: standalone
`,
		},
	}
	maps.Copy(p.Commands, fortiMore())
	return p
}

const fortiStatus = `Version: FortiGate-100F v7.2.10,build1706,240918 (GA.M)
Firmware Signature: certified
Virus-DB: 92.08451(2026-12-03 09:23)
Extended DB: 92.08451(2026-12-03 09:22)
IPS-DB: 28.00912(2026-12-02 01:13)
IPS-ETDB: 0.00000(2001-01-01 00:00)
APP-DB: 28.00912(2026-12-02 01:13)
INDUSTRIAL-DB: 28.00912(2026-12-02 01:13)
IPS Malicious URL Database: 5.00123(2026-12-03 14:51)
Serial-Number: FG100FTK24012345
BIOS version: 05000012
System Part-Number: P24035-03
Log hard disk: Not available
Hostname: FGT-1
Private Encryption: Disable
Operation Mode: NAT
Current virtual domain: root
Max number of virtual domains: 10
Virtual domains status: 1 in NAT mode, 0 in TP mode
Virtual domain configuration: disable
FIPS-CC mode: disable
Current HA mode: standalone
Branch point: 1706
Release Version Information: GA
System time: Thu Dec  3 16:00:01 2026
Last reboot reason: warm reboot
`

const fortiGlobal = `config system global
    set admin-concurrent disable
    set admin-lockout-duration 900
    set admin-lockout-threshold 3
    set admin-scp disable
    set admin-sport 443
    set admin-ssh-grace-time 60
    set admin-ssh-v1 disable
    set admin-telnet disable
    set admintimeout 10
    set alias "FGT-1"
    set hostname "FGT-1"
    set post-login-banner enable
    set pre-login-banner enable
    set ssh-enc-algo aes256-ctr aes256-gcm@openssh.com
    set ssh-kex-algo diffie-hellman-group14-sha256 curve25519-sha256@libssh.org
    set ssh-mac-algo hmac-sha2-256 hmac-sha2-512
    set strong-crypto enable
    set timezone 00
end
`
