"""List prices the API gateway meters calls with, in USD per million tokens.

The CLI prices runs from its own model catalogue and reports the cost when a turn ends; the
gateway must know a call's cost the moment its response ends, to refuse the next call of a run
that passed its envelope. Prefixes match model ids (`claude-sonnet-4-5-20250929` is a
`claude-sonnet-4` model). A model no prefix names is priced as the most expensive known one, so
an unknown model can only make the gateway stop a run early, never let it overspend.
Operators override or extend the table in the config file (`model_prices:`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    cache_write: float  # per million cache-creation input tokens (5-minute cache)
    cache_read: float  # per million cache-read input tokens

    @staticmethod
    def of(input_price: float, output_price: float) -> Price:
        """Anthropic's usual ratios: cache writes 1.25x input, cache reads 0.1x input."""
        return Price(input_price, output_price, input_price * 1.25, input_price * 0.1)


DEFAULT_PRICES: dict[str, Price] = {
    "claude-opus-4-1": Price.of(15.0, 75.0),
    "claude-opus-4-0": Price.of(15.0, 75.0),
    "claude-opus-4-2": Price.of(15.0, 75.0),
    "claude-opus-4-5": Price.of(5.0, 25.0),
    "claude-opus-4-6": Price.of(5.0, 25.0),
    "claude-opus-5": Price.of(4.0, 20.0),
    "claude-opus-4": Price.of(15.0, 75.0),
    "claude-3-opus": Price.of(15.0, 75.0),
    "claude-sonnet-4": Price.of(3.0, 15.0),
    "claude-sonnet-5": Price.of(3.0, 15.0),
    "claude-3-7-sonnet": Price.of(3.0, 15.0),
    "claude-3-5-sonnet": Price.of(3.0, 15.0),
    "claude-haiku-4": Price.of(1.0, 5.0),
    "claude-3-5-haiku": Price.of(0.8, 4.0),
    "claude-3-haiku": Price.of(0.25, 1.25),
}


class PriceTable:
    def __init__(self, prices: dict[str, Price] | None = None) -> None:
        self.prices = dict(DEFAULT_PRICES if prices is None else prices)
        # longest prefix first: `claude-opus-4-5` before `claude-opus-4`
        self._prefixes = sorted(self.prices, key=len, reverse=True)
        self.unknown = max(self.prices.values(), key=lambda p: (p.output, p.input))

    def price(self, model: str) -> Price:
        for prefix in self._prefixes:
            if model.startswith(prefix):
                return self.prices[prefix]
        return self.unknown

    def cost_micros(
        self,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cache_write_tokens: int = 0,
        cache_read_tokens: int = 0,
    ) -> int:
        """The call's cost in micro-dollars (USD per million tokens = micro-dollars per token)."""
        price = self.price(model)
        micros = (
            input_tokens * price.input
            + output_tokens * price.output
            + cache_write_tokens * price.cache_write
            + cache_read_tokens * price.cache_read
        )
        return round(micros)
