package org.police4j.train;

import org.police4j.nn.PolicedMlp;

/**
 * Where {@link Fit} takes each step's full-batch gradient from when it is not computed in this
 * JVM's one forward and backward: data-parallel training sums the gradients of shards computed
 * elsewhere (other devices, other machines), each shard's loss scaled by its share of the rows
 * ({@link ShardGradient}), which is the full batch's gradient. Fit still applies the optimiser,
 * the schedule, the listener and the stop at a non-finite loss.
 */
@FunctionalInterface
public interface Gradients {

    /**
     * The loss and gradient of a step, for the block's current parameters.
     *
     * @param step the step about to be taken (1-based)
     * @param block the network, its parameters as they are before the step
     * @return the full batch's mean loss and its gradient
     */
    ShardGradient compute(int step, PolicedMlp block);
}
