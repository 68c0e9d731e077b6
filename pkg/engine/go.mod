module github.com/simcheck/simcheck/pkg/engine

go 1.26.0

require golang.org/x/sys v0.49.0

require (
	github.com/x448/float16 v0.8.4
	gorgonia.org/cu v0.9.6
)

require (
	github.com/google/uuid v1.1.1 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)

require github.com/simcheck/simcheck/pkg/artifacts v0.0.0

replace github.com/simcheck/simcheck/pkg/artifacts => ../artifacts
