//go:build !unix

package weights

import "os"

func mapFile(path string) ([]byte, error) { return os.ReadFile(path) }
