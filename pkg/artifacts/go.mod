module github.com/simcheck/simcheck/pkg/artifacts

go 1.26.0
