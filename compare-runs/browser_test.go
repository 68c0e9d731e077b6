package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// The browser test opens every generated page in headless Chromium with
// no network, as a reader would, and fails when a page loads a script
// from anywhere but its own directory, a chart area is blank or the page
// logged a script error. It needs Debian's chromium and the
// real ECharts script, so it runs only with SIMCHECK_BROWSER=1
// (scripts/test_browser.sh sets it).

func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium found (Debian: apt-get install chromium; or set CHROMIUM=<path>)")
	return ""
}

func realEcharts(t *testing.T) string {
	p := os.Getenv("SIMCHECK_ECHARTS_JS")
	if p == "" {
		p = filepath.Join("..", "tmp", "assets", "echarts-5.4.3", "echarts.min.js")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found: run scripts/bootstrap_echarts.sh first", p)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// headless runs chromium on a page with the flags CI uses and returns
// stdout and stderr.
func headless(t *testing.T, bin string, extra ...string) (string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, errb.String())
	}
	return out.String(), errb.String()
}

var (
	chartsAttr = regexp.MustCompile(`<html[^>]*data-charts="(\d+)"`)
	htmlErrs   = regexp.MustCompile(`<html[^>]*data-errors="`)
	// Chromium logs console messages as CONSOLE(line)] "message"; a
	// script error reads "Uncaught ...".
	consoleErr = regexp.MustCompile(`(?m)^.*(Uncaught|CONSOLE.*(Error|error)).*$`)
	scriptSrc  = regexp.MustCompile(`<script[^>]*\ssrc="([^"]*)"`)
)

// remoteScripts lists the scripts a page loads from anywhere but the
// directory it is in: offline, the browser test's Chromium could not
// fetch them, but a reader's browser would, and the page must not
// depend on that.
func remoteScripts(html string) []string {
	var out []string
	for _, m := range scriptSrc.FindAllStringSubmatch(html, -1) {
		if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "//") || strings.HasPrefix(m[1], "/") {
			out = append(out, m[1])
		}
	}
	return out
}

// checkPage returns what is wrong with a rendered page, or "".
func checkPage(t *testing.T, bin, page string, wantCharts int, shot string) string {
	url := "file://" + page
	var problems []string
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if r := remoteScripts(string(src)); len(r) > 0 {
		problems = append(problems, "the page loads a script from elsewhere: "+strings.Join(r, ", "))
	}
	dom, logs := headless(t, bin, "--dump-dom", url)
	// The hook (figs.errorHook) marks <html data-errors="n"> and
	// retitles the page; its own source mentions both, so match the
	// rendered attribute and title, not the text.
	title := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(dom)
	if htmlErrs.MatchString(dom) || (title != nil && strings.HasPrefix(title[1], "SCRIPT ERROR")) {
		msg := ""
		if title != nil {
			msg = title[1]
		}
		problems = append(problems, "the page logged a script error: "+msg)
	}
	if m := consoleErr.FindString(logs); m != "" {
		problems = append(problems, "console error: "+strings.TrimSpace(m))
	}
	m := chartsAttr.FindStringSubmatch(dom)
	if m == nil {
		problems = append(problems, "the page never finished loading (no data-charts attribute)")
	} else if n, _ := strconv.Atoi(m[1]); n < wantCharts {
		problems = append(problems, "rendered "+m[1]+" chart canvases, want "+strconv.Itoa(wantCharts))
	}
	headless(t, bin, "--window-size=1000,1100", "--screenshot="+shot, url)
	f, err := os.Open(shot)
	if err != nil {
		return strings.Join(append(problems, "no screenshot: "+err.Error()), "; ")
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return strings.Join(append(problems, "screenshot: "+err.Error()), "; ")
	}
	// The first chart fills the top 460 px beside its margins (960 px
	// wide, centred). A blank chart is all white there.
	if frac := inkFraction(img, image.Rect(20, 10, 980, 470)); frac < 0.01 {
		problems = append(problems, "the chart area is blank ("+strconv.FormatFloat(frac*100, 'f', 2, 64)+"% non-white pixels)")
	}
	return strings.Join(problems, "; ")
}

