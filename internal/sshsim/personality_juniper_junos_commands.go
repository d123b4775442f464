package sshsim

import "strings"

// junosMore answers the rest of configs/commands/juniper_junos.txt. The "show configuration
// <hierarchy> | display set" slices are cut from junosSetConfig, so they always agree with it.
func junosMore() map[string]string {
	m := map[string]string{
		"show chassis alarms": "No alarms currently active\n",
		"show system commit": `0   2026-12-03 15:41:09 UTC by oca via cli
1   2026-11-20 10:02:44 UTC by admin via netconf
    weekly hardening update
2   2026-10-01 09:15:00 UTC by admin via cli
`,
		"show system login lockout": "User                     Lockout start           Lockout end\n",
		"show ntp associations no-resolve": `     remote           refid      st t when poll reach   delay   offset  jitter
===============================================================================
*10.0.9.30       192.0.2.123      2 u   16 1024  377    1.421   -0.320   0.232
+10.0.9.31       192.0.2.124      2 u  410 1024  377    1.503    0.118   0.281
`,
		"show ntp status": `status=0664 leap_none, sync_ntp, 6 events, event_sync_chg,
version="ntpd 4.2.0-a Thu Oct 12 09:19:46  2023 (1)",
processor="amd64", system="JUNOS22.4R3.25", leap=00, stratum=3,
precision=-23, rootdelay=1.421, rootdispersion=3.910, peer=35412,
refid=10.0.9.30,
reftime=e9b1f2a1.1e3b5c8d  Thu, Dec  3 2026 15:59:45.117, poll=10,
clock=e9b1f2b1.1f4a2b00  Thu, Dec  3 2026 16:00:01.122, state=4,
offset=-0.320, frequency=12.331, jitter=0.232, stability=0.008
`,
		"show log messages | last 200": `Dec  3 15:41:09  srx-edge1 mgd[4321]: UI_COMMIT: User 'oca' requested 'commit' operation (comment: none)
Dec  3 15:41:12  srx-edge1 mgd[4321]: UI_COMMIT_COMPLETED: commit complete
Dec  3 15:58:41  srx-edge1 sshd[5120]: Accepted password for oca from 10.0.0.2 port 51822 ssh2
Dec  3 15:58:41  srx-edge1 mgd[5122]: UI_AUTH_EVENT: Authenticated user 'oca' assigned to class 'oca-read'
Dec  3 15:58:41  srx-edge1 mgd[5122]: UI_LOGIN_EVENT: User 'oca' login, class 'oca-read' [5122], ssh-connection '10.0.0.2 51822 10.0.250.14 22', client-mode 'cli'
`,
		"show route summary": `Autonomous system number: 64512
Router ID: 10.255.0.1

Highwater Mark (All time / Time averaged watermark)
    RIB unique destination routes: 12 at 2026-05-05 12:45:31 / 9
    RIB routes                   : 12 at 2026-05-05 12:45:31 / 9
    FIB routes                   : 8 at 2026-05-05 12:45:31 / 6
    VRF type routing instances   : 0 at 2026-05-05 12:43:09

inet.0: 7 destinations, 7 routes (7 active, 0 holddown, 0 hidden)
              Direct:      3 routes,      3 active
               Local:      3 routes,      3 active
              Static:      1 routes,      1 active
`,
		"show lldp neighbors": `Local Interface    Parent Interface    Chassis Id          Port info          System Name
ge-0/0/1           -                   70:b3:17:a1:2c:00   Gi1/0/47           core-sw1
`,
		"show system storage": `Filesystem              Size       Used      Avail  Capacity   Mounted on
/dev/gpt/junos           3.5G       1.4G       1.8G       44%  /.mount
tmpfs                    1.6G        68K       1.6G        0%  /.mount/tmp
/dev/md1                 1.1G       1.1G         0B      100%  /.mount/packages/mnt/junos-runtime
/dev/gpt/config          376M       1.6M       344M        0%  /.mount/config
/dev/gpt/var             2.9G       412M       2.3G       15%  /.mount/var
`,
	}
	for _, hier := range []string{"system", "system services", "system login", "system syslog", "system ntp", "snmp", "firewall"} {
		m["show configuration "+hier+" | display set"] = junosSetSlice(hier)
	}
	return m
}

// junosSetSlice is what "show configuration <hier> | display set" prints: the set lines under
// that hierarchy.
func junosSetSlice(hier string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(junosSetConfig, "\n") {
		if strings.HasPrefix(line, "set "+hier+" ") {
			b.WriteString(line)
		}
	}
	return b.String()
}
