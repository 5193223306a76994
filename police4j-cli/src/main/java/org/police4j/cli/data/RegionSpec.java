package org.police4j.cli.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.police4j.numeric.Float32;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

/**
 * Parses the command line's {@code --region} argument into a {@link VertexRegion}. Accepted
 * forms (see {@link #FORMS}):
 *
 * <ul>
 *   <li>{@code simplex:D}: the paper's simplex {@code [0; I_D] / sqrt(D)} (D + 1 vertices);
 *   <li>{@code box:LO,HI,D}: the cube {@code [LO, HI]^D} (2^D vertices);
 *   <li>{@code l1ball:C1,...,Cd,RADIUS}: the l1 ball, centre coordinates first, radius last
 *       (2d vertices);
 *   <li>{@code square}, {@code triangle}, {@code octagon}, {@code circle}: the paper's 2-D
 *       regions;
 *   <li>{@code PATH.csv}: one vertex per row; a header row is optional and recognised by not
 *       being all numbers;
 *   <li>{@code PATH.json}: {@code {"vertices": [[...], ...]}} or the H-representation
 *       {@code {"A": [[...], ...], "b": [...]}} meaning {@code {x : A x <= b}}, either with an
 *       optional {@code "name"}.
 * </ul>
 *
 * Every failure is an {@link InputException} naming the spec or file, and for files the line
 * (CSV) or line and column (malformed JSON).
 */
public final class RegionSpec {

    /** The accepted forms, for help texts and error messages. */
    public static final String FORMS =
            "simplex:D, box:LO,HI,D, l1ball:C1,...,Cd,RADIUS, square, triangle, octagon, circle,"
                    + " a .csv file of vertices (one per row, header optional), a .json file"
                    + " with \"vertices\" or \"A\" and \"b\"; for many features: " + SupportRegionSpec.FORMS;

    /** Largest D accepted by {@code simplex:D} ((D + 1) x D doubles are allocated). */
    public static final int MAX_SIMPLEX_DIMENSION = 2048;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RegionSpec() {}