// inkFraction is the share of pixels in r that are not near-white.
func inkFraction(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	ink := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(r.Dx()*r.Dy())
}

func TestBrowserRendersPages(t *testing.T) {
	if os.Getenv("SIMCHECK_BROWSER") != "1" {
		t.Skip("browser test: set SIMCHECK_BROWSER=1 (scripts/test_browser.sh) with chromium installed")
	}
	bin, js := chromium(t), realEcharts(t)
	root := t.TempDir()
	real := synth(60, 1)
	real[5].actual = 3
	realDir := writeRun(t, root, "real", artifacts.KindReal, "wl", real, true)
	sim1 := writeRun(t, root, "sim-fast", artifacts.KindSim, "wl", synth(60, 0.9), true)
	sim2 := writeRun(t, root, "sim-slow", artifacts.KindSim, "wl", synth(60, 1.15), true)
	out := filepath.Join(root, "out")
	if st, _, stderr := runTool(t, "real_run_dir="+realDir, "sim_run_dirs=["+sim1+","+sim2+"]", "output_root="+out,
		"comparison_id=browser", "echarts_js="+js); st != 0 {
		t.Fatal(stderr)
	}
	figsDir, _ := filepath.Abs(filepath.Join(out, "comparisons", "browser", "figs"))
	shots := os.Getenv("SIMCHECK_BROWSER_OUT") // keep screenshots there when set
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	for page, n := range map[string]int{"cdf.html": 6, "scatter.html": 5, "timeline.html": 2} {
		if p := checkPage(t, bin, filepath.Join(figsDir, page), n, filepath.Join(shots, strings.TrimSuffix(page, ".html")+".png")); p != "" {
			t.Errorf("%s: %s", page, p)
		}
	}
	// The check must catch a page whose script is missing: the same page
	// without echarts.min.js beside it.
	bare := t.TempDir()
	html, err := os.ReadFile(filepath.Join(figsDir, "cdf.html"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bare, "cdf.html"), html, 0o644)
	if p := checkPage(t, bin, filepath.Join(bare, "cdf.html"), 6, filepath.Join(shots, "bare.png")); !strings.Contains(p, "script error") || !strings.Contains(p, "blank") {
		t.Errorf("a page without its script was not caught: %q", p)
	}
}

// TestBrowserRendersSearchPage opens a search report's page (the fixture
// grid's capacity against GPUs, one chart) as the comparison's pages are
// opened.
func TestBrowserRendersSearchPage(t *testing.T) {
	if os.Getenv("SIMCHECK_BROWSER") != "1" {
		t.Skip("browser test: set SIMCHECK_BROWSER=1 (scripts/test_browser.sh) with chromium installed")
	}
	bin, js := chromium(t), realEcharts(t)
	dir, _ := runSearchTool(t, "search="+searchGrid, "echarts_js="+js)
	page, _ := filepath.Abs(filepath.Join(dir, "figs", figs.SearchPage))
	shots := os.Getenv("SIMCHECK_BROWSER_OUT")
	if shots == "" {
		shots = t.TempDir()
	}
	os.MkdirAll(shots, 0o755)
	if p := checkPage(t, bin, page, 1, filepath.Join(shots, "search.png")); p != "" {
		t.Errorf("%s: %s", figs.SearchPage, p)
	}
}

// TestRemoteScriptsFound: the check the browser test makes of a page's
// source, without a browser. go-echarts' default asset host is a CDN.
func TestRemoteScriptsFound(t *testing.T) {
	page := `<script src="./echarts.min.js"></script><script type="text/javascript" src="https://go-echarts.github.io/go-echarts-assets/assets/echarts.min.js"></script><script>var src="https://x";</script>`
	if got := remoteScripts(page); len(got) != 1 || !strings.HasPrefix(got[0], "https://go-echarts.github.io/") {
		t.Errorf("remoteScripts = %q, want the CDN script alone", got)
	}
}
