package org.police4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import org.police4j.nn.PolicedMlp;

/**
 * Counts, per hidden layer, the units that change side between training steps: the sides of the
 * network after each step (the region alone through it, as the fold sees it) against those after
 * the step before. A unit that changes side moves its layer's output on the whole region at once,
 * which every later layer sees; these counts make that visible in a training run. A network with
 * several regions has no single side per unit and counts nothing.
 */
public final class SideFlips implements StepListener {

    private float[][] previous;
    private long[] total = new long[0];
    private int[] most = new int[0];
    private int steps;

    /** {@return a counter that has seen no step} */
    public static SideFlips create() {
        return new SideFlips();
    }

    private SideFlips() {}

    @Override
    public void afterStep(int step, double loss, PolicedMlp block) {
        float[][] now;
        try (NDManager manager = block.weight(0).getManager().newSubManager()) {
            List<NDArray> signs = block.regionTrace(manager).signs();
            now = new float[signs.size()][];
            for (int l = 0; l < now.length; l++) {
                now[l] = signs.get(l).toFloatArray();
            }
        }
        if (previous != null && previous.length == now.length) {
            if (total.length != now.length) {
                total = new long[now.length];
                most = new int[now.length];
            }
            for (int l = 0; l < now.length; l++) {
                int flips = 0;
                for (int k = 0; k < now[l].length; k++) {
                    flips += now[l][k] != previous[l][k] ? 1 : 0;
                }
                total[l] += flips;
                most[l] = Math.max(most[l], flips);
            }
            steps++;
        }
        previous = now;
    }

    /** {@return per hidden layer, the side changes summed over the steps seen} */
    public long[] perLayer() {
        return total.clone();
    }

    /** {@return per hidden layer, the most side changes between two consecutive steps} */
    public int[] mostInOneStep() {
        return most.clone();
    }

    /** {@return the number of step-to-step comparisons counted} */
    public int comparisons() {
        return steps;
    }

    /** {@return "a / b / c" with the per-layer totals, first hidden layer first} */
    public String describe() {
        StringJoiner j = new StringJoiner(" / ");
        Arrays.stream(total).forEach(t -> j.add(String.format(Locale.ROOT, "%d", t)));
        return j.length() == 0 ? "-" : j.toString();
    }
}
