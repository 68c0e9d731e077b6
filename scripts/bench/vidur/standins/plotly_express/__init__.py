"""Stand-in for the `plotly_express` shim package: it re-exports plotly.express
(Debian: python3-plotly), which is all the real package does."""
from plotly.express import *  # noqa: F401,F403
