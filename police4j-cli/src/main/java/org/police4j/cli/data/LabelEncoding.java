package org.police4j.cli.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Class labels of a classification target, mapped to indices 0..K-1. Labels are the exact
 * (trimmed) strings of the target column, sorted: numerically when every label is a number (so
 * "10" comes after "9"), otherwise lexicographically by {@link String#compareTo}. The order is
 * stored with the model ({@link #toJson()}, {@link #fromJson}) so that predictions map back to
 * the same labels. Immutable.
 *
 * <p>Two labels that are different strings for the same number ("1" and "1.0") are refused:
 * they would silently become two classes.
 */
public final class LabelEncoding {

    private final List<String> labels;
    private final Map<String, Integer> index;

    private LabelEncoding(List<String> labels) {
        this.labels = Collections.unmodifiableList(new ArrayList<>(labels));
        this.index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
    }

    /**
     * Fits the encoding to a column of a table; errors name the file and line.
     *
     * @param table the data
     * @param column the target column
     * @return the encoding
     * @throws InputException if a label is empty or there are fewer than 2 classes
     */
    public static LabelEncoding fit(CsvTable table, String column) {
        List<String> values = table.strings(column);
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isEmpty()) {
                throw new InputException(
                        table.file() + " line " + table.lineOf(i) + ", column '" + column
                                + "': the label is empty; expected a class label");
            }
        }
        return fit(column, values);
    }

    /**
     * Fits the encoding to the values of a column.
     *
     * @param column the column's name, for messages
     * @param values its values
     * @return the encoding
     * @throws InputException if a label is empty, two labels are the same number written
     *     differently, or there are fewer than 2 classes ("classification needs at least 2
     *     classes; column 'y' has only '1'")
     */
    public static LabelEncoding fit(String column, Collection<String> values) {
        TreeSet<String> distinct = new TreeSet<>();
        for (String v : values) {
            if (v == null || v.isEmpty()) {
                throw new InputException(
                        "column '" + column + "': has an empty label; expected a class label");
            }
            distinct.add(v);
        }
        if (distinct.size() < 2) {
            throw new InputException(
                    "classification needs at least 2 classes; column '" + column + "' has "
                            + (distinct.isEmpty()
                                    ? "no labels"
                                    : "only '" + distinct.first() + "'"));
        }
        return new LabelEncoding(sorted(column, distinct));
    }

    private static List<String> sorted(String column, Collection<String> distinct) {
        List<String> out = new ArrayList<>(distinct);
        boolean numeric = out.stream().allMatch(Numbers::isNumber);
        if (numeric) {
            out.sort(Comparator.comparingDouble(Numbers::parse));
            for (int i = 1; i < out.size(); i++) {
                if (Numbers.parse(out.get(i)) == Numbers.parse(out.get(i - 1))) {
                    throw new InputException(
                            "column '" + column + "': labels '" + out.get(i - 1) + "' and '"
                                    + out.get(i) + "' are the same number written differently;"
                                    + " write each class the same way everywhere");
                }
            }
        } else {
            Collections.sort(out);
        }
        return out;
    }

    /**
     * An encoding with the labels in the given order (as stored with a model).
     *
     * @param labels at least 2 distinct, non-empty labels; label i gets index i
     * @return the encoding
     * @throws InputException if the labels are fewer than 2, empty or repeated
     */
    public static LabelEncoding ofLabels(List<String> labels) {
        if (labels == null || labels.size() < 2) {
            throw new InputException(
                    "labels: " + (labels == null ? "none" : labels)
                            + "; classification needs at least 2 classes");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String l : labels) {
            if (l == null || l.isEmpty()) {
                throw new InputException("labels: " + labels + " has an empty label");
            }
            if (!seen.add(l)) {
                throw new InputException(
                        "labels: '" + l + "' appears twice in " + labels
                                + "; expected distinct labels");
            }
        }
        return new LabelEncoding(labels);
    }

    /** The number of classes K. */
    public int classes() {
        return labels.size();
    }

    /** The labels, label i having index i (unmodifiable). */
    public List<String> labels() {
        return labels;
    }

    /**
     * @param label a label seen at fitting
     * @return its class index
     * @throws InputException if the label is unknown (naming it and the known labels)
     */
    public int index(String label) {
        Integer i = index.get(label);
        if (i == null) {
            throw new InputException(
                    "unknown label '" + label + "'; the known labels are: "
                            + String.join(", ", labels));
        }
        return i;
    }

    /**
     * Encodes a column of a table, naming file, line and column for an unknown label.
     *
     * @param table the data
     * @param column the label column
     * @return the class index of each row
     * @throws InputException if a row has a label not seen at fitting
     */
    public int[] encode(CsvTable table, String column) {
        List<String> values = table.strings(column);
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            Integer k = index.get(values.get(i));
            if (k == null) {
                throw new InputException(
                        table.file() + " line " + table.lineOf(i) + ", column '" + column
                                + "': unknown label '" + values.get(i)
                                + "'; the known labels are: " + String.join(", ", labels));
            }
            out[i] = k;
        }
        return out;
    }

    /**
     * @param index a class index in {@code [0, classes())}
     * @return its label
     */
    public String label(int index) {
        if (index < 0 || index >= labels.size()) {
            throw new IndexOutOfBoundsException(
                    "index: " + index + "; expected 0 <= index < " + labels.size());
        }
        return labels.get(index);
    }

    /** The labels in index order as a JSON array of strings, for the model's metadata. */
    public ArrayNode toJson() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        labels.forEach(a::add);
        return a;
    }

    /**
     * Reads labels stored by {@link #toJson()}.
     *
     * @param node a JSON array of strings
     * @param source where it came from, for messages (e.g. the metadata file)
     * @return the encoding
     * @throws InputException if the node is not an array of at least 2 distinct strings
     */
    public static LabelEncoding fromJson(JsonNode node, String source) {
        if (node == null || !node.isArray()) {
            throw new InputException(
                    source + ": labels are " + (node == null ? "missing" : node.getNodeType())
                            + "; expected a JSON array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode e = node.get(i);
            if (!e.isTextual()) {
                throw new InputException(
                        source + ": labels[" + i + "] is " + e + "; expected a string");
            }
            out.add(e.asText());
        }
        try {
            return ofLabels(out);
        } catch (InputException e) {
            throw new InputException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelEncoding other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "LabelEncoding" + labels;
    }
}
