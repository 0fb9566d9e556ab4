"""Items across the pages of a List* RPC: fetch a page, yield its items, follow
`next_page_token` until it is empty."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Page(Protocol):
    @property
    def next_page_token(self) -> str: ...


P = TypeVar("P", bound=Page)


async def items(
    fetch: Callable[[str], Awaitable[P]], page_items: Callable[[P], Iterable[T]]
) -> AsyncIterator[T]:
    """Yield `page_items(page)` for each page `fetch(page_token)` returns, starting from ""."""
    token = ""
    while True:
        page = await fetch(token)
        for item in page_items(page):
            yield item
        token = page.next_page_token
        if not token:
            return
