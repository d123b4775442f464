module github.com/oca-collector/collector

go 1.26.8

require (
	github.com/sourcegraph/conc v0.3.0
	golang.org/x/crypto v0.59.0
	gopkg.in/yaml.v3 v3.0.1
)
