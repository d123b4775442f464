package sshsim

import "maps"

// juniperJunos is an SRX345 on Junos 22.4: "oca@srx-edge1> " with a trailing space, the
// "---(more)---" pager, and Junos's two errors: "syntax error" for a bad argument, "unknown
// command." for a bad verb.
func juniperJunos() Personality {
	p := Personality{
		Name:     "juniper_junos",
		Hostname: "srx-edge1",
		Banner: `
# Authorized access only > violators will be prosecuted #
# Activity is logged -> secops@example.net              #
Last login: Wed Dec  2 03:00:12 2026 from 10.0.0.2
--- JUNOS 22.4R3.25 Kernel 64-bit  JNPR-12.1-20231013.1a7f4c3_buil
`,
		UserPrompt:    func(host string) string { return "oca@" + host + ">" },
		PrivPrompt:    func(host string) string { return "oca@" + host + ">" },
		TrailingSpace: true,
		PagingOff:     []string{"set cli screen-length 0"},
		PagerMarker:   "---(more)---",
		PagerRedraw:   "\r                                        \r",
		Unknown:       "{caret}\nsyntax error, expecting <command>.\n",
		UnknownVerb:   "{caret}\nunknown command.\n",
		EchoCommands:  true,
		ExitCommands:  []string{"exit", "quit"},
		Commands: map[string]string{
			"set cli screen-length 0":       "Screen length set to 0\n",
			"set cli screen-width 0":        "Screen width set to 0\n",
			"set cli screen-width 1024":     "Screen width set to 1024\n",
			"set cli complete-on-space off": "Disabling complete-on-space\n",
			"show version": `Hostname: srx-edge1
Model: srx345
Junos: 22.4R3.25
JUNOS Software Release [22.4R3.25]
`,
			"show configuration | display set": junosSetConfig,
			"show configuration":               junosConfig,
			"show system users": ` 4:00PM  up 212 days,  3:17, 1 user, load averages: 0.08, 0.05, 0.01
USER     TTY      FROM                              LOGIN@  IDLE WHAT
oca      pts/0    10.0.0.2                          3:58PM      - -cli (cli)
`,
			"show system uptime": `Current time: 2026-12-03 16:00:01 UTC
Time Source:  NTP CLOCK
System booted: 2026-05-05 12:43:09 UTC (30w2d 03:17 ago)
Protocols started: 2026-05-05 12:45:31 UTC (30w2d 03:14 ago)
Last configured: 2026-12-03 15:41:09 UTC (00:18:52 ago) by oca
 4:00PM  up 212 days,  3:17, 1 user, load averages: 0.08, 0.05, 0.01
`,
			"show system services": ` Service      Status
 ssh          enabled
 netconf      enabled
 web-management disabled
 telnet       disabled
`,
			"show ntp associations": `     remote           refid      st t when poll reach   delay   offset  jitter
===============================================================================
*10.0.9.30       192.0.2.123      2 u   16 1024  377    1.421   -0.320   0.232
+10.0.9.31       192.0.2.124      2 u  410 1024  377    1.503    0.118   0.281
`,
			"show snmp v3": `Local engine ID: 80 00 0a 4c 01 0a 00 fa 0e
Engine boots:   14
Engine time:    18316620 seconds
Max msg size:   65507 bytes

Engine ID: local
User                             Auth/Priv         Storage        Status
oca-snmp                         sha/aes128        nonvolatile    active
`,
			"show interfaces terse": `Interface               Admin Link Proto    Local                 Remote
ge-0/0/0                up    up
ge-0/0/0.0              up    up   inet     192.0.2.2/30
ge-0/0/1                up    up
ge-0/0/1.0              up    up   inet     10.0.1.254/24
fxp0                    up    up
fxp0.0                  up    up   inet     10.0.250.14/24
lo0                     up    up
lo0.0                   up    up   inet     10.255.0.1          --> 0/0
`,
			"show chassis hardware": `Hardware inventory:
Item             Version  Part number  Serial number     Description
Chassis                                CV2418AF0042      SRX345
Routing Engine   REV 0x10 650-065041   CV2418AF0042      RE-SRX345
FPC 0                                                    FEB
  PIC 0                   BUILTIN      BUILTIN           8xGE,8xGE SFP Base PIC
Power Supply 0
`,
			"show system alarms": "No alarms currently active\n",
		},
	}
	maps.Copy(p.Commands, junosMore())
	return p
}

