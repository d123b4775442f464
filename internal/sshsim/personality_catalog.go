package sshsim

// Personalities returns a realistic personality for every platform the collector ships,
// keyed by platform name. Each call builds fresh values, so a test may change its copy (add a
// Hang, a command, another password) without touching anyone else's.
//
// Passwords in them (EnablePassword) are test fixtures, not secrets.
func Personalities() map[string]Personality {
	all := []Personality{
		linux(),
		genericShell(),
		ciscoIOS(),
		ciscoNXOS(),
		ciscoASA(),
		juniperJunos(),
		aristaEOS(),
		paloaltoPANOS(),
		fortinetFortiOS(),
		hpComware(),
	}
	m := make(map[string]Personality, len(all))
	for _, p := range all {
		m[p.Name] = p
	}
	return m
}

// hostnamePrompt renders "host" + suffix, the prompt of most network CLIs.
func hostnamePrompt(suffix string) func(string) string {
	return func(host string) string { return host + suffix }
}
