package org.police4j.train;

/**
 * What a training run did.
 *
 * @param losses the loss of every step, in order
 * @param seconds wall time of the loop
 * @param stoppedAt the 1-based step whose loss was not finite, or -1 if training completed
 * @param failure why that step stopped when it was not its loss (the rounding guard could not bound
 *     its values: {@link org.police4j.engine.RoundingBoundOverflowException}), else null
 */
public record FitResult(double[] losses, double seconds, int stoppedAt, String failure) {

    /**
     * A run that stopped, if it did, on a loss that was not finite.
     *
     * @param losses the loss of every step, in order
     * @param seconds wall time of the loop
     * @param stoppedAt the 1-based step whose loss was not finite, or -1 if training completed
     */
    public FitResult(double[] losses, double seconds, int stoppedAt) {
        this(losses, seconds, stoppedAt, null);
    }

    /** {@return the last step's loss, NaN when no step ran} */
    public double finalLoss() {
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }

    /** {@return why training stopped at {@link #stoppedAt}, in words} */
    public String stopReason() {
        return failure != null ? "step " + stoppedAt + ": " + failure : "the loss was not finite at step " + stoppedAt;
    }

    /** {@return whether every step ran with a finite loss} */
    public boolean completed() {
        return stoppedAt < 0;
    }
}
