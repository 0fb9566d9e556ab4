// Paging helpers for the List* RPCs: follow `next_page_token` and yield items across pages.

/** One page of a List* reply: its items and the token of the next page (`""` on the last). */
export interface Page<T> {
  items: readonly T[];
  nextPageToken: string;
}

/**
 * Yields every item of every page, fetching the next page only when the caller has consumed the
 * current one. `fetchPage("")` is the first page. Stops with an error if the server hands back the
 * token it was just given, rather than looping for ever.
 */
export async function* paginate<T>(fetchPage: (pageToken: string) => Promise<Page<T>>): AsyncGenerator<T> {
  let token = "";
  for (;;) {
    const page = await fetchPage(token);
    yield* page.items;
    if (page.nextPageToken === "") return;
    if (page.nextPageToken === token) throw new Error(`the server repeated page token ${JSON.stringify(token)}`);
    token = page.nextPageToken;
  }
}
