package dev.claudepool.client;

import dev.claudepool.v1.ChainStep;
import dev.claudepool.v1.TaskSpec;

/**
 * Shorthands for the specs most calls take. Each returns the generated builder or message, so
 * every other field stays one generated setter away:
 *
 * <pre>{@code
 * pool.submitTask(Specs.task("Review the diff").setReviewRequired(true).addTags("ci").build());
 * pool.run(Specs.continuing(firstTask.getId(), "And now the tests?"));
 * }</pre>
 */
public final class Specs {
  private Specs() {}

  /**
   * A task spec builder with the prompt set.
   *
   * @param prompt the prompt
   * @return the builder, for more options
   */
  public static TaskSpec.Builder task(String prompt) {
    return TaskSpec.newBuilder().setPrompt(prompt);
  }

  /**
   * A task that continues a conversation ({@code continue_from}): it sees that session's earlier
   * turns and adds its own.
   *
   * @param sessionOrTaskId a session id, or the id of a settled task that ran in one
   * @param prompt the prompt
   * @return the spec
   */
  public static TaskSpec continuing(String sessionOrTaskId, String prompt) {
    return task(prompt).setContinueFrom(sessionOrTaskId).build();
  }

  /**
   * A task that starts a new session as a copy of another ({@code fork_from}); the original is
   * unchanged.
   *
   * @param sessionOrTaskId a session id or a task id
   * @param prompt the prompt
   * @return the spec
   */
  public static TaskSpec forking(String sessionOrTaskId, String prompt) {
    return task(prompt).setForkFrom(sessionOrTaskId).build();
  }

  /**
   * A chain step. Its prompt may use {@code {previous_output}} (the previous step's output) and
   * {@code {steps.NAME.VAR}} (a variable an earlier step extracted).
   *
   * @param name the step's name, unique in the chain
   * @param prompt the prompt template
   * @return the step
   */
  public static ChainStep step(String name, String prompt) {
    return ChainStep.newBuilder().setName(name).setPrompt(prompt).build();
  }
}
