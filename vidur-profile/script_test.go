package main

import (
	"testing"

	"github.com/simcheck/simcheck/pkg/config/command/clitest"
)

// TestMain lets the CLI scripts run vidur-profile as a command.
func TestMain(m *testing.M) { clitest.Main(m, "vidur-profile", main, nil) }

// TestScripts runs testdata/script/*.txtar: exit statuses, stdout and
// stderr of the command line as a user types it.
func TestScripts(t *testing.T) { clitest.Run(t) }
