package bundle

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Relayout accepts a root that is itself Vidur's data/profiling directory
// (holding compute/ and network/, as the shared A30 bundle and Vidur's
// repository checkout are laid out) besides the standard
// <root>/data/profiling/... of docs/artifacts.md §3: when the standard mlp.csv is
// absent and <root>/compute exists, the paths are rebased on root.
func Relayout(p artifacts.ProfilePaths) artifacts.ProfilePaths {
	if _, err := os.Stat(p.MLP); err == nil {
		return p
	}
	if _, err := os.Stat(filepath.Join(p.Root, "compute")); err != nil {
		return p
	}
	std := filepath.Join(p.Root, "data", "profiling")
	re := func(s string) string {
		rel, err := filepath.Rel(std, s)
		if err != nil || strings.HasPrefix(rel, "..") {
			return s
		}
		return filepath.Join(p.Root, rel)
	}
	return artifacts.ProfilePaths{Root: p.Root, MLP: re(p.MLP), Attention: re(p.Attention), AllReduce: re(p.AllReduce),
		SendRecv: re(p.SendRecv), CPUOverheads: re(p.CPUOverheads), IdleWakeup: re(p.IdleWakeup),
		StepJitter: re(p.StepJitter)}
}
