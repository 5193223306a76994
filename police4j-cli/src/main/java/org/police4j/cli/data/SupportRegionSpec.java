package org.police4j.cli.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.Zonotope;

/**
 * The {@code --region} forms for high-dimensional data, given by their support rather than by
 * vertices (a per-feature box has 2^D vertices; these stay D numbers per row):
 *
 * <ul>
 *   <li>{@code box-rows:FILE.csv}: a header naming the feature columns (any order), then a row of
 *       lower bounds and a row of upper bounds;
 *   <li>{@code box-around:FILE.csv}: the same header, then the centre row and a row of radii;
 *   <li>{@code box-quantiles:QLO,QHI}: per feature, from the QLO to the QHI quantile of the
 *       training rows (e.g. {@code 0.05,0.95});
 *   <li>{@code zonotope:FILE.csv}: the same header, the centre row, then one row per generator
 *       ({@code {c + G t : |t|_inf <= 1}}).
 * </ul>
 *
 * All are in raw feature units; with {@code --standardize} they are mapped exactly as vertex
 * regions are (see {@link Standardizer#mapRegion(Region)}).
 */
public final class SupportRegionSpec {

    /** The forms, for help texts. */
    public static final String FORMS = "box-rows:FILE.csv (header, lo row, hi row), box-around:FILE.csv (header, centre row,"
            + " radius row), box-quantiles:QLO,QHI (of the training rows), zonotope:FILE.csv (header, centre row,"
            + " one row per generator)";

    private SupportRegionSpec() {}

    /** Whether {@code spec} is one of these forms. */
    public static boolean handles(String spec) {
        String s = Numbers.lower(spec.strip());
        return s.startsWith("box-rows:") || s.startsWith("box-around:") || s.startsWith("box-quantiles:")
                || s.startsWith("zonotope:");
    }

    /** Whether {@code spec} needs the training rows ({@code box-quantiles}). */
    public static boolean needsData(String spec) {
        return Numbers.lower(spec.strip()).startsWith("box-quantiles:");
    }

