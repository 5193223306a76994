package org.police4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.RegionSpec;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * How a table holds one region per row, in raw feature coordinates, decided once from its columns:
 *
 * <ul>
 *   <li>{@code region}: any {@code --region} text of the command line ({@code box:...},
 *       {@code l1ball:...}, a vertex file, ...);
 *   <li>{@code vertices}: a vertex list, JSON {@code [[x1, x2, ...], ...]} (text or an array column);
 *   <li>{@code generators}: a zonotope, its centre in the feature columns and its generators as
 *       JSON {@code [[g1, g2, ...], ...]};
 *   <li>otherwise a box: its centre in the feature columns and its half-widths in {@code radius}
 *       (one for every feature) or {@code radius_<feature>} (one per feature).
 * </ul>
 * Every error names the row (counted from 1) and the column.
 */
final class RegionRows implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The table layouts. */
    enum Layout { SPEC, VERTICES, ZONOTOPE, BOX }

    private final Layout layout;
    private final String[] features;
    private final int[] centre;
    private final int column;
    private final int[] radii;

    private RegionRows(Layout layout, String[] features, int[] centre, int column, int[] radii) {
        this.layout = layout;
        this.features = features;
        this.centre = centre;
        this.column = column;
        this.radii = radii;
    }

    /**
     * Decides the layout of a table of regions.
     *
     * @param columns the table's columns
     * @param features the model's feature names
     * @return the reader
     * @throws InputException if the table has none of the layouts' columns
     */
    static RegionRows of(List<String> columns, List<String> features) {
        String[] f = features.toArray(new String[0]);
        if (columns.contains("region")) {
            return new RegionRows(Layout.SPEC, f, null, columns.indexOf("region"), null);
        }
        if (columns.contains("vertices")) {
            return new RegionRows(Layout.VERTICES, f, null, columns.indexOf("vertices"), null);
        }
        List<String> missing = new ArrayList<>();
        int[] centre = new int[f.length];
        for (int j = 0; j < f.length; j++) {
            centre[j] = columns.indexOf(f[j]);
            if (centre[j] < 0) {
                missing.add(f[j]);
            }
        }
        String expected = "; a region table has a column 'region' (a --region text), 'vertices' (JSON [[...], ...]),"
                + " or the centre columns " + String.join(", ", features) + " with 'generators' (a zonotope),"
                + " 'radius' or 'radius_<feature>' (a box); it has " + String.join(", ", columns);
        if (!missing.isEmpty()) {
            throw new InputException("the region table lacks the centre column" + (missing.size() == 1 ? " '" : "s '")
                    + String.join("', '", missing) + "'" + expected);
        }
        if (columns.contains("generators")) {
            return new RegionRows(Layout.ZONOTOPE, f, centre, columns.indexOf("generators"), null);
        }
        if (columns.contains("radius")) {
            return new RegionRows(Layout.BOX, f, centre, columns.indexOf("radius"), null);
        }
        int[] radii = new int[f.length];
        for (int j = 0; j < f.length; j++) {
            radii[j] = columns.indexOf("radius_" + f[j]);
            if (radii[j] < 0) {
                throw new InputException("the region table lacks the column 'radius_" + f[j] + "'" + expected);
            }
        }
        return new RegionRows(Layout.BOX, f, centre, -1, radii);
    }

    /** {@return whether the rows are boxes (the radius search applies to them)} */
    boolean boxes() {
        return layout == Layout.BOX;
    }

    /**
     * Reads one row's region.
     *
     * @param row the row
     * @param number the row's 0-based number in the table
     * @return the region, raw coordinates
     * @throws InputException naming the row and the column
     */
    Region read(Row row, long number) {
        String at = "row " + (number + 1);
        try {
            switch (layout) {
                case SPEC: {
                    Object spec = row.get(column);
                    if (spec == null) {
                        throw new InputException(at + ", column 'region': empty");
                    }
                    return RegionSpec.parseAny(spec.toString().strip(), null, Arrays.asList(features));
                }
                case VERTICES:
                    return VertexRegion.of(matrix(row.get(column), at + ", column 'vertices'"));
                case ZONOTOPE:
                    return Zonotope.of(SparkPredict.Cells.numbers(row, centre, features, number),
                            matrix(row.get(column), at + ", column 'generators'"));
                default: {
                    double[] c = SparkPredict.Cells.numbers(row, centre, features, number);
                    double[] r = new double[features.length];
                    for (int j = 0; j < r.length; j++) {
                        r[j] = column >= 0
                                ? SparkPredict.Cells.number(row.get(column), at + ", column 'radius'")
                                : SparkPredict.Cells.number(row.get(radii[j]), at + ", column 'radius_" + features[j] + "'");
                    }
                    return Box.of(c, r);
                }
            }
        } catch (InputException e) {
            throw e.getMessage().startsWith(at) ? e : new InputException(at + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InputException(at + ": " + e.getMessage(), e);
        }
    }

    /** A matrix from JSON text or an array column of arrays. */
    private static double[][] matrix(Object cell, String where) {
        JsonNode node;
        try {
            node = cell instanceof String s ? JSON.readTree(s) : JSON.valueToTree(javaLists(cell));
        } catch (Exception e) {
            throw new InputException(where + ": not JSON [[...], ...]: " + e.getMessage(), e);
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new InputException(where + ": expected a non-empty JSON array of rows [[...], ...], got " + cell);
        }
        double[][] m = new double[node.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonNode r = node.get(i);
            if (!r.isArray()) {
                throw new InputException(where + ": entry " + i + " is " + r + ", not an array of numbers");
            }
            m[i] = new double[r.size()];
            for (int j = 0; j < m[i].length; j++) {
                if (!r.get(j).isNumber() || !Double.isFinite(r.get(j).asDouble())) {
                    throw new InputException(where + ": entry [" + i + "][" + j + "] is " + r.get(j) + ", not a finite number");
                }
                m[i][j] = r.get(j).asDouble();
            }
        }
        return m;
    }

    private static Object javaLists(Object cell) {
        if (cell instanceof scala.collection.Seq<?> s) {
            List<Object> out = new ArrayList<>();
            for (Object o : scala.jdk.javaapi.CollectionConverters.asJava(s)) {
                out.add(javaLists(o));
            }
            return out;
        }
        if (cell instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(javaLists(o));
            }
            return out;
        }
        return cell;
    }
}
