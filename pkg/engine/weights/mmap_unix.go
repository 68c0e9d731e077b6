//go:build unix

package weights

import (
	"os"
	"syscall"
)

// mapFile maps a checkpoint read-only; the pages load lazily and are shared
// with the page cache, so a 1.2 GB bf16 model costs no copy.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		return nil, nil
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}
