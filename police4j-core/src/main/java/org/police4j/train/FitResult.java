package org.police4j.train;

/**
 * What a training run did.
 *
 * @param losses the loss of every step, in order
 * @param seconds wall time of the loop
 * @param stoppedAt the 1-based step whose loss was not finite, or -1 if training completed
 */
public record FitResult(double[] losses, double seconds, int stoppedAt) {

    /** {@return the last step's loss, NaN when no step ran} */
    public double finalLoss() {
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }

    /** {@return whether every step ran with a finite loss} */
    public boolean completed() {
        return stoppedAt < 0;
    }
}
