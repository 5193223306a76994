package org.police4j.experiments.fashion;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.police4j.certify.Certificate;

/** The Markdown report of a {@code police4j fashion} run. */
final class FashionReport {

    /**
     * One certified test image.
     *
     * @param index its index in the test set
     * @param label its true class
     * @param cert the certificate of its box
     * @param margins the exact margins on the box from the certificate's affine map
     * @param foldedPrediction the folded network's class at the image (double precision)
     * @param pgd the attack on the POLICEd (folded) network
     * @param vertexMargin the folded network's margin at the worst vertex the certificate names
     * @param plainPrediction the unconstrained twin's class at the image
 * @param plainCentreMargin the twin's smallest logit margin at the image
     * @param plainPgd the attack on the unconstrained twin
     */
    record Row(int index, int label, Certificate cert, BoxMargins margins, int foldedPrediction, Pgd.Result pgd,
            double vertexMargin, int plainPrediction, double plainCentreMargin, Pgd.Result plainPgd) {

        /** PGD can only find margins at least the certified minimum (up to rounding). */
        boolean pgdConsistent() {
            return pgd.minMargin() >= margins.certifiedMinMargin() - FashionCommand.PGD_TOLERANCE;
        }
    }

    private final FashionSettings s;
    private final Path dataDir;
    private final int nTrain;
    private final int nTest;
    private final TwinTraining.Result training;
    private final double accPoliced;
    private final double accPlain;
    private final double trainAccPoliced;
    private final double trainAccPlain;
    private final List<Row> rows;
    private final boolean plainCertified;
    private final double loadSeconds;
    private final double trainSeconds;
    private final double evalSeconds;
    private final double certifySeconds;
    private final double attackSeconds;
    private final double plainCertifySeconds;
    private final double wallSeconds;

    FashionReport(FashionSettings s, Path dataDir, int nTrain, int nTest, TwinTraining.Result training,
            double accPoliced, double accPlain, double trainAccPoliced, double trainAccPlain, List<Row> rows,
            boolean plainCertified, double loadSeconds, double trainSeconds, double evalSeconds, double certifySeconds,
            double attackSeconds, double plainCertifySeconds, double wallSeconds) {
        this.s = s;
        this.dataDir = dataDir;
        this.nTrain = nTrain;
        this.nTest = nTest;
        this.training = training;
        this.accPoliced = accPoliced;
        this.accPlain = accPlain;
        this.trainAccPoliced = trainAccPoliced;
        this.trainAccPlain = trainAccPlain;
        this.rows = List.copyOf(rows);
        this.plainCertified = plainCertified;
        this.loadSeconds = loadSeconds;
        this.trainSeconds = trainSeconds;
        this.evalSeconds = evalSeconds;
        this.certifySeconds = certifySeconds;
        this.attackSeconds = attackSeconds;
        this.plainCertifySeconds = plainCertifySeconds;
        this.wallSeconds = wallSeconds;
    }

    boolean allGood() {
        return rows.stream().allMatch(r -> r.cert().certified() && r.pgdConsistent());
    }

