package dev.claudepool.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Paging helpers: the items of every page of a {@code List*} RPC as one lazy {@link Stream},
 * following {@code next_page_token} until it comes back empty. A page is fetched only when the
 * previous one has been consumed, so {@code limit(n)} or {@code anyMatch} stop early.
 */
final class Paging {
  private Paging() {}

  /**
   * @param fetch fetches the page for a token ("" for the first)
   * @param items the items of a page
   * @param nextToken the token of the page after it ("" on the last)
   */
  static <P, T> Stream<T> stream(Function<String, P> fetch, Function<P, List<T>> items,
      Function<P, String> nextToken) {
    Iterator<T> iterator = new Iterator<>() {
      private Iterator<T> page = List.<T>of().iterator();
      private String token = "";
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && !last) {
          P response = fetch.apply(token);
          page = items.apply(response).iterator();
          token = nextToken.apply(response);
          last = token.isEmpty();
        }
        return page.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.next();
      }
    };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED), false);
  }
}
