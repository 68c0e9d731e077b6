// Package figs draws a comparison's figures twice: as interactive
// go-echarts pages that render with no network (the ECharts script sits
// beside them, copied from what scripts/bootstrap_echarts.sh fetched,
// never loaded from a CDN) and as static PNG/SVG images drawn with
// gonum.org/v1/plot for summary.md and papers.
//
// Both come from one [Set], so the pages and the images always show the
// same data. Chart ids are fixed and every value is written in a stable
// order, so the same Set gives the same bytes.
package figs
