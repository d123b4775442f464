package sshsim

// iosMore answers the rest of configs/commands/cisco_ios.txt.
func iosMore() map[string]string {
	return map[string]string{
		"show running-config | include snmp-server": `snmp-server group OCA-RO v3 priv read OCA-VIEW access SNMP-ACL
snmp-server view OCA-VIEW iso included
`,
	}
}
