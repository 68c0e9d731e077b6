package figs

import (
	"fmt"
	"io"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Front plots configurations' capacity against their cost, one point per
// configuration, with each group's Pareto front drawn through its points
// as a step line: the most capacity the group reaches at that cost.
type Front struct {
	Key, Title   string
	XName, YName string
	Groups       []FrontGroup
}

// FrontGroup is one group's configurations (Labels name each point) and
// its front, ordered by X.
type FrontGroup struct {
	Name   string
	X, Y   []float64
	Labels []string
	Front  XY
}

// SearchPage is the search report's page.
const SearchPage = "search.html"

// WriteFront writes the page of fronts, the ECharts script beside it and
// its images in imageFormat (png, svg or both) through write, as WriteAll
// does for a Set.
func WriteFront(title string, fronts []Front, js []byte, imageFormat string, write func(name string, fn func(io.Writer) error) error) (Written, error) {
	page := func() ([]string, error) {
		var cs []components.Charter
		for _, f := range fronts {
			cs = append(cs, frontChart(f))
		}
		if err := writePage(SearchPage, title+": capacity against GPUs", cs, write); err != nil {
			return nil, err
		}
		return []string{SearchPage}, nil
	}
	images := func(formats []string) ([]Image, error) {
		var out []Image
		for _, f := range fronts {
			if err := writeFrontImage(f, formats, write); err != nil {
				return out, err
			}
			out = append(out, Image{Name: "search_" + f.Key, Caption: f.Title + ": each configuration, the Pareto front as a step line"})
		}
		return out, nil
	}
	return writeFigures(js, imageFormat, write, page, images)
}

func frontChart(f Front) *charts.Scatter {
	sc := charts.NewScatter()
	sc.SetGlobalOptions(common("search_"+f.Key, f.Title, "one point per configuration; the line is the Pareto front", f.XName, f.YName)...)
	sc.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: f.YName, Min: 0}))
	lines := charts.NewLine()
	for _, g := range f.Groups {
		data := make([]opts.ScatterData, len(g.X))
		for i := range g.X {
			data[i] = opts.ScatterData{Name: g.Labels[i], Value: [2]float64{g.X[i], g.Y[i]}, SymbolSize: 9}
		}
		sc.AddSeries(g.Name, data)
		if len(g.Front.X) > 0 {
			lines.AddSeries(g.Front.Name, pairs(g.Front.X, g.Front.Y),
				charts.WithLineChartOpts(opts.LineChart{Step: "end", ShowSymbol: opts.Bool(true), Symbol: "emptyCircle", SymbolSize: 16}),
				charts.WithLineStyleOpts(opts.LineStyle{Width: 2}))
		}
	}
	sc.Overlap(lines)
	return sc
}

func writeFrontImage(f Front, formats []string, write func(name string, fn func(io.Writer) error) error) error {
	p := newPlot(f.Title, f.XName, f.YName)
	for i, g := range f.Groups {
		c := colorOf(i + 1)
		if len(g.Front.X) > 0 {
			l, pts, err := plotter.NewLinePoints(xys(g.Front.X, g.Front.Y))
			if err != nil {
				return fmt.Errorf("front %s: %s: %w", f.Key, g.Front.Name, err)
			}
			l.StepStyle = plotter.PostStep
			l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(1.5)
			// A ring around each point of the front marks it even where
			// the line has no step (a front of one point).
			pts.GlyphStyle.Color, pts.GlyphStyle.Radius, pts.GlyphStyle.Shape = c, vg.Points(6), draw.RingGlyph{}
			p.Add(l, pts)
			p.Legend.Add(g.Front.Name, l, pts)
		}
		if len(g.X) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys(g.X, g.Y))
		if err != nil {
			return fmt.Errorf("front %s: %s: %w", f.Key, g.Name, err)
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(3), shapes[i%len(shapes)]
		p.Add(sc)
		p.Legend.Add(g.Name, sc)
	}
	// Capacity rises with GPUs, so the top left corner is where it leaves
	// room for the legend; headroom above the highest point (a line of
	// legend each) keeps the two apart, and a margin on the right keeps
	// the costliest points whole.
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Min, p.Y.Min = min(p.X.Min, 0), min(p.Y.Min, 0)
	p.X.Max += 0.05*(p.X.Max-p.X.Min) + 0.5
	p.Y.Max += 0.1 * float64(2*len(f.Groups)+1) * (p.Y.Max - p.Y.Min)
	return writePlot(p, "search_"+f.Key, formats, write)
}
