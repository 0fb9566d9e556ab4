package dev.claudepool.client;

import dev.claudepool.v1.ChainProgress;
import dev.claudepool.v1.GetChainProgressRequest;
import dev.claudepool.v1.PoolServiceGrpc;
import dev.claudepool.v1.WatchChainRequest;
import dev.claudepool.v1.WatchChainResponse;
import java.util.Iterator;

/**
 * One chain's progress snapshots ({@code WatchChain}), in increasing {@code seq}, ending after the
 * snapshot that shows the chain finished (COMPLETED, FAILED or CANCELLED, with its result). The
 * server may coalesce fast changes, so not every intermediate state is seen.
 *
 * <p>A stream that fails with {@code UNAVAILABLE} or ends early is reopened as {@code
 * WatchChain(chain_id, after_seq = last delivered seq)}: nothing is repeated. Closing the stream
 * does not cancel the chain.
 */
public final class ChainProgressStream extends ServerStream<ChainProgress> {
  private final String chainId;
  private long lastSeq;

  ChainProgressStream(Calls calls, String chainId, long afterSeq) {
    super(calls);
    this.chainId = chainId;
    this.lastSeq = afterSeq;
    start();
  }

  /**
   * The chain's id.
   *
   * @return the id
   */
  public String chainId() {
    return chainId;
  }

  /**
   * The {@code seq} of the last snapshot delivered.
   *
   * @return the seq, or the {@code afterSeq} the stream started from
   */
  public long lastSeq() {
    return lastSeq;
  }

  @Override
  Iterator<ChainProgress> openAttempt() {
    WatchChainRequest watch =
        WatchChainRequest.newBuilder().setChainId(chainId).setAfterSeq(lastSeq).build();
    return map(calls().openStream(PoolServiceGrpc.getWatchChainMethod(), watch),
        WatchChainResponse::getChain);
  }

  @Override
  boolean deliver(ChainProgress progress) {
    if (progress.getSeq() <= lastSeq) {
      return false;
    }
    lastSeq = progress.getSeq();
    return true;
  }

  @Override
  boolean isLast(ChainProgress progress) {
    // The server ends the stream once the chain is terminal and its end time is recorded.
    return PoolClient.isTerminal(progress.getStatus()) && progress.hasEndTime();
  }

  /** Over when the chain is terminal and has nothing newer than the last seq delivered. */
  @Override
  boolean overAtCleanEnd() {
    ChainProgress progress = calls().unary(PoolServiceGrpc.getGetChainProgressMethod(),
        GetChainProgressRequest.newBuilder().setChainId(chainId).build()).getChain();
    return PoolClient.isTerminal(progress.getStatus()) && progress.getSeq() <= lastSeq;
  }

  @Override
  String endedEarlyMessage() {
    return "the chain's progress stream ended before the chain finished";
  }
}