const junosSetConfig = `set version 22.4R3.25
set system host-name srx-edge1
set system root-authentication encrypted-password "$6$sim$NotARealHashJustForTests"
set system login message "# Authorized access only > violators will be prosecuted #"
set system login retry-options tries-before-disconnect 3
set system login retry-options lockout-period 15
set system login class oca-read permissions view
set system login class oca-read permissions view-configuration
set system login user oca uid 2001
set system login user oca class oca-read
set system login user oca authentication encrypted-password "$6$sim$AnotherFakeHashForTests"
set system services ssh root-login deny
set system services ssh protocol-version v2
set system services ssh ciphers aes256-ctr
set system services ssh ciphers aes128-ctr
set system services ssh connection-limit 10
set system services ssh rate-limit 4
set system services netconf ssh
set system syslog host 10.0.9.20 any info
set system syslog host 10.0.9.20 authorization info
set system syslog file messages any notice
set system syslog file interactive-commands interactive-commands any
set system ntp server 10.0.9.30 prefer
set system ntp server 10.0.9.31
set system authentication-order tacplus
set system authentication-order password
set system tacplus-server 10.0.9.10 secret "$9$sImUlAtEd"
set snmp location "DC1 Row 4 > Rack 9"
set snmp contact "noc@example.net"
set snmp v3 usm local-engine user oca-snmp authentication-sha authentication-key "$9$sImUlAtEd"
set snmp v3 usm local-engine user oca-snmp privacy-aes128 privacy-key "$9$sImUlAtEd"
set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.2/30
set interfaces ge-0/0/0 description "wan > isp1#"
set interfaces ge-0/0/1 unit 0 family inet address 10.0.1.254/24
set interfaces fxp0 unit 0 family inet address 10.0.250.14/24
set interfaces lo0 unit 0 family inet filter input PROTECT-RE
set interfaces lo0 unit 0 family inet address 10.255.0.1/32
set firewall family inet filter PROTECT-RE term ssh from source-address 10.0.0.0/24
set firewall family inet filter PROTECT-RE term ssh from protocol tcp
set firewall family inet filter PROTECT-RE term ssh from destination-port ssh
set firewall family inet filter PROTECT-RE term ssh then accept
set firewall family inet filter PROTECT-RE term deny-rest then syslog
set firewall family inet filter PROTECT-RE term deny-rest then discard
set security zones security-zone untrust interfaces ge-0/0/0.0
set security zones security-zone trust interfaces ge-0/0/1.0
set security policies from-zone trust to-zone untrust policy allow-out match source-address any
set security policies from-zone trust to-zone untrust policy allow-out match destination-address any
set security policies from-zone trust to-zone untrust policy allow-out match application any
set security policies from-zone trust to-zone untrust policy allow-out then permit
set security screen ids-option untrust-screen tcp syn-flood
set routing-options static route 0.0.0.0/0 next-hop 192.0.2.1
`

const junosConfig = `## Last commit: 2026-12-03 15:41:09 UTC by oca
version 22.4R3.25;
system {
    host-name srx-edge1;
    root-authentication {
        encrypted-password "$6$sim$NotARealHashJustForTests"; ## SECRET-DATA
    }
    login {
        message "# Authorized access only > violators will be prosecuted #";
        retry-options {
            tries-before-disconnect 3;
            lockout-period 15;
        }
        class oca-read {
            permissions [ view view-configuration ];
        }
        user oca {
            uid 2001;
            class oca-read;
            authentication {
                encrypted-password "$6$sim$AnotherFakeHashForTests"; ## SECRET-DATA
            }
        }
    }
    services {
        ssh {
            root-login deny;
            protocol-version v2;
            ciphers [ aes256-ctr aes128-ctr ];
            connection-limit 10;
            rate-limit 4;
        }
        netconf {
            ssh;
        }
    }
    syslog {
        host 10.0.9.20 {
            any info;
            authorization info;
        }
        file messages {
            any notice;
        }
    }
    ntp {
        server 10.0.9.30 prefer;
        server 10.0.9.31;
    }
}
interfaces {
    ge-0/0/0 {
        description "wan > isp1#";
        unit 0 {
            family inet {
                address 192.0.2.2/30;
            }
        }
    }
    ge-0/0/1 {
        unit 0 {
            family inet {
                address 10.0.1.254/24;
            }
        }
    }
}
routing-options {
    static {
        route 0.0.0.0/0 next-hop 192.0.2.1;
    }
}
`
