package dev.claudepool.client;

import dev.claudepool.v1.ChainProgress;
import java.util.Iterator;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A blocking, single-use stream of one chain's progress snapshots ({@code WatchChain}), ending
 * after the snapshot that shows the chain finished (terminal status: COMPLETED, FAILED or
 * CANCELLED, with its result). The server may coalesce fast changes, so not every intermediate
 * state is seen, but {@code seq} always increases.
 *
 * <p>When the underlying gRPC stream fails with {@code UNAVAILABLE} or ends early, it is reopened
 * with {@code WatchChain(chain_id, after_seq = last seen seq)}. Close it (try-with-resources) to
 * drop the stream early; that cancels the RPC but not the chain.
 */
public final class ChainProgressStream extends ResumableStream<ChainProgress> {
  private final Function<String, ChainProgress> get;

  ChainProgressStream(String chainId, long afterSeq,
      BiFunction<String, Long, Iterator<ChainProgress>> watch,
      Function<String, ChainProgress> get, int maxReconnects) {
    super(chainId, afterSeq, () -> watch.apply(chainId, afterSeq), watch, maxReconnects);
    this.get = get;
  }

  /** The chain's id. */
  public String chainId() {
    return id();
  }

  @Override
  long seqOf(ChainProgress progress) {
    return progress.getSeq();
  }

  @Override
  String idOf(ChainProgress progress) {
    return progress.getChainId();
  }

  @Override
  boolean isLast(ChainProgress progress) {
    // The server ends the stream once the chain is terminal and its end time is recorded.
    return PoolClient.isTerminal(progress.getStatus()) && progress.hasEndTime();
  }

  /**
   * The server ended the stream without a final snapshot: over if the chain is terminal and has
   * nothing newer than what was delivered (e.g. {@code afterSeq} was already the final seq).
   */
  @Override
  boolean overAfterCleanEnd(String chainId, long lastSeq) {
    ChainProgress progress = get.apply(chainId);
    return PoolClient.isTerminal(progress.getStatus()) && progress.getSeq() <= lastSeq;
  }

  @Override
  String endedEarlyMessage() {
    return "chain progress stream ended before the chain finished";
  }
}
