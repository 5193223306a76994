package org.police4j.region;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * What defines a region, free of any file format: a kind and named fields. Each region writes its
 * own ({@link Region#record()}) and {@link #toRegion()} turns a record back into a region through
 * that kind's validating factory, so the formats (the record DJL's {@code Model.save} carries,
 * {@code model.json}) loop over fields and never name a kind: a new kind of region is added in
 * this package alone.
 *
 * <p>Field values are text, float64 numbers, vectors and matrices (rows may differ in length),
 * kept exactly: doubles by their bits. The name is kept apart from the fields because it labels
 * reports without changing the region's points, so a format may leave it out; the kind's usual
 * name is then used.
 */
public final class RegionRecord {

    /** The kinds that can be read back, in the order error messages list them. */
    private static final Map<String, Function<RegionRecord, Region>> READERS = readers();

    private final String kind;
    private final String name;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private RegionRecord(String kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    private static Map<String, Function<RegionRecord, Region>> readers() {
        Map<String, Function<RegionRecord, Region>> m = new LinkedHashMap<>();
        m.put(VertexRegion.KIND, VertexRegion::fromRecord);
        m.put(Box.KIND, Box::fromRecord);
        m.put(L1Ball.KIND, L1Ball::fromRecord);
        m.put(Zonotope.KIND, Zonotope::fromRecord);
        return Collections.unmodifiableMap(m);
    }

    /**
     * Starts an empty record.
     *
     * @param kind the region's kind, e.g. {@code "box"}; null for a record written before kinds
     *     were recorded, which only vertex regions wrote
     * @param name the region's name, or null when the format did not keep it
     * @return the record, to be filled with {@code put}
     */
    public static RegionRecord of(String kind, String name) {
        return new RegionRecord(kind == null ? VertexRegion.KIND : kind, name);
    }

    /** {@return the kinds {@link #toRegion()} reads, e.g. vertices, box, l1ball, zonotope} */
    public static Set<String> kinds() {
        return READERS.keySet();
    }

    /** {@return the region's kind} */
    public String kind() {
        return kind;
    }

    /** {@return the region's name, or null when the format did not keep it} */
    public String name() {
        return name;
    }

    /** {@return whether {@link #toRegion()} knows this kind (a region of another kind can be recorded, not read)} */
    public boolean readable() {
        return READERS.containsKey(kind);
    }

    /**
     * Adds a text field.
     *
     * @param field the field's name, unique in the record, neither "kind" nor "name"
     * @param value the text
     * @return this record
     */
    public RegionRecord put(String field, String value) {
        return add(field, Objects.requireNonNull(value, field));
    }

    /**
     * Adds a number, kept by its bits.
     *
     * @param field the field's name, unique in the record, neither "kind" nor "name"
     * @param value the number
     * @return this record
     */
    public RegionRecord put(String field, double value) {
        return add(field, value);
    }

    /**
     * Adds a vector, kept by its bits.
     *
     * @param field the field's name, unique in the record, neither "kind" nor "name"
     * @param value the values (copied)
     * @return this record
     */
    public RegionRecord put(String field, double[] value) {
        return add(field, value.clone());
    }

    /**
     * Adds a matrix (rows may differ in length), kept by its bits.
     *
     * @param field the field's name, unique in the record, neither "kind" nor "name"
     * @param value the rows (copied)
     * @return this record
     */
    public RegionRecord put(String field, double[][] value) {
        return add(field, copy(value));
    }

    /**
     * Adds a field whose type a format found at run time, for readers that loop over what they
     * read.
     *
     * @param field the field's name, unique in the record, neither "kind" nor "name"
     * @param value a {@code String}, {@code Double}, {@code double[]} or {@code double[][]}
     * @return this record
     * @throws IllegalArgumentException naming the field if the value is of another type
     */
    public RegionRecord putValue(String field, Object value) {
        if (value instanceof String s) {
            return put(field, s);
        }
        if (value instanceof Double d) {
            return put(field, d.doubleValue());
        }
        if (value instanceof double[] v) {
            return put(field, v);
        }
        if (value instanceof double[][] m) {
            return put(field, m);
        }
        throw new IllegalArgumentException("value: field '" + field + "' of a " + kind + " region holds "
                + (value == null ? "null" : "a " + value.getClass().getSimpleName())
                + "; expected text, a number, a vector or a matrix");
    }

    private RegionRecord add(String field, Object value) {
        Objects.requireNonNull(field, "field");
        if (field.equals("kind") || field.equals("name")) {
            throw new IllegalArgumentException(
                    "field: '" + field + "' is reserved for the record's own " + field + "; choose another name");
        }
        if (fields.putIfAbsent(field, value) != null) {
            throw new IllegalArgumentException("field: '" + field + "' is already in the " + kind + " record");
        }
        return this;
    }

    /**
     * The fields in the order they were put, for writers that loop over them.
     *
     * @return a fresh map from field name to a fresh {@code String}, {@code Double}, {@code
     *     double[]} or {@code double[][]}
     */
    public Map<String, Object> fields() {
        Map<String, Object> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> copy.put(k, v instanceof double[] a ? a.clone() : v instanceof double[][] m ? copy(m) : v));
        return copy;
    }

    /**
     * A text field.
     *
     * @param field the field's name
     * @return its text
     * @throws IllegalArgumentException naming the kind and the field if it is missing or not text
     */
    public String text(String field) {
        return (String) get(field, String.class, "text");
    }

    /**
     * A number field.
     *
     * @param field the field's name
     * @return its value
     * @throws IllegalArgumentException naming the kind and the field if it is missing or not a number
     */
    public double number(String field) {
        return (Double) get(field, Double.class, "a number");
    }

    /**
     * A vector field.
     *
     * @param field the field's name
     * @return a copy of its values
     * @throws IllegalArgumentException naming the kind and the field if it is missing or not a vector
     */
    public double[] vector(String field) {
        return ((double[]) get(field, double[].class, "a list of numbers")).clone();
    }

    /**
     * A matrix field. An empty vector counts as an empty matrix, since a format such as JSON cannot
     * tell an empty list of numbers from an empty list of rows.
     *
     * @param field the field's name
     * @return a copy of its rows
     * @throws IllegalArgumentException naming the kind and the field if it is missing or not a matrix
     */
    public double[][] matrix(String field) {
        if (fields.get(field) instanceof double[] v && v.length == 0) {
            return new double[0][];
        }
        return copy((double[][]) get(field, double[][].class, "a list of rows of numbers"));
    }

    private Object get(String field, Class<?> type, String expected) {
        Object value = fields.get(field);
        if (value == null) {
            throw new IllegalArgumentException(
                    "region (" + kind + "): field '" + field + "' is missing; expected " + expected);
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("region (" + kind + "): field '" + field + "' is " + describe(value)
                    + "; expected " + expected);
        }
        return value;
    }

    private static String describe(Object value) {
        if (value instanceof String) {
            return "text";
        }
        if (value instanceof Double) {
            return "a number";
        }
        return value instanceof double[] ? "a list of numbers" : "a list of rows";
    }

    /**
     * The region this record describes, built by its kind's own factory, so that a bad value gets
     * the same message as from code.
     *
     * @return a fresh region
     * @throws IllegalArgumentException if the kind is unknown, a field is missing or of the wrong
     *     type (naming the kind and the field), or the values do not make a region
     */
    public Region toRegion() {
        Function<RegionRecord, Region> reader = READERS.get(kind);
        if (reader == null) {
            throw new IllegalArgumentException("region: unknown kind '" + kind + "'; expected one of "
                    + String.join(", ", READERS.keySet()));
        }
        return reader.apply(this);
    }

    private static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    /** Equal when kind, name and every field are; doubles by their bits. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RegionRecord r) || !kind.equals(r.kind) || !Objects.equals(name, r.name)
                || !fields.keySet().equals(r.fields.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (!Arrays.deepEquals(new Object[] {e.getValue()}, new Object[] {r.fields.get(e.getKey())})) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, name, Arrays.deepHashCode(fields.values().toArray()), fields.keySet());
    }

    /** {@return the kind, the name and the field names, e.g. {@code box "linf ball" [center, radii]}} */
    @Override
    public String toString() {
        return kind + (name == null ? "" : " \"" + name + "\"") + " " + fields.keySet();
    }
}
