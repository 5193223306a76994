package org.police4j.train;

import ai.djl.training.tracker.Tracker;

/**
 * PyTorch's {@code StepLR}, the schedule of all the paper's experiments: the learning rate is
 * multiplied by {@code gamma} after every {@code every} updates. DJL's {@code MultiFactorTracker}
 * refuses fewer than two drops, which the CLI's {@code every:K} routinely asks for.
 */
public final class StepSchedule implements Tracker {

    private final float base;
    private final int every;
    private final double gamma;

    /**
     * @param base the initial learning rate
     * @param every updates between drops, {@code > 0}
     * @param gamma the factor of each drop
     */
    public StepSchedule(float base, int every, double gamma) {
        if (every <= 0) {
            throw new IllegalArgumentException("every: " + every + "; expected > 0");
        }
        this.base = base;
        this.every = every;
        this.gamma = gamma;
    }

    /** DJL counts updates from 1: updates 1..every use the base rate, like StepLR's epochs 0..every-1. */
    @Override
    public float getNewValue(int numUpdate) {
        int drops = Math.max(0, numUpdate - 1) / every;
        return (float) (base * Math.pow(gamma, drops));
    }
}
