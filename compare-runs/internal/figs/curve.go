package figs

import (
	"fmt"
	"image/color"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Curve plots a figure against the offered load: one line per side
// (real first, then simulated), each load point marked. Guides are
// dashed grey reference lines (achieved = offered, an SLO's limit).
type Curve struct {
	Key, Title   string
	XName, YName string
	Series       []XY
	Guides       []XY
}

// LoadPage is the load report's page of curves.
const LoadPage = "load.html"

func curveChart(c Curve) *charts.Line {
	l := charts.NewLine()
	l.SetGlobalOptions(common("load_"+c.Key, c.Title, "one point per load point", c.XName, c.YName)...)
	l.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: c.YName, Min: 0}))
	for _, s := range c.Series {
		l.AddSeries(s.Name, pairs(s.X, s.Y), charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 7}))
	}
	for _, g := range c.Guides {
		l.AddSeries(g.Name, pairs(g.X, g.Y),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Color: "#888888"}))
	}
	return l
}

func curvePlot(c Curve) (*plot.Plot, error) {
	p := newPlot(c.Title, c.XName, c.YName)
	for _, g := range c.Guides {
		l, err := plotter.NewLine(xys(g.X, g.Y))
		if err != nil {
			return nil, fmt.Errorf("curve %s: %s: %w", c.Key, g.Name, err)
		}
		l.LineStyle.Color = color.Gray{Y: 128}
		l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(g.Name, l)
	}
	for i, s := range c.Series {
		if len(s.X) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys(s.X, s.Y))
		if err != nil {
			return nil, fmt.Errorf("curve %s: %s: %w", c.Key, s.Name, err)
		}
		l.LineStyle.Color, pts.GlyphStyle.Color = colorOf(i), colorOf(i)
		l.LineStyle.Width = vg.Points(1.5)
		pts.GlyphStyle.Radius = vg.Points(2.5)
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	// Latency and throughput curves rise to the right: the top left
	// corner is where they leave room.
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min = math.Min(p.Y.Min, 0) // a load curve reads against zero
	return p, nil
}
