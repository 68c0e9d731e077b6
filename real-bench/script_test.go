package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/config/command/clitest"
)

// TestScripts runs testdata/script/*.txtar: exit statuses, stdout and
// stderr of the command line as a user types it.
func TestScripts(t *testing.T) { clitest.Run(t) }
