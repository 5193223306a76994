package org.police4j.cli.commands;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.police4j.cli.data.ColumnSelection;
import org.police4j.cli.data.CsvTable;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.LabelEncoding;
import org.police4j.cli.data.RegionSpec;
import org.police4j.cli.data.Standardizer;
import org.police4j.cli.data.SupportRegionSpec;
import org.police4j.engine.SignRule;
import org.police4j.region.AffineHull;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;
import org.police4j.train.LossKind;

/**
 * What {@code train} learns from, prepared once from the CSV file and the options: the columns,
 * the targets in the loss's form, the seeded train/validation split, the region in raw and in
 * network coordinates, and the feature and target scalings fitted on the training rows only.
 *
 * <p>Kept apart from the training run so that everything the user can get wrong about the data
 * fails here, before a network exists, and so that the run sees only network-ready rows. The
 * arrays are private; the row accessors return fresh copies.
 */
final class TrainingData {

    /** The options the data depend on. */
    record Spec(Path data, List<String> targets, List<String> features, Task task, String region, boolean noRegion,
            SignRule signRule, double valFraction, long seed, boolean standardize, boolean standardizeTarget) {}

    private final List<String> featureNames;
    private final List<String> targetNames;
    private final LabelEncoding labels;
    private final LossKind lossKind;
    private final int outputs;
    private final double[][] xNet;
    private final float[] classes;
    private final float[][] targets;
    private final float[][] fitTargets;
    private final double[][] targetScale;
    private final int[] trainRows;
    private final int[] valRows;
    private final Region rawRegion;
    private final Region netRegion;
    private final AffineHull hull;
    private final Standardizer standardizer;

    private TrainingData(ColumnSelection cols, LabelEncoding labels, LossKind lossKind, int outputs, double[][] xNet,
            float[] classes, float[][] targets, float[][] fitTargets, double[][] targetScale, int[] trainRows,
            int[] valRows, Region rawRegion, Region netRegion, AffineHull hull, Standardizer standardizer) {
        this.featureNames = List.copyOf(cols.features());
        this.targetNames = List.copyOf(cols.targets());
        this.labels = labels;
        this.lossKind = lossKind;
        this.outputs = outputs;
        this.xNet = xNet;
        this.classes = classes;
        this.targets = targets;
        this.fitTargets = fitTargets;
        this.targetScale = targetScale;
        this.trainRows = trainRows;
        this.valRows = valRows;
        this.rawRegion = rawRegion;
        this.netRegion = netRegion;
        this.hull = hull;
        this.standardizer = standardizer;
    }

