module github.com/simcheck/simcheck/real-bench

go 1.26.0

require (
	github.com/simcheck/simcheck/pkg/artifacts v0.0.0
	github.com/simcheck/simcheck/pkg/config v0.0.0
	github.com/simcheck/simcheck/pkg/llm v0.0.0
)

replace (
	github.com/simcheck/simcheck/pkg/artifacts => ../pkg/artifacts
	github.com/simcheck/simcheck/pkg/config => ../pkg/config
	github.com/simcheck/simcheck/pkg/llm => ../pkg/llm
)
