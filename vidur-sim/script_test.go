package main

import (
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
	"github.com/simcheck/simcheck/pkg/config/command/clitest"
)

// TestScripts runs testdata/script/*.txtar: exit statuses, stdout and
// stderr of the command line as a user types it. $A30 is the A30 bundle
// root, $TRACE Python Vidur's 2,000-request trace.
func TestScripts(t *testing.T) {
	clitest.Run(t, "A30="+filepath.Join(a30Root, refdata.Profiles),
		"TRACE="+filepath.Join(a30Root, refdata.Reference, "trace_2000.csv"))
}