    List<Row> rows() {
        return rows;
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# police4j fashion: certified l_inf boxes on Fashion-MNIST\n\n");
        sb.append("## Settings\n\n");
        sb.append("| setting | value |\n|---|---|\n");
        row(sb, "preset", s.preset());
        row(sb, "data", dataDir + " (first " + nTrain + " training images, first " + nTest + " test images; pixels / 255)");
        row(sb, "network", "784 -> " + s.hiddenText().replace(",", " -> ") + " -> 10, leaky-ReLU(0.01), softmax cross-entropy");
        row(sb, "optimiser", String.format(Locale.ROOT, "AdamW, lr %s, weight decay %s%s, %d steps, batch %d, seed %d",
                num(s.learningRate()), num(s.weightDecay()),
                s.scheduleEvery() > 0 && s.scheduleEvery() < s.steps()
                        ? ", lr x " + num(s.gamma()) + " every " + s.scheduleEvery() + " steps" : "",
                s.steps(), s.batchSize(), s.seed()));
        row(sb, "regions", s.images() + " l_inf boxes of radius eps = " + num(s.eps())
                + " around the first test images with distinct labels (one affine map per box; MINIMAL_SHIFT, closest-to-zero multi-region shift)");
        row(sb, "twin", "unconstrained PlainMlp of the same shape, same initial weights ("
                + (training.sameInit() ? "checked equal" : "NOT equal") + "), same batches, same steps");
        row(sb, "PGD", s.pgdSteps() + " sign-gradient steps per class from the centre, step 2.5 eps / " + s.pgdSteps()
                + ", projection onto the box, through the folded network in double");
        sb.append('\n');

        sb.append("## Accuracy and cost\n\n");
        sb.append("| | POLICEd | unconstrained |\n|---|---|---|\n");
        sb.append(String.format(Locale.ROOT, "| test accuracy (%d images) | %.2f%% | %.2f%% |\n", nTest, 100 * accPoliced, 100 * accPlain));
        sb.append(String.format(Locale.ROOT, "| training accuracy (%d images) | %.2f%% | %.2f%% |\n", nTrain, 100 * trainAccPoliced, 100 * trainAccPlain));
        sb.append(String.format(Locale.ROOT, "| final training loss (last batch) | %.4f | %.4f |\n",
                last(training.policedLoss()), last(training.plainLoss())));
        sb.append(String.format(Locale.ROOT, "| median train-step time | %.2f ms | %.2f ms |\n",
                TwinTraining.Result.medianMs(training.policedNanos()), TwinTraining.Result.medianMs(training.plainNanos())));
        sb.append(String.format(Locale.ROOT, "| total time of timed steps | %.2f s | %.2f s |\n",
                training.policedSeconds(), training.plainSeconds()));
        sb.append(String.format(Locale.ROOT, "| certified on the boxes | %d / %d | %s |\n",
                rows.stream().filter(r -> r.cert().certified()).count(), rows.size(),
                plainCertified ? "yes (box 1, interval certifier)" : "no (box 1, interval certifier)"));
        sb.append('\n');
        sb.append(String.format(Locale.ROOT,
                "Step-time ratio POLICEd / unconstrained: **%.2f** (total of steps %d..%d) , median per-step ratio %.2f."
                        + " The two networks were stepped alternately on the same batch (order swapped every step);"
                        + " each step (gather, forward, loss, backward, AdamW) timed with System.nanoTime; the first %d steps are not counted.\n\n",
                training.totalRatio(), Math.min(TwinTraining.WARMUP_STEPS + 1, s.steps()), s.steps(), training.medianRatio(),
                TwinTraining.WARMUP_STEPS));

        sb.append("## Certified images\n\n");
        sb.append("On its box the POLICEd network is exactly the certificate's affine map y = A x + b, so each margin"
                + " y_c - y_j is linear there and its minimum over the box is (value at the image) - eps ||a_c - a_j||_1."
                + " The certified radius is min(eps, min_j margin_j / ||a_c - a_j||_1): exact inside the box; beyond eps"
                + " nothing is guaranteed (the network may bend there), hence the cap; the last column is the uncapped"
                + " min_j margin_j / ||a_c - a_j||_1, where the affine map alone would flip the class (only its part up to eps is a guarantee). PGD searches the same box (not"
                + " intersected with [0,1]^784) and can only find margins >= the certified minimum. The certified min margin and"
                + " the certified radius are lower bounds in exact arithmetic: computed from the map's entries minus their"
                + " uncertainty, rounded down, and printed rounded down.\n\n");
        sb.append("| test # | label | prediction | certified | interior dev. | margin at image | certified min margin | PGD min margin | PGD - certified | margin at worst vertex | certified radius | linear radius (not guaranteed) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            BoxMargins m = r.margins();
            sb.append(String.format(Locale.ROOT, "| %d | %s | %s%s | %s | %.2e | %.5f | %s | %.5f | %.2e | %.5f | %s | %.5f |\n",
                    r.index(), FashionMnist.CLASSES.get(r.label()), FashionMnist.CLASSES.get(m.predicted()),
                    r.foldedPrediction() == m.predicted() ? "" : " (folded: " + FashionMnist.CLASSES.get(r.foldedPrediction()) + ")",
                    r.cert().certified() ? "yes" : "NO", r.cert().interiorDeviation(),
                    m.centreMargin(), floor5(m.certifiedMinMargin()), r.pgd().minMargin(),
                    r.pgd().minMargin() - m.certifiedMinMargin(), r.vertexMargin(),
                    m.radius() >= s.eps() ? num(s.eps()) + " (= eps)" : floor5(m.radius()),
                    m.linearRadius()));
        }
        sb.append('\n');
        sb.append("Unconstrained twin on the same boxes (no certificate; PGD only):\n\n");
        sb.append("| test # | label | prediction | margin at image | PGD min margin |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %.5f |\n", r.index(),
                    FashionMnist.CLASSES.get(r.label()), FashionMnist.CLASSES.get(r.plainPrediction()),
                    String.format(Locale.ROOT, "%.5f", r.plainCentreMargin()), r.plainPgd().minMargin()));
        }
        sb.append('\n');
        sb.append(String.format(Locale.ROOT, "Sanity: every box certified: **%s**; PGD >= certified - %.0e everywhere: **%s**.\n\n",
                rows.stream().allMatch(r -> r.cert().certified()) ? "yes" : "NO", FashionCommand.PGD_TOLERANCE,
                rows.stream().allMatch(Row::pgdConsistent) ? "yes" : "NO"));
        sb.append("## Timings\n\n");
        sb.append("| phase | seconds |\n|---|---|\n");
        sb.append(String.format(Locale.ROOT, "| load IDX files | %.2f |\n", loadSeconds));
        sb.append(String.format(Locale.ROOT, "| train both networks (interleaved) | %.2f |\n", trainSeconds));
        sb.append(String.format(Locale.ROOT, "| accuracies | %.2f |\n", evalSeconds));
        sb.append(String.format(Locale.ROOT, "| certify %d boxes (interval certifier, %d interior samples each) | %.2f |\n",
                rows.size(), s.samples(), certifySeconds));
        sb.append(String.format(Locale.ROOT, "| PGD, both networks | %.2f |\n", attackSeconds));
        sb.append(String.format(Locale.ROOT, "| try to certify the unconstrained twin (box 1) | %.2f |\n", plainCertifySeconds));
        sb.append(String.format(Locale.ROOT, "| whole command (before writing files) | %.2f |\n", wallSeconds));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    private static double last(double[] v) {
        return v.length == 0 ? Double.NaN : v[v.length - 1];
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replaceAll("\\.(e|$)", "$1");
    }

    /** Five decimals rounded toward minus infinity: a printed lower bound stays a lower bound. */
    static String floor5(double v) {
        return new java.math.BigDecimal(v).setScale(5, java.math.RoundingMode.FLOOR).toPlainString();
    }
}