    /**
     * Parses a region spec.
     *
     * @param spec the {@code --region} text
     * @param baseDir directory against which relative file paths are resolved, or null for the
     *     working directory
     * @return the region, named after the builder, the JSON "name", or the file name
     * @throws InputException if the spec is malformed, the file is missing or invalid, or the
     *     region is empty or not finite
     */
    public static VertexRegion parse(String spec, Path baseDir) {
        if (spec == null || spec.isBlank()) {
            throw new InputException("no region given; expected one of: " + FORMS);
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String head = Numbers.lower(colon < 0 ? s : s.substring(0, colon));
        String args = colon < 0 ? null : s.substring(colon + 1);
        switch (head) {
            case "simplex":
                return simplex(s, args);
            case "box":
                return box(s, args);
            case "l1ball":
                return l1ball(s, args);
            case "square":
            case "triangle":
            case "octagon":
            case "circle":
                return paper(s, head, args);
            default:
                break;
        }
        String lower = Numbers.lower(s);
        Path file;
        try {
            file = Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            throw new InputException(
                    "unknown region '" + s + "' (not a valid file path: " + e.getReason()
                            + "); expected one of: " + FORMS, e);
        }
        if (baseDir != null && !file.isAbsolute()) {
            file = baseDir.resolve(file);
        }
        if (lower.endsWith(".csv")) {
            return fromCsv(file);
        }
        if (lower.endsWith(".json")) {
            return fromJson(file);
        }
        if (Files.isRegularFile(file)) {
            throw new InputException(
                    "region file " + file + " must end in .csv or .json so its format is known");
        }
        throw new InputException("unknown region '" + s + "'; expected one of: " + FORMS);
    }

    /**
     * Any {@code --region} form, the support forms of {@link SupportRegionSpec} included (except
     * {@code box-quantiles}, which needs the training rows: see {@link
     * SupportRegionSpec#quantileBox}).
     *
     * @param features the feature columns, which the support forms' CSV headers must name
     */
    public static org.police4j.region.Region parseAny(String spec, Path baseDir, List<String> features) {
        if (spec != null && SupportRegionSpec.handles(spec)) {
            return SupportRegionSpec.parse(spec, baseDir, features);
        }
        return parse(spec, baseDir);
    }

    /** {@link #parse(String, Path)} relative to the working directory. */
    public static VertexRegion parse(String spec) {
        return parse(spec, null);
    }

    // ---------------------------------------------------------------- named builders

    private static VertexRegion simplex(String spec, String args) {
        String[] a = args(spec, args, 1, "simplex:D");
        int d = integer(spec, a[0], "simplex:D");
        if (d < 1 || d > MAX_SIMPLEX_DIMENSION) {
            throw new InputException(
                    "region '" + spec + "': dimension " + d + "; expected 1 <= D <= "
                            + MAX_SIMPLEX_DIMENSION);
        }
        return build(spec, () -> Regions.simplex(d));
    }

    private static VertexRegion box(String spec, String args) {
        String[] a = args(spec, args, 3, "box:LO,HI,D");
        double lo = number(spec, a[0], "box:LO,HI,D");
        double hi = number(spec, a[1], "box:LO,HI,D");
        int d = integer(spec, a[2], "box:LO,HI,D");
        if (d > Regions.MAX_BOX_VERTEX_DIMENSION) {
            // the library's message names its Java factories; a command-line user needs the flags
            throw new InputException("region '" + spec + "': dimension " + d + " would need 2^" + d
                    + " corners, too many for a vertex list (box:LO,HI,D takes D <= "
                    + Regions.MAX_BOX_VERTEX_DIMENSION + "); give a box of many features by its support:"
                    + " --region box-rows:FILE.csv, box-around:FILE.csv or box-quantiles:QLO,QHI (docs/CLI.md)");
        }
        return build(spec, () -> Regions.box(lo, hi, d));
    }

    private static VertexRegion l1ball(String spec, String args) {
        String form = "l1ball:C1,...,Cd,RADIUS";
        if (args == null || args.isBlank()) {
            throw new InputException(
                    "region '" + spec + "': missing centre and radius; expected " + form);
        }
        String[] a = args.split(",", -1);
        if (a.length < 2) {
            throw new InputException(
                    "region '" + spec + "': " + a.length + " value given; expected " + form
                            + " (at least one centre coordinate, then the radius)");
        }
        double[] c = new double[a.length - 1];
        for (int i = 0; i < c.length; i++) {
            c[i] = number(spec, a[i].strip(), form);
        }
        double r = number(spec, a[a.length - 1].strip(), form);
        return build(spec, () -> Regions.l1Ball(c, r));
    }

    private static VertexRegion paper(String spec, String name, String args) {
        if (args != null) {
            throw new InputException(
                    "region '" + spec + "': '" + name + "' takes no parameters; write just '"
                            + name + "'");
        }
        return switch (name) {
            case "square" -> Regions.paperSquare();
            case "triangle" -> Regions.paperTriangle();
            case "octagon" -> Regions.paperOctagon();
            default -> Regions.paperCircle();
        };
    }

    private static String[] args(String spec, String args, int n, String form) {
        if (args == null || args.isBlank()) {
            throw new InputException("region '" + spec + "': missing parameters; expected " + form);
        }
        String[] a = args.split(",", -1);
        if (a.length != n) {
            throw new InputException(
                    "region '" + spec + "': " + a.length + (a.length == 1 ? " value" : " values")
                            + " given; expected " + n + ", as in " + form);
        }
        for (int i = 0; i < n; i++) {
            a[i] = a[i].strip();
        }
        return a;
    }

    private static double number(String spec, String text, String form) {
        String problem = Numbers.problem(text);
        if (problem != null) {
            throw new InputException(
                    "region '" + spec + "': " + Numbers.quote(text) + " " + problem
                            + "; expected " + form);
        }
        return Numbers.parse(text);
    }

    private static int integer(String spec, String text, String form) {
        if (!text.matches("[+-]?\\d{1,9}")) {
            throw new InputException(
                    "region '" + spec + "': " + Numbers.quote(text)
                            + " is not a whole number; expected " + form);
        }
        return Integer.parseInt(text);
    }

    private static VertexRegion build(String source, java.util.function.Supplier<VertexRegion> f) {
        try {
            return f.get();
        } catch (IllegalArgumentException e) {
            throw new InputException("region '" + source + "': " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- CSV

    private static VertexRegion fromCsv(Path file) {
        List<CsvLines.Line> lines = CsvLines.read(file, "region");
        List<String> header = null;
        int first = 0;
        if (!lines.isEmpty()) {
            boolean allNumbers = true;
            for (String f : lines.get(0).fields()) {
                allNumbers &= Numbers.isNumber(f);
            }
            if (!allNumbers) {
                header = List.of(lines.get(0).fields());
                first = 1;
            }
        }
        if (lines.size() <= first) {
            throw new InputException(
                    file + ": has no vertices; expected one vertex per row"
                            + " (an optional header row, then rows of coordinates)");
        }
        int d = header != null ? header.size() : lines.get(first).fields().length;
        int widthLine = header != null ? lines.get(0).line() : lines.get(first).line();
        double[][] v = new double[lines.size() - first][];
        for (int i = first; i < lines.size(); i++) {
            CsvLines.Line l = lines.get(i);
            String[] f = l.fields();
            if (f.length != d) {
                throw new InputException(
                        file + " line " + l.line() + ": " + f.length
                                + (f.length == 1 ? " value" : " values") + ", expected " + d
                                + " like line " + widthLine);
            }
            v[i - first] = new double[d];
            for (int j = 0; j < d; j++) {
                String problem = Numbers.problem(f[j]);
                if (problem != null) {
                    String col = header != null
                            ? "column '" + header.get(j) + "'"
                            : "column " + (j + 1);
                    throw new InputException(
                            file + " line " + l.line() + ", " + col + ": "
                                    + Numbers.quote(f[j]) + " " + problem);
                }
                v[i - first][j] = Numbers.parse(f[j]);
            }
        }
        return vertexRegion(file.toString(), stem(file), v);
    }

    // ---------------------------------------------------------------- JSON

    private static VertexRegion fromJson(Path file) {
        if (!Files.exists(file)) {
            throw new InputException("region file not found: " + file);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null
                    ? ""
                    : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new InputException(
                    file + ": malformed JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InputException("cannot read " + file + ": " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new InputException(file + ": the file is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw new InputException(
                    file + ": is a JSON " + Numbers.lower(root.getNodeType().toString())
                            + "; expected an object with \"vertices\" or \"A\" and \"b\"");
        }
        String src = file.toString();
        String name = stem(file);
        JsonNode n = root.get("name");
        if (n != null) {
            if (!n.isTextual()) {
                throw new InputException(src + ": \"name\" is " + n + "; expected a string");
            }
            name = n.asText();
        }
        boolean hasV = root.has("vertices");
        boolean hasA = root.has("A");
        boolean hasB = root.has("b");
        if (hasV && (hasA || hasB)) {
            throw new InputException(
                    src + ": has both \"vertices\" and \"" + (hasA ? "A" : "b")
                            + "\"; give either the vertices or the halfspaces A x <= b, not both");
        }
        if (hasV) {
            return vertexRegion(src, name, matrix(src, root.get("vertices"), "vertices"));
        }
        if (hasA != hasB) {
            throw new InputException(
                    src + ": has \"" + (hasA ? "A" : "b") + "\" but no \"" + (hasA ? "b" : "A")
                            + "\"; the halfspace form needs both (A x <= b)");
        }
        if (hasA) {
            double[][] a = matrix(src, root.get("A"), "A");
            double[] b = vector(src, root.get("b"), "b");
            VertexRegion r;
            try {
                r = Regions.fromHalfspaces(a, b);
            } catch (IllegalArgumentException e) {
                throw new InputException(src + ": " + e.getMessage(), e);
            }
            return vertexRegion(src, name, r.vertices());
        }
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            keys.add("\"" + it.next() + "\"");
        }
        throw new InputException(
                src + ": has neither \"vertices\" nor \"A\" and \"b\" (keys found: "
                        + (keys.isEmpty() ? "none" : String.join(", ", keys))
                        + "); expected {\"vertices\": [[...], ...]} or"
                        + " {\"A\": [[...], ...], \"b\": [...]}");
    }

    private static double[][] matrix(String src, JsonNode node, String key) {
        if (!node.isArray()) {
            throw new InputException(
                    src + ": \"" + key + "\" is " + node + "; expected an array of rows");
        }
        double[][] m = new double[node.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = vector(src, node.get(i), key + "[" + i + "]");
        }
        return m;
    }

    private static double[] vector(String src, JsonNode node, String what) {
        if (!node.isArray()) {
            throw new InputException(
                    src + ": " + what + " is " + node + "; expected an array of numbers");
        }
        double[] v = new double[node.size()];
        for (int j = 0; j < v.length; j++) {
            JsonNode e = node.get(j);
            if (!e.isNumber()) {
                throw new InputException(
                        src + ": " + what + "[" + j + "] is " + e + "; expected a number");
            }
            v[j] = e.asDouble();
            try {
                Float32.require(what + "[" + j + "]", v[j]);
            } catch (IllegalArgumentException ex) {
                throw new InputException(src + ": " + ex.getMessage(), ex);
            }
        }
        return v;
    }

    // ---------------------------------------------------------------- helpers

    private static VertexRegion vertexRegion(String source, String name, double[][] v) {
        try {
            return VertexRegion.of(name, v);
        } catch (IllegalArgumentException e) {
            throw new InputException(source + ": " + e.getMessage(), e);
        }
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /**
     * Checks that a region fits the data.
     *
     * @param r the region
     * @param features the number of feature columns
     * @param source the region's spec, for the message
     * @throws InputException "region 'simplex:3' has dimension 3 but the data has 2 features"
     */
    public static void requireDimension(VertexRegion r, int features, String source) {
        if (r.dimension() != features) {
            throw new InputException(
                    "region '" + source + "' has dimension " + r.dimension()
                            + " but the data has " + features
                            + (features == 1 ? " feature" : " features"));
        }
    }

    /**
     * Checks that a region fits the data, naming the features in the message.
     *
     * @param r the region
     * @param features the feature column names
     * @param source the region's spec, for the message
     * @throws InputException "region 'simplex:3' has dimension 3 but the data has 2 features
     *     (x1, x2)"
     */
    public static void requireDimension(org.police4j.region.Region r, List<String> features, String source) {
        if (r.dimension() != features.size()) {
            throw new InputException(
                    "region '" + source + "' has dimension " + r.dimension()
                            + " but the data has " + features.size()
                            + (features.size() == 1 ? " feature" : " features") + " ("
                            + String.join(", ", features) + ")");
        }
    }
}
