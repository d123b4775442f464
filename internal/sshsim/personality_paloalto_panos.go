package sshsim

import "maps"

// paloaltoPANOS is a PA-VM on PAN-OS 11.1: shell only (exec is refused), "admin@PA-VM> " with
// a trailing space, a "--more--" pager, and PAN-OS's "Invalid syntax." / "Unknown command:".
func paloaltoPANOS() Personality {
	p := Personality{
		Name:     "paloalto_panos",
		Hostname: "PA-VM",
		Banner: `
# Authorized access only > violators will be prosecuted #
# Example Corp perimeter -> all activity is logged       #
Last login: Wed Dec  2 03:00:12 2026 from 10.0.0.2

Number of failed attempts since last successful login: 0


`,
		UserPrompt:    func(host string) string { return "admin@" + host + ">" },
		PrivPrompt:    func(host string) string { return "admin@" + host + ">" },
		TrailingSpace: true,
		PagingOff:     []string{"set cli pager off"},
		PagerMarker:   "--more--",
		PagerRedraw:   "\r        \r",
		Unknown:       "\nInvalid syntax.\n\n",
		UnknownVerb:   "Unknown command: {verb}\n",
		EchoCommands:  true,
		ExitCommands:  []string{"exit", "quit"},
		RefuseExec:    true,
		Commands: map[string]string{
			"set cli pager off":                "",
			"set cli scripting-mode on":        "",
			"set cli config-output-format set": "",
			"set cli terminal width 500":       "",
			"show system info":                 panosSystemInfo,
			"show config running":              panosRunningConfig,
			"show admins": `Admin           From             Client Session-start     Idle-for  Session-expiry
--------------------------------------------------------------------------------
admin           10.0.0.2         CLI    12/03 16:00:01    00:00:00s 12/03 17:00:01
`,
			"show clock": "Thu Dec  3 16:00:01 UTC 2026\n",
			"show ntp": `NTP state:
    NTP synched to 10.0.9.30
    NTP server: 10.0.9.30
        status: synched
        reachable: yes
        authentication-type: none
    NTP server: 10.0.9.31
        status: available
        reachable: yes
        authentication-type: none
`,
			"show interface management": `-------------------------------------------------------------------------------
Name: Management Interface
Link status:
  Runtime link speed/duplex/state: 1000/full/up
  Configured link speed/duplex/state: auto/auto/auto
MAC address:
  Port MAC address 00:50:56:a1:2c:00

Ip address: 10.0.250.16
Netmask: 255.255.255.0
Default gateway: 10.0.250.1
Ipv6 address: unknown
Ipv6 Link local address: fe80::250:56ff:fea1:2c00/64
Ipv6 default gateway:
-------------------------------------------------------------------------------
`,
			"show high-availability state": `
High-Availability is disabled

`,
		},
	}
	maps.Copy(p.Commands, panosMore())
	return p
}

const panosSystemInfo = `
hostname: PA-VM
ip-address: 10.0.250.16
public-ip-address: unknown
netmask: 255.255.255.0
default-gateway: 10.0.250.1
ip-assignment: static
ipv6-address: unknown
ipv6-link-local-address: fe80::250:56ff:fea1:2c00/64
mac-address: 00:50:56:a1:2c:00
time: Thu Dec  3 16:00:01 2026
uptime: 212 days, 3:17:04
family: vm
model: PA-VM
serial: 007951000342117
vm-mac-base: 7c:89:c3:0a:b2:00
vm-mac-count: 256
vm-uuid: 4221A1B2-C3D4-E5F6-0718-293A4B5C6D7E
vm-cpuid: ESX:D7060200FFFB8B1F
vm-license: VM-300
vm-cap-tier: 9.0 GB
vm-cpu-count: 4
vm-memory: 9208888
vm-mode: VMware ESXi
cloud-mode: non-cloud
sw-version: 11.1.4-h7
global-protect-client-package-version: 0.0.0
device-dictionary-version: 121-507
app-version: 8901-9012
app-release-date: 2026/11/30 17:42:13 PST
av-version: 0
threat-version: 8901-9012
wildfire-version: 0
url-filtering-version: 20261203.20154
logdb-version: 11.1.2
platform-family: vm
vpn-disable-mode: off
multi-vsys: off
operational-mode: normal
advanced-routing: off
device-certificate-status: Valid
`

const panosRunningConfig = `config {
  mgt-config {
    users {
      admin {
        phash $5$sim$NotARealHashJustForTests;
        permissions {
          role-based {
            superuser yes;
          }
        }
      }
      oca {
        phash $5$sim$AnotherFakeHashForTests;
        permissions {
          role-based {
            superreader yes;
          }
        }
      }
    }
    password-complexity {
      enabled yes;
      minimum-length 14;
    }
  }
  shared {
    log-settings {
      syslog {
        SIEM {
          server {
            siem {
              server 10.0.9.20;
              transport UDP;
              port 514;
              format BSD;
              facility LOG_USER;
            }
          }
        }
      }
    }
  }
  devices {
    localhost.localdomain {
      deviceconfig {
        system {
          hostname PA-VM;
          ip-address 10.0.250.16;
          netmask 255.255.255.0;
          default-gateway 10.0.250.1;
          login-banner "# Authorized access only > violators will be prosecuted #";
          ntp-servers {
            primary-ntp-server {
              ntp-server-address 10.0.9.30;
            }
            secondary-ntp-server {
              ntp-server-address 10.0.9.31;
            }
          }
          service {
            disable-telnet yes;
            disable-http yes;
          }
          permitted-ip {
            10.0.0.0/24;
          }
        }
        setting {
          management {
            idle-timeout 10;
            admin-lockout {
              failed-attempts 5;
              lockout-time 15;
            }
          }
        }
      }
    }
  }
}
`
