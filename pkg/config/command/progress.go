package command

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Progress reports long work on stderr: a redrawn bar on a terminal,
// periodic plain lines otherwise (a log file must not fill with carriage
// returns).
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	tty      bool
	start    time.Time
	last     time.Time
	interval time.Duration
}

// NewProgress starts a reporter for total units of work.
func (c *Context) NewProgress(label string, total int) *Progress {
	tty := false
	if f, ok := c.Stderr.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	p := &Progress{w: c.Stderr, label: c.Tool + ": " + label, total: total, tty: tty, start: time.Now()}
	p.interval = 5 * time.Second
	if tty {
		p.interval = 100 * time.Millisecond
	}
	return p
}

// Add records n more units done.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if now.Sub(p.last) < p.interval && p.done < p.total {
		return
	}
	p.last = now
	p.draw(now)
}

func (p *Progress) draw(now time.Time) {
	pct := 0.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	el := now.Sub(p.start).Round(time.Second)
	if p.tty {
		const width = 30
		fill := int(pct / 100 * width)
		fill = min(max(fill, 0), width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %3.0f%% %s", p.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), p.done, p.total, pct, el)
		return
	}
	fmt.Fprintf(p.w, "%s %d/%d (%.0f%%) %s\n", p.label, p.done, p.total, pct, el)
}

// Done ends the report with a final line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw(time.Now())
		fmt.Fprintln(p.w)
	}
}
