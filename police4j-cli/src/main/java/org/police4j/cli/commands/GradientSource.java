package org.police4j.cli.commands;

import ai.djl.ndarray.NDArray;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;

/**
 * Where {@code train} takes its steps' gradients from when they are computed elsewhere (a Spark
 * job summing the gradients of shards): given the initialised network and the prepared training
 * rows, it returns the {@link Gradients} that {@code train}'s loop applies. The data preparation,
 * the loop, the checkpoints, the certificate and the model directory stay {@code train}'s.
 */
@FunctionalInterface
public interface GradientSource {

    /**
     * Sets up the gradient computation for one run.
     *
     * @param block the initialised network (its parameters as before the first step)
     * @param x the training inputs, N x D (standardized when asked)
     * @param y the training labels as the loop takes them (N x K targets, or N class indices)
     * @param loss the loss
     * @return each step's full-batch gradient
     */
    Gradients open(PolicedMlp block, NDArray x, NDArray y, LossKind loss);
}
