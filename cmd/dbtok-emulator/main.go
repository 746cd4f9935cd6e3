// Command dbtok-emulator serves a local emulation of the Databricks Token API
// for dbtok's end-to-end tests, benchmarks and demos. See package
// github.com/dbtok/dbtok/internal/emulator for what it emulates.
package main

import (
	"os"

	"github.com/dbtok/dbtok/internal/emulator"
)

func main() {
	os.Exit(emulator.Main(os.Args[1:], os.Stdout, os.Stderr))
}
