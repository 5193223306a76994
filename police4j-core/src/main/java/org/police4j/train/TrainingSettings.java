package org.police4j.train;

/**
 * How to train: AdamW with a step schedule (the learning rate is multiplied by {@code gamma}
 * every {@code scheduleEvery} steps), the paper's setting in all its experiments.
 *
 * @param steps optimiser updates
 * @param learningRate AdamW's initial learning rate
 * @param weightDecay AdamW's decoupled weight decay
 * @param scheduleEvery steps between learning-rate drops (0: never)
 * @param gamma the factor of each drop
 * @param loss the loss
 * @param batchSize rows per step; 0 or at least N means full batch
 * @param seed seeds parameter initialisation and batch shuffling
 */
public record TrainingSettings(
        int steps,
        double learningRate,
        double weightDecay,
        int scheduleEvery,
        double gamma,
        LossKind loss,
        int batchSize,
        long seed) {

    /**
     * Checks every setting's range (positive steps, learning rate and gamma, non-negative decay,
     * schedule and batch size, a loss).
     *
     * @param steps optimiser updates
     * @param learningRate AdamW's initial learning rate
     * @param weightDecay AdamW's decoupled weight decay
     * @param scheduleEvery steps between learning-rate drops (0: never)
     * @param gamma the factor of each drop
     * @param loss the loss
     * @param batchSize rows per step; 0 or at least N means full batch
     * @param seed seeds parameter initialisation and batch shuffling
     */
    public TrainingSettings {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps: " + steps + "; expected > 0");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate: " + learningRate + "; expected a finite value > 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay: " + weightDecay + "; expected a finite value >= 0");
        }
        if (scheduleEvery < 0) {
            throw new IllegalArgumentException("scheduleEvery: " + scheduleEvery + "; expected >= 0");
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma: " + gamma + "; expected a finite value > 0");
        }
        if (loss == null) {
            throw new IllegalArgumentException("loss: null");
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize: " + batchSize + "; expected >= 0 (0 = full batch)");
        }
    }

    /**
     * The paper's recipe: full batch, AdamW, the schedule dropping {@code drops} times by gamma.
     *
     * @param steps optimiser updates
     * @param lr AdamW's initial learning rate
     * @param weightDecay AdamW's decoupled weight decay
     * @param drops how many times the learning rate drops over the run; 0 for a constant rate
     * @param gamma the factor of each drop
     * @param loss the loss
     * @param seed seeds parameter initialisation
     * @return the settings
     */
    public static TrainingSettings paper(int steps, double lr, double weightDecay, int drops, double gamma, LossKind loss, long seed) {
        if (drops < 0) {
            throw new IllegalArgumentException("drops: " + drops + "; expected 0 (constant rate) or more");
        }
        int every = drops == 0 ? 0 : Math.max(1, steps / drops);
        return new TrainingSettings(steps, lr, weightDecay, every, gamma, loss, 0, seed);
    }

    /**
     * A copy with another number of steps (the schedule's period unchanged).
     *
     * @param newSteps optimiser updates, positive
     * @return the copy
     */
    public TrainingSettings withSteps(int newSteps) {
        return new TrainingSettings(newSteps, learningRate, weightDecay, scheduleEvery, gamma, loss, batchSize, seed);
    }
}
