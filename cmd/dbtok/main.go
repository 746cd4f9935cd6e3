// Command dbtok manages Databricks personal access tokens.
package main

import (
	"os"

	"github.com/dbtok/dbtok/internal/cmd/root"
)

func main() {
	os.Exit(root.Main())
}
