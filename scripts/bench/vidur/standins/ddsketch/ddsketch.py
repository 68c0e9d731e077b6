"""DDSketch: a quantile sketch with relative-error guarantees.

Written for this stand-in from the published algorithm (C. Masson, J. E. Rim,
H. K. Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
Relative-Error Guarantees", PVLDB 12(12), 2019) and the documented behaviour of
the `ddsketch` package's default sketch, which Vidur uses as
`DDSketch(relative_accuracy=...)` with add(), get_quantile_value(), count, sum,
avg, _count, _min, _max.

- Positive value v goes to bin key ceil(log_gamma(v)), gamma = (1+a)/(1-a);
  negative values to a mirrored set of bins; |v| <= min_possible counts as zero.
  log_gamma(v) is computed as log2(v) * ln2 / ln(gamma) (ln(gamma) as log1p).
- Bin key k represents the value gamma^k * 2/(1+gamma), within relative error a
  of every value in the bin.
- Bins are unbounded (no collapsing).
- get_quantile_value(q): rank = q*(count-1); negative bins are walked from the
  largest magnitude down, then the zero count, then positive bins upward; the
  first bin whose cumulative count exceeds the rank gives the answer. None when
  empty or q is outside [0, 1].
- count, sum, min, max, avg are exact.
"""

import math
import sys


class _Bins:
    """Unbounded bin counts keyed by integer bin key."""

    __slots__ = ("counts", "count")

    def __init__(self):
        self.counts = {}
        self.count = 0.0

    def add(self, key, weight):
        counts = self.counts
        counts[key] = counts.get(key, 0.0) + weight
        self.count += weight

    def key_at_rank(self, rank, lower=True):
        # smallest key whose cumulative count is > rank (lower) or >= rank+1
        running = 0.0
        keys = sorted(self.counts)
        for key in keys:
            running += self.counts[key]
            if (lower and running > rank) or (not lower and running >= rank + 1):
                return key
        return keys[-1] if keys else 0


class _LogMapping:
    def __init__(self, relative_accuracy):
        if relative_accuracy <= 0 or relative_accuracy >= 1:
            raise ValueError(
                "Relative accuracy must be between 0 and 1, got %r" % relative_accuracy
            )
        self.relative_accuracy = relative_accuracy
        mantissa = 2 * relative_accuracy / (1 - relative_accuracy)
        self.gamma = 1 + mantissa
        # multiplier turns log2(v) into log_gamma(v)
        self._multiplier = math.log(2) / math.log1p(mantissa)
        self.min_possible = sys.float_info.min * self.gamma
        self.max_possible = sys.float_info.max / self.gamma

    def key(self, value):
        return int(math.ceil(math.log(value, 2) * self._multiplier))

    def value(self, key):
        return 2 ** (key / self._multiplier) * (2.0 / (1 + self.gamma))


class DDSketch:
    def __init__(self, relative_accuracy=None):
        if relative_accuracy is None:
            relative_accuracy = 0.01
        self._mapping = _LogMapping(relative_accuracy)
        self._relative_accuracy = relative_accuracy
        self._store = _Bins()
        self._negative_store = _Bins()
        self._zero_count = 0.0
        self._count = 0.0
        self._sum = 0.0
        self._min = float("+inf")
        self._max = float("-inf")

    @property
    def name(self):
        return "DDSketch"

    @property
    def count(self):
        return self._count

    @property
    def num_values(self):
        return self._count

    @property
    def sum(self):
        return self._sum

    @property
    def avg(self):
        return self._sum / self._count

    def add(self, val, weight=1.0):
        if weight <= 0.0:
            raise ValueError("weight must be a positive float, got %r" % weight)
        mp = self._mapping.min_possible
        if val > mp:
            self._store.add(self._mapping.key(val), weight)
        elif val < -mp:
            self._negative_store.add(self._mapping.key(-val), weight)
        else:
            self._zero_count += weight
        self._count += weight
        self._sum += val * weight
        if val < self._min:
            self._min = val
        if val > self._max:
            self._max = val

    def get_quantile_value(self, quantile):
        if quantile < 0 or quantile > 1 or self._count == 0:
            return None
        rank = quantile * (self._count - 1)
        neg = self._negative_store.count
        if rank < neg:
            key = self._negative_store.key_at_rank(neg - rank - 1, lower=False)
            return -self._mapping.value(key)
        if rank < self._zero_count + neg:
            return 0
        key = self._store.key_at_rank(rank - self._zero_count - neg)
        return self._mapping.value(key)

    def merge(self, sketch):
        raise NotImplementedError("merge is not provided by this stand-in (Vidur does not use it)")

    def __repr__(self):
        return "DDSketch(count=%r, sum=%r, min=%r, max=%r)" % (
            self._count, self._sum, self._min, self._max)
