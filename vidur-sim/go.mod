module github.com/simcheck/simcheck/vidur-sim

go 1.26.0

require github.com/simcheck/simcheck/pkg/artifacts v0.0.0

replace github.com/simcheck/simcheck/pkg/artifacts => ../pkg/artifacts
