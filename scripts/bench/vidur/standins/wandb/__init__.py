"""Stand-in for the `wandb` package (not packaged by Debian).

Vidur only touches wandb when `wandb.run` is truthy, which requires wandb.init(),
which Vidur calls only when both --metrics_config_wandb_project and
--metrics_config_wandb_group are set. With wandb logging off, `run` stays None
and nothing below is called. Anything that is called raises.
"""

run = None


def _unavailable(*args, **kwargs):
    raise RuntimeError(
        "wandb is not installed (this is simcheck's stand-in, scripts/bench/vidur/standins); "
        "run Vidur without --metrics_config_wandb_project/--metrics_config_wandb_group"
    )


init = log = finish = Table = _unavailable


class _Plot:
    def __getattr__(self, name):
        return _unavailable


plot = _Plot()
