package sshsim

// fortiMore answers the rest of configs/commands/fortinet_fortios.txt.
func fortiMore() map[string]string {
	return map[string]string{
		"get system performance status": `CPU states: 1% user 0% system 0% nice 99% idle 0% iowait 0% irq 0% softirq
CPU0 states: 1% user 0% system 0% nice 99% idle 0% iowait 0% irq 0% softirq
Memory: 3963268k total, 1212340k used (30.6%), 2544172k free (64.2%), 206756k freeable (5.2%)
Average network usage: 31187 / 28911 kbps in 1 minute
Average sessions: 412 sessions in 1 minute
Average session setup rate: 14 sessions per second in last 1 minute
Virus caught: 0 total in 1 minute
IPS attacks blocked: 0 total in 1 minute
Uptime: 212 days,  3 hours,  17 minutes
`,
		"show full-configuration system ha": `config system ha
    set group-id 0
    set group-name ""
    set mode standalone
    set password ENC sImUlAtEdNotARealSecret
    set hbdev ""
    set session-pickup disable
    set override disable
    set priority 128
end
`,
		"show full-configuration system settings": `config system settings
    set comments ''
    set opmode nat
    set inspection-mode flow
    set ngfw-mode profile-based
    set central-nat disable
    set gui-default-policy-columns "#" "name" "srcintf" "dstintf" "action"
    set sip-expectation disable
    set status enable
end
`,
		"show full-configuration system admin": fortiAdmins,
		"get system admin": `== [ admin ]
name: admin
== [ oca ]
name: oca
`,
		"show full-configuration system accprofile": `config system accprofile
    edit "prof_admin"
        set secfabgrp read-write
        set ftviewgrp read-write
        set authgrp read-write
        set sysgrp read-write
        set netgrp read-write
        set loggrp read-write
        set fwgrp read-write
    next
    edit "read_only"
        set secfabgrp read
        set ftviewgrp read
        set authgrp read
        set sysgrp read
        set netgrp read
        set loggrp read
        set fwgrp read
    next
end
`,
		"show full-configuration system password-policy": `config system password-policy
    set status enable
    set apply-to admin-password
    set minimum-length 14
    set min-lower-case-letter 1
    set min-upper-case-letter 1
    set min-non-alphanumeric 1
    set min-number 1
    set expire-status enable
    set expire-day 90
    set reuse-password disable
end
`,
		"show full-configuration user tacacs+": `config user tacacs+
    edit "ISE"
        set server "10.0.9.10"
        set key ENC sImUlAtEdNotARealSecret
        set authen-type auto
        set authorization enable
        set port 49
    next
end
`,
		"show full-configuration user radius": "config user radius\nend\n",
		"show full-configuration user ldap":   "config user ldap\nend\n",
		"show full-configuration system snmp sysinfo": `config system snmp sysinfo
    set status enable
    set engine-id "8000304404464731303046544b3234303132333435"
    set description "branch firewall > DC1"
    set contact-info "noc@example.net"
    set location "Branch 7 # rack 1"
    set trap-high-cpu-threshold 80
    set trap-low-memory-threshold 80
end
`,
		"show full-configuration system snmp community": "config system snmp community\nend\n",
		"show full-configuration system snmp user": `config system snmp user
    edit "oca-snmp"
        set status enable
        set notify-hosts 10.0.9.21
        set queries enable
        set query-port 161
        set security-level auth-priv
        set auth-proto sha256
        set auth-pwd ENC sImUlAtEdNotARealSecret
        set priv-proto aes
        set priv-pwd ENC sImUlAtEdNotARealSecret
    next
end
`,
		"show full-configuration log setting": `config log setting
    set resolve-ip disable
    set resolve-port enable
    set log-user-in-upper disable
    set fwpolicy-implicit-log enable
    set local-in-allow enable
    set local-in-deny-unicast enable
    set local-in-deny-broadcast disable
    set local-out enable
    set daemon-log disable
    set neighbor-event disable
    set brief-traffic-format disable
end
`,
		"show full-configuration log syslogd setting": fortiSyslog,
		"show log syslogd setting":                    fortiSyslog,
		"show full-configuration system ntp":          fortiNTP,
		"show system ntp":                             fortiNTP,
		"get system ntp": `ntpsync             : enable
type                : custom
syncinterval        : 60
ntpserver:
    == [ 1 ]
    id:   1    server: 10.0.9.30
    == [ 2 ]
    id:   2    server: 10.0.9.31
source-ip           : 0.0.0.0
server-mode         : disable
`,
		"show full-configuration system dns": `config system dns
    set primary 10.0.9.53
    set secondary 10.0.9.54
    set protocol cleartext
    set dns-over-tls disable
    set domain "example.net"
end
`,
		"show full-configuration system interface": `config system interface
    edit "wan1"
        set vdom "root"
        set ip 192.0.2.2 255.255.255.252
        set allowaccess ping
        set type physical
        set role wan
    next
    edit "internal"
        set vdom "root"
        set ip 10.0.1.254 255.255.255.0
        set allowaccess ping https ssh
        set type hard-switch
        set role lan
    next
    edit "mgmt"
        set vdom "root"
        set ip 10.0.250.17 255.255.255.0
        set allowaccess ping https ssh
        set type physical
        set dedicated-to management
    next
end
`,
		"show full-configuration firewall policy": fortiPolicy,
		"show firewall policy":                    fortiPolicy,
		"show full-configuration vpn ssl settings": `config vpn ssl settings
    set status disable
    set reqclientcert disable
    set ssl-min-proto-ver tls1-2
    set ssl-max-proto-ver tls1-3
    set idle-timeout 300
    set auth-timeout 28800
    set login-attempt-limit 2
    set login-block-time 60
end
`,
		"show full-configuration system central-management": `config system central-management
    set mode normal
    set type none
    set schedule-config-restore enable
    set schedule-script-restore enable
    set allow-push-configuration enable
    set allow-push-firmware enable
    set allow-remote-firmware-upgrade enable
    set allow-monitor enable
    set fmg ""
end
`,
		"get router info routing-table all": `Codes: K - kernel, C - connected, S - static, R - RIP, B - BGP
       O - OSPF, IA - OSPF inter area
       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2
       E1 - OSPF external type 1, E2 - OSPF external type 2
       i - IS-IS, L1 - IS-IS level-1, L2 - IS-IS level-2, ia - IS-IS inter area
       * - candidate default

Routing table for VRF=0
S*      0.0.0.0/0 [10/0] via 192.0.2.1, wan1, [1/0]
C       10.0.1.0/24 is directly connected, internal
C       10.0.250.0/24 is directly connected, mgmt
C       192.0.2.0/30 is directly connected, wan1
`,
	}
}

const fortiAdmins = `config system admin
    edit "admin"
        set accprofile "super_admin"
        set vdom "root"
        set trusthost1 10.0.0.0 255.255.255.0
        set password ENC SH2sImUlAtEdNotARealHashJustForTests
    next
    edit "oca"
        set accprofile "read_only"
        set vdom "root"
        set trusthost1 10.0.0.0 255.255.255.0
        set password ENC SH2AnotherFakeHashForTests
    next
end
`

const fortiSyslog = `config log syslogd setting
    set status enable
    set server "10.0.9.20"
    set mode udp
    set port 514
    set facility local7
end
`

const fortiNTP = `config system ntp
    set ntpsync enable
    set type custom
    config ntpserver
        edit 1
            set server "10.0.9.30"
        next
        edit 2
            set server "10.0.9.31"
        next
    end
end
`

const fortiPolicy = `config firewall policy
    edit 1
        set name "lan->wan#1"
        set uuid 5e1a0f21-c3b2-51ed-a1d0-e9f8a7b6c5d4
        set srcintf "internal"
        set dstintf "wan1"
        set action accept
        set srcaddr "all"
        set dstaddr "all"
        set schedule "always"
        set service "HTTPS" "DNS"
        set logtraffic all
        set nat enable
    next
end
`
