package figs

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// EchartsJS is the script's file name beside the pages, the name
// go-echarts asks for (opts.EchartsJS).
const EchartsJS = opts.EchartsJS

// EchartsVersion is the ECharts release go-echarts v2.6.7 is built
// against (its README badge); 6.x renders with a different layout.
const EchartsVersion = "5.4.3"

// errorHook runs before any chart script. A script error sets the page
// title to "SCRIPT ERROR: …" and a data-errors attribute, and once the
// page has loaded, data-charts counts the chart canvases, so a headless
// browser's --dump-dom tells whether the page rendered
// (scripts/test_browser.sh). It is inline so it cannot itself fail to
// load.
const errorHook = `<script>
(function () {
  var n = 0;
  function fail(msg) {
    n++;
    document.documentElement.setAttribute("data-errors", String(n));
    document.title = "SCRIPT ERROR: " + msg;
  }
  window.addEventListener("error", function (e) {
    fail(e.message || ("failed to load " + ((e.target && (e.target.src || e.target.href)) || "a resource")));
  }, true);
  window.addEventListener("load", function () {
    if (typeof echarts === "undefined") { fail("echarts is not loaded (` + EchartsJS + ` missing beside the page?)"); }
    document.documentElement.setAttribute("data-charts", String(document.querySelectorAll("canvas").length));
  });
})();
</script>`

// Page names, in the order summary.md lists them.
const (
	CDFPage      = "cdf.html"
	ScatterPage  = "scatter.html"
	TimelinePage = "timeline.html"
)

// WriteHTML writes the interactive pages through write (file name,
// writer callback). The pages load ./echarts.min.js, which the caller
// copies beside them.
func WriteHTML(s *Set, write func(name string, fn func(io.Writer) error) error) ([]string, error) {
	type page struct {
		name, title string
		charts      []components.Charter
	}
	var pages []page
	if len(s.CDFs) > 0 {
		p := page{name: CDFPage, title: s.Title + ": latency CDFs, real vs simulated"}
		for _, c := range s.CDFs {
			p.charts = append(p.charts, cdfChart(c))
		}
		pages = append(pages, p)
	}
	if len(s.Scatters) > 0 {
		p := page{name: ScatterPage, title: s.Title + ": simulated vs real per request"}
		for _, c := range s.Scatters {
			p.charts = append(p.charts, scatterChart(c))
		}
		pages = append(pages, p)
	}
	if len(s.Timelines) > 0 {
		p := page{name: TimelinePage, title: s.Title + ": latency over time"}
		for _, c := range s.Timelines {
			p.charts = append(p.charts, timelineChart(c))
		}
		pages = append(pages, p)
	}
	if len(s.Curves) > 0 {
		p := page{name: LoadPage, title: s.Title + ": latency and throughput against offered load"}
		for _, c := range s.Curves {
			p.charts = append(p.charts, curveChart(c))
		}
		pages = append(pages, p)
	}
	var names []string
	for _, p := range pages {
		if err := writePage(p.name, p.title, p.charts, write); err != nil {
			return nil, err
		}
		names = append(names, p.name)
	}
	return names, nil
}

// writePage renders one page of charts that loads ./echarts.min.js and
// writes it through write.
func writePage(name, title string, charts []components.Charter, write func(name string, fn func(io.Writer) error) error) error {
	pg := components.NewPage()
	pg.SetPageTitle(title)
	pg.SetAssetsHost("./")
	pg.AddCustomizedHeaders(errorHook)
	pg.AddCharts(charts...)
	var buf bytes.Buffer
	if err := pg.Render(&buf); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if bytes.Contains(buf.Bytes(), []byte("https://")) {
		// go-echarts' default asset host is a CDN; a page that
		// names it would render blank offline.
		return fmt.Errorf("render %s: the page refers to a remote script; refusing to write it", name)
	}
	return write(name, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

func common(id, title, sub, xName, yName string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "960px", Height: "460px", AssetsHost: "./"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: sub}),
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "30px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Top: "80px", Left: "70px", Right: "40px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xName, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, Scale: opts.Bool(true)}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Feature: &opts.ToolBoxFeature{
			DataZoom: &opts.ToolBoxFeatureDataZoom{Show: opts.Bool(true)},
			Restore:  &opts.ToolBoxFeatureRestore{Show: opts.Bool(true)},
		}}),
	}
}

func pairs(x, y []float64) []opts.LineData {
	out := make([]opts.LineData, len(x))
	for i := range x {
		out[i] = opts.LineData{Value: [2]float64{x[i], y[i]}}
	}
	return out
}

func cdfChart(c CDF) *charts.Line {
	l := charts.NewLine()
	l.SetGlobalOptions(common("cdf_"+c.Key, c.Title+" CDF", "empirical CDF; thinned to at most 500 points per curve", c.Unit, "fraction of "+sampleNoun(c.Key))...)
	l.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "fraction", Min: 0, Max: 1}))
	for _, s := range c.Series {
		x, y := ecdf(s.Values)
		l.AddSeries(s.Name, pairs(x, y), charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(false)}))
	}
	return l
}

func sampleNoun(key string) string {
	if key == "tbt" {
		return "tokens"
	}
	return "requests"
}

func scatterChart(c Scatter) *charts.Scatter {
	sc := charts.NewScatter()
	sc.SetGlobalOptions(common("scatter_"+c.Key, c.Title+": simulated vs real", "one point per request; the line is sim = real", "real ("+c.Unit+")", "simulated ("+c.Unit+")")...)
	for _, s := range c.Series {
		x, y := thin(s.X, s.Y)
		data := make([]opts.ScatterData, len(x))
		for i := range x {
			data[i] = opts.ScatterData{Value: [2]float64{x[i], y[i]}, SymbolSize: 5}
		}
		sc.AddSeries(s.Name, data)
	}
	lo, hi := bounds(c.Series)
	id := charts.NewLine()
	id.AddSeries("sim = real", pairs([]float64{lo, hi}, []float64{lo, hi}),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Color: "#888888"}))
	sc.Overlap(id)
	return sc
}

func timelineChart(c Timeline) *charts.Scatter {
	sc := charts.NewScatter()
	sc.SetGlobalOptions(common("timeline_"+c.Key, c.Title+" over time", "one point per request, at its arrival", "arrival (s since the first request)", c.Title+" ("+c.Unit+")")...)
	for _, s := range c.Series {
		x, y := thin(s.X, s.Y)
		data := make([]opts.ScatterData, len(x))
		for i := range x {
			data[i] = opts.ScatterData{Value: [2]float64{x[i], y[i]}, SymbolSize: 4}
		}
		sc.AddSeries(s.Name, data)
	}
	return sc
}
