// Written by `portico create`; edit freely.
package main

import "os"

const serviceName = {{json name}}

// defaultPort is used when PORT is not set (`portico up` sets it from portico.yaml).
const defaultPort = "{{port}}"

// serviceVersion is reported in the OpenAPI document and to the registry.
func serviceVersion() string {
	if v := os.Getenv("PORTICO_SERVICE_VERSION"); v != "" {
		return v
	}
	return "0.1.0"
}
