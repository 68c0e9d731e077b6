module github.com/simcheck/simcheck/pkg/engine

go 1.26.0

require golang.org/x/sys v0.49.0

require github.com/x448/float16 v0.8.4
