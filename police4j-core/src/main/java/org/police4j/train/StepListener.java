package org.police4j.train;

import org.police4j.nn.PolicedMlp;

/** Called after every optimiser step, e.g. to check the constraint or take a snapshot. */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step the number of steps done (1-based)
     * @param loss the training loss of the step's batch, before the update
     * @param block the network after the update
     */
    void afterStep(int step, double loss, PolicedMlp block);
}