    /**
     * Reads and prepares the data; a region of lower affine dimension than the data is warned
     * about on {@code warnings}.
     *
     * @throws InputException naming the option, the value and what was expected
     */
    static TrainingData prepare(Spec spec, PrintWriter warnings) throws IOException {
        CsvTable table = CsvTable.read(spec.data());
        if (table.rows() == 0) {
            throw new InputException("--data " + spec.data() + " has a header (" + String.join(", ", table.columns())
                    + ") but no data rows; expected at least one row of values under the header");
        }
        ColumnSelection cols = ColumnSelection.of(table, spec.targets(), spec.features());
        Region rawRegion = null;
        AffineHull hull = null;
        boolean fromData = !spec.noRegion() && SupportRegionSpec.needsData(spec.region());
        if (!spec.noRegion() && !fromData) {
            rawRegion = RegionSpec.parseAny(spec.region(), null, cols.features());
            RegionSpec.requireDimension(rawRegion, cols.features(), spec.region());
            hull = RegionHull.of(rawRegion);
            RegionHull.warn(hull, spec.region(), warnings);
        }
        double[][] x = table.numeric(cols.features());
        int n = x.length;

        LabelEncoding labels = null;
        LossKind lossKind;
        float[][] y2 = null; // N x K targets (MSE, BCE)
        float[] y1 = null; // N class indices (softmax)
        int outputs;
        if (spec.task() == Task.classification) {
            if (cols.targets().size() != 1) {
                throw new InputException("--task classification needs exactly one --target column, got "
                        + cols.targets().size() + " (" + String.join(", ", cols.targets()) + ")");
            }
            String t = cols.targets().get(0);
            labels = LabelEncoding.fit(table, t);
            int[] idx = labels.encode(table, t);
            if (labels.classes() == 2) {
                lossKind = LossKind.BCE_WITH_LOGITS;
                outputs = 1;
                y2 = new float[n][1];
                for (int i = 0; i < n; i++) {
                    y2[i][0] = idx[i];
                }
            } else {
                lossKind = LossKind.SOFTMAX_CROSS_ENTROPY;
                outputs = labels.classes();
                y1 = new float[n];
                for (int i = 0; i < n; i++) {
                    y1[i] = idx[i];
                }
            }
        } else {
            lossKind = LossKind.MSE;
            double[][] t = table.numeric(cols.targets());
            outputs = t[0].length;
            y2 = new float[n][outputs];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < outputs; k++) {
                    y2[i][k] = (float) t[i][k];
                }
            }
        }

        int[][] split = split(n, spec);
        int[] trainRows = split[0];
        int[] valRows = split[1];
        if (spec.noRegion()) {
            rawRegion = baselinePoint(x, trainRows);
        }
        if (fromData) {
            rawRegion = SupportRegionSpec.quantileBox(spec.region(), x, trainRows);
            hull = RegionHull.of(rawRegion);
            RegionHull.warn(hull, spec.region(), warnings);
        }
        if (rawRegion instanceof SupportRegion && spec.signRule() == SignRule.MAJORITY) {
            throw new InputException("--sign-rule MAJORITY counts vertices; region '" + spec.region() + "' is given"
                    + " by its support (no vertex list): use HYSTERESIS (the default), CENTER or MINIMAL_SHIFT");
        }
        float[][] fitTargets = y2;
        double[][] targetScale = null; // {mean, std} per output
        if (spec.standardizeTarget()) {
            targetScale = targetScale(y2, trainRows);
            fitTargets = standardizeTargets(y2, targetScale);
        }

        Standardizer standardizer = null;
        Region netRegion = rawRegion;
        double[][] xNet = x;
        if (spec.standardize()) {
            double[][] fitRows = new double[trainRows.length][];
            for (int i = 0; i < trainRows.length; i++) {
                fitRows[i] = x[trainRows[i]];
            }
            standardizer = Standardizer.fit(fitRows);
            netRegion = standardizer.mapRegion(rawRegion);
            xNet = standardizer.apply(x);
        }
        return new TrainingData(cols, labels, lossKind, outputs, xNet, y1, y2, fitTargets, targetScale, trainRows,
                valRows, rawRegion, netRegion, hull, standardizer);
    }

    /** The seeded shuffle: {train rows, validation rows}, at least one row left for training. */
    private static int[][] split(int n, Spec spec) {
        double valFraction = spec.valFraction();
        int nVal = (int) Math.round(n * valFraction);
        if (valFraction > 0 && nVal == 0) {
            nVal = 1;
        }
        if (n - nVal < 1) {
            throw new InputException(spec.data() + " has " + n + " data rows; with --val-fraction " + valFraction
                    + " none is left for training");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random rng = new Random(spec.seed());
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return new int[][] {Arrays.copyOfRange(order, nVal, n), Arrays.copyOfRange(order, 0, nVal)};
    }

    /** The --no-region stand-in: one point, the training rows' mean (raw units). */
    private static VertexRegion baselinePoint(double[][] x, int[] trainRows) {
        double[] mean = new double[x[0].length];
        for (int r : trainRows) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += x[r][j] / trainRows.length;
            }
        }
        return VertexRegion.of("none", new double[][] {mean});
    }

    /** Mean and std (population; 1 where a target is constant) of each target over the training rows. */
    static double[][] targetScale(float[][] y, int[] trainRows) {
        int k = y[0].length;
        double[] mean = new double[k];
        double[] std = new double[k];
        for (int r : trainRows) {
            for (int o = 0; o < k; o++) {
                mean[o] += y[r][o];
            }
        }
        for (int o = 0; o < k; o++) {
            mean[o] /= trainRows.length;
        }
        for (int r : trainRows) {
            for (int o = 0; o < k; o++) {
                std[o] += (y[r][o] - mean[o]) * (y[r][o] - mean[o]);
            }
        }
        for (int o = 0; o < k; o++) {
            std[o] = Math.sqrt(std[o] / trainRows.length);
            if (!(std[o] > 0)) {
                std[o] = 1;
            }
        }
        return new double[][] {mean, std};
    }

    private static float[][] standardizeTargets(float[][] y, double[][] scale) {
        float[][] out = new float[y.length][];
        for (int i = 0; i < y.length; i++) {
            out[i] = new float[y[i].length];
            for (int o = 0; o < y[i].length; o++) {
                out[i][o] = (float) ((y[i][o] - scale[0][o]) / scale[1][o]);
            }
        }
        return out;
    }

    List<String> features() {
        return featureNames;
    }

    List<String> targets() {
        return targetNames;
    }

    /** The class labels (classification), else null. */
    LabelEncoding labels() {
        return labels;
    }

    LossKind lossKind() {
        return lossKind;
    }

    /** The network's outputs: targets, classes, or one logit for two classes. */
    int outputs() {
        return outputs;
    }

    int trainCount() {
        return trainRows.length;
    }

    int valCount() {
        return valRows.length;
    }

    /** The region as given, in raw feature coordinates (the training mean for --no-region). */
    Region rawRegion() {
        return rawRegion;
    }

    /** The region the network is constrained on: the raw one, standardised with the features. */
    Region netRegion() {
        return netRegion;
    }

    /** The raw region's affine hull; null for --no-region. */
    AffineHull hull() {
        return hull;
    }

    /** The feature scaling (--standardize), else null. */
    Standardizer standardizer() {
        return standardizer;
    }

    /** The targets' {mean, std} per output (--standardize-target), else null. */
    double[][] targetScale() {
        return targetScale == null ? null : new double[][] {targetScale[0].clone(), targetScale[1].clone()};
    }

    /** The training (or validation) rows in network coordinates. */
    float[][] inputs(boolean train) {
        int[] which = train ? trainRows : valRows;
        float[][] out = new float[which.length][];
        for (int i = 0; i < which.length; i++) {
            double[] r = xNet[which[i]];
            out[i] = new float[r.length];
            for (int j = 0; j < r.length; j++) {
                out[i][j] = (float) r[j];
            }
        }
        return out;
    }

    /** True when the loss takes class indices (softmax), see {@link #classes}; else {@link #targets}. */
    boolean byClassIndex() {
        return classes != null;
    }

    /** The class indices of the training (or validation) rows; softmax only. */
    float[] classes(boolean train) {
        int[] which = train ? trainRows : valRows;
        float[] out = new float[which.length];
        for (int i = 0; i < which.length; i++) {
            out[i] = classes[which[i]];
        }
        return out;
    }

    /**
     * The N x K targets of the training (or validation) rows, in the units trained on ({@code
     * fitUnits}, standardised with --standardize-target) or in their own; not for softmax.
     */
    float[][] targets(boolean train, boolean fitUnits) {
        int[] which = train ? trainRows : valRows;
        float[][] from = fitUnits ? fitTargets : targets;
        float[][] out = new float[which.length][];
        for (int i = 0; i < which.length; i++) {
            out[i] = from[which[i]].clone();
        }
        return out;
    }

    /** The class index of each training (or validation) row; classification only. */
    float[] labelIndices(boolean train) {
        if (classes != null) {
            return classes(train);
        }
        float[][] y = targets(train, false);
        float[] out = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = y[i][0];
        }
        return out;
    }
}
