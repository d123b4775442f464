package sshsim

// genericMore answers the rest of configs/commands/generic_shell.txt.
func genericMore() map[string]string {
	return map[string]string{
		"show clock": "2026-12-03 16:00:01 UTC (NTP synchronised)\n",
	}
}