    /**
     * Parses a file form.
     *
     * @param spec the {@code --region} text
     * @param baseDir against which relative paths resolve, or null
     * @param features the feature columns, in the network's order
     */
    public static Region parse(String spec, Path baseDir, List<String> features) {
        String s = spec.strip();
        int colon = s.indexOf(':');
        String head = Numbers.lower(s.substring(0, colon));
        String arg = s.substring(colon + 1).strip();
        if (head.equals("box-quantiles")) {
            throw new InputException("region '" + spec + "' is computed from the training data; it can only be"
                    + " given to train (use box-rows or box-around here)");
        }
        Path file = Path.of(arg);
        if (baseDir != null && !file.isAbsolute()) {
            file = baseDir.resolve(file);
        }
        double[][] rows = rows(file, features, spec);
        switch (head) {
            case "box-rows": {
                exactly(rows, 2, file, "a row of lower bounds and a row of upper bounds");
                for (int j = 0; j < features.size(); j++) {
                    if (!(rows[0][j] <= rows[1][j])) {
                        throw new InputException(file + ", column '" + features.get(j) + "': lower bound " + rows[0][j]
                                + " is above the upper bound " + rows[1][j] + "; expected the lo row, then the hi row");
                    }
                }
                return Box.fromBounds(rows[0], rows[1]);
            }
            case "box-around": {
                exactly(rows, 2, file, "the centre row and a row of radii");
                for (int j = 0; j < features.size(); j++) {
                    if (!(rows[1][j] >= 0)) {
                        throw new InputException(file + ", column '" + features.get(j) + "': radius " + rows[1][j]
                                + "; expected a number >= 0");
                    }
                }
                return Box.of(rows[0], rows[1]);
            }
            default: {
                if (rows.length < 2) {
                    throw new InputException(file + ": " + rows.length + " row; expected the centre row and at least"
                            + " one generator row");
                }
                int d = features.size();
                double[][] g = new double[d][rows.length - 1];
                for (int k = 1; k < rows.length; k++) {
                    for (int j = 0; j < d; j++) {
                        g[j][k - 1] = rows[k][j];
                    }
                }
                try {
                    return Zonotope.of(rows[0], g);
                } catch (IllegalArgumentException e) {
                    throw new InputException(file + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * {@code box-quantiles:QLO,QHI} on the training rows: per feature, the quantiles (linear
     * interpolation between order statistics) as the box's bounds.
     */
    public static Region quantileBox(String spec, double[][] x, int[] trainRows) {
        String arg = spec.strip().substring(spec.strip().indexOf(':') + 1);
        String[] q = arg.split(",", -1);
        String form = "box-quantiles:QLO,QHI with 0 <= QLO < QHI <= 1, e.g. box-quantiles:0.05,0.95";
        if (q.length != 2) {
            throw new InputException("region '" + spec + "': " + q.length + " values; expected " + form);
        }
        double[] qs = new double[2];
        for (int i = 0; i < 2; i++) {
            String problem = Numbers.problem(q[i].strip());
            if (problem != null) {
                throw new InputException("region '" + spec + "': " + Numbers.quote(q[i].strip()) + " " + problem
                        + "; expected " + form);
            }
            qs[i] = Numbers.parse(q[i].strip());
        }
        if (!(qs[0] >= 0 && qs[0] < qs[1] && qs[1] <= 1)) {
            throw new InputException("region '" + spec + "': quantiles " + qs[0] + ", " + qs[1] + "; expected " + form);
        }
        int d = x[0].length;
        double[] lo = new double[d];
        double[] hi = new double[d];
        double[] col = new double[trainRows.length];
        for (int j = 0; j < d; j++) {
            for (int i = 0; i < trainRows.length; i++) {
                col[i] = x[trainRows[i]][j];
            }
            Arrays.sort(col);
            lo[j] = quantile(col, qs[0]);
            hi[j] = quantile(col, qs[1]);
        }
        return Box.fromBounds(lo, hi);
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int i = (int) Math.floor(pos);
        if (i >= sorted.length - 1) {
            return sorted[sorted.length - 1];
        }
        double f = pos - i;
        return sorted[i] + f * (sorted[i + 1] - sorted[i]);
    }

    private static void exactly(double[][] rows, int n, Path file, String what) {
        if (rows.length != n) {
            throw new InputException(file + ": " + rows.length + (rows.length == 1 ? " row" : " rows")
                    + " under the header; expected " + n + ": " + what);
        }
    }

    /** The file's rows, columns reordered to the features; the header must name every feature. */
    private static double[][] rows(Path file, List<String> features, String spec) {
        List<CsvLines.Line> lines = CsvLines.read(file, "region");
        if (lines.isEmpty()) {
            throw new InputException(file + ": is empty; expected a header naming the feature columns ("
                    + String.join(", ", features) + "), then rows of numbers");
        }
        List<String> header = new ArrayList<>();
        for (String h : lines.get(0).fields()) {
            header.add(h.strip());
        }
        List<String> missing = new ArrayList<>();
        int[] at = new int[features.size()];
        for (int j = 0; j < features.size(); j++) {
            at[j] = header.indexOf(features.get(j));
            if (at[j] < 0) {
                missing.add(features.get(j));
            }
        }
        if (!missing.isEmpty()) {
            throw new InputException(file + " line " + lines.get(0).line() + ": the header (" + String.join(", ", header)
                    + ") lacks the feature column" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                    + "; region '" + spec + "' needs a header naming every feature");
        }
        for (String h : header) {
            if (!features.contains(h)) {
                throw new InputException(file + " line " + lines.get(0).line() + ": column '" + h
                        + "' is not a feature (features: " + String.join(", ", features) + ")");
            }
        }
        double[][] out = new double[lines.size() - 1][features.size()];
        for (int i = 1; i < lines.size(); i++) {
            CsvLines.Line l = lines.get(i);
            String[] f = l.fields();
            if (f.length != header.size()) {
                throw new InputException(file + " line " + l.line() + ": " + f.length + " values, expected "
                        + header.size() + " like the header");
            }
            for (int j = 0; j < features.size(); j++) {
                String cell = f[at[j]].strip();
                String problem = Numbers.problem(cell);
                if (problem != null) {
                    throw new InputException(file + " line " + l.line() + ", column '" + features.get(j) + "': "
                            + Numbers.quote(cell) + " " + problem);
                }
                out[i - 1][j] = Numbers.parse(cell);
            }
        }
        return out;
    }
}
