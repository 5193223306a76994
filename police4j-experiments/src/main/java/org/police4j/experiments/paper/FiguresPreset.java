package org.police4j.experiments.paper;

import java.util.Locale;
import org.police4j.engine.SignRule;

/**
 * Sizes of the figure experiments. {@code paper} follows the authors' scripts and rule; {@code
 * quick} shrinks steps, widths and grids so that all figures take a few minutes on a laptop CPU,
 * and makes up for the smaller budget with a six times higher learning rate on Figure 2 and the
 * sign rule that does not thrash (measured in {@code docs/SIGN-RULES.md}); {@code tiny} (hidden,
 * for tests) only checks that everything runs.
 *
 * @param name preset name
 * @param fig1Steps training steps of Figure 1
 * @param fig1Width hidden width of Figure 1 (depth 3)
 * @param fig2Steps training steps of each Figure 2 network
 * @param fig2Width hidden width of Figure 2 (depth 4)
 * @param fig3Steps training steps of Figure 3
 * @param fig3Width hidden width of Figure 3 (depth 3)
 * @param grid side of the training lattice on [-4, 4]^2 of Figures 2 and 3
 * @param fig1Grid side of Figure 1's logit lattice on [-1.8, 1.8]^2
 * @param insetGrid side of the lattice of the zoomed insets
 * @param panelPixels width and height of one panel
 * @param fig2LearningRate AdamW's initial learning rate of Figure 2
 * @param fig2Drops how many times Figure 2's learning rate drops (x0.3 each) over the run
 * @param rule the sign rule of every POLICEd network
 */
record FiguresPreset(
        String name,
        int fig1Steps,
        int fig1Width,
        int fig2Steps,
        int fig2Width,
        int fig3Steps,
        int fig3Width,
        int grid,
        int fig1Grid,
        int insetGrid,
        int panelPixels,
        double fig2LearningRate,
        int fig2Drops,
        SignRule rule) {

    static final int FIG1_DEPTH = 3;
    static final int FIG2_DEPTH = 4;
    static final int FIG3_DEPTH = 3;

    static final FiguresPreset PAPER = new FiguresPreset(
            "paper", 2000, 128, 2000, 256, 2000, 256, 100, 150, 81, 420, 5e-4, 3, SignRule.MAJORITY);
    static final FiguresPreset QUICK = new FiguresPreset(
            "quick", 1000, 128, 1000, 128, 1000, 128, 40, 150, 61, 380, 3e-3, 4, SignRule.HYSTERESIS);
    static final FiguresPreset TINY = new FiguresPreset(
            "tiny", 10, 8, 10, 8, 10, 8, 16, 24, 11, 160, 5e-4, 3, SignRule.MAJORITY);

    /**
     * This preset with Figure 2's training changed (for studies).
     *
     * @param steps training steps
     * @param width hidden width
     * @param learningRate initial learning rate
     * @param drops learning-rate drops over the run
     * @return the changed preset
     */
    FiguresPreset withFig2(int steps, int width, double learningRate, int drops) {
        return new FiguresPreset(name, fig1Steps, fig1Width, steps, width, fig3Steps, fig3Width, grid, fig1Grid,
                insetGrid, panelPixels, learningRate, drops, rule);
    }

    static FiguresPreset named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "paper":
                return PAPER;
            case "quick":
                return QUICK;
            case "tiny":
                return TINY;
            default:
                throw new IllegalArgumentException("--preset: " + name + "; expected quick or paper");
        }
    }
}
