package org.police4j.cli.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which columns of a table are targets and which are features, from the command line's
 * {@code --target} and optional {@code --features} lists. Features default to every column that
 * is not a target, in file order. Immutable.
 */
public final class ColumnSelection {

    private final List<String> targets;
    private final List<String> features;

    private ColumnSelection(List<String> targets, List<String> features) {
        this.targets = Collections.unmodifiableList(new ArrayList<>(targets));
        this.features = Collections.unmodifiableList(new ArrayList<>(features));
    }

    /**
     * Selects the columns of a table.
     *
     * @param table the data
     * @param target the target columns (at least one)
     * @param features the feature columns, or null / empty for "all non-target columns"
     * @return the selection
     * @throws InputException see {@link #of(List, String, List, List)}
     */
    public static ColumnSelection of(CsvTable table, List<String> target, List<String> features) {
        return of(table.columns(), table.file().toString(), target, features);
    }

    /**
     * Selects columns from a list of names.
     *
     * @param columns the available columns, in order
     * @param source the data's name for messages (usually the file)
     * @param target the target columns (at least one, distinct)
     * @param features the feature columns (distinct), or null / empty for "all non-target
     *     columns"
     * @return the selection
     * @throws InputException if no target is given, a target or feature column is missing
     *     ("target column 'y' not found in data.csv; columns are: a, b, c"), a name is repeated,
     *     a column is both target and feature, or no feature is left
     */
    public static ColumnSelection of(
            List<String> columns, String source, List<String> target, List<String> features) {
        if (target == null || target.isEmpty()) {
            throw new InputException(
                    "no target column given for " + source + "; columns are: "
                            + String.join(", ", columns));
        }
        checkNames("target", target, columns, source);
        List<String> feats;
        if (features == null || features.isEmpty()) {
            feats = new ArrayList<>();
            for (String c : columns) {
                if (!target.contains(c)) {
                    feats.add(c);
                }
            }
            if (feats.isEmpty()) {
                throw new InputException(
                        "no feature column left in " + source + ": every column ("
                                + String.join(", ", columns)
                                + ") is a target; expected at least one feature column");
            }
        } else {
            checkNames("feature", features, columns, source);
            for (String f : features) {
                if (target.contains(f)) {
                    throw new InputException(
                            "column '" + f + "' of " + source
                                    + " is both a target and a feature; a column can only be one");
                }
            }
            feats = features;
        }
        return new ColumnSelection(target, feats);
    }

    private static void checkNames(
            String role, List<String> names, List<String> columns, String source) {
        Set<String> seen = new LinkedHashSet<>();
        for (String n : names) {
            if (!columns.contains(n)) {
                throw new InputException(
                        role + " column '" + n + "' not found in " + source + "; columns are: "
                                + String.join(", ", columns));
            }
            if (!seen.add(n)) {
                throw new InputException(
                        role + " column '" + n + "' is given twice; list each column once");
            }
        }
    }

    /** The target columns, in the order given (unmodifiable). */
    public List<String> targets() {
        return targets;
    }

    /** The feature columns, in the order given or in file order by default (unmodifiable). */
    public List<String> features() {
        return features;
    }

    @Override
    public String toString() {
        return "ColumnSelection[targets=" + targets + ", features=" + features + "]";
    }
}
