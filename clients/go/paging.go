package claudepool

import (
	"context"
	"iter"

	"google.golang.org/grpc/codes"
)

// pages yields the items of every page of a List* RPC: fetch returns one page and the token of
// the next ("" after the last). Each page is one call under the policy, so a page refused
// UNAVAILABLE is asked for again rather than ending the iteration.
func pages[T any](ctx context.Context, fetch func(ctx context.Context, token string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		token := ""
		for {
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == token {
				yield(zero, &Error{Code: codes.Internal, Message: "the server returned the same page token twice"})
				return
			}
			token = next
		}
	}
}
