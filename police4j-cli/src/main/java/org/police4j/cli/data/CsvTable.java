package org.police4j.cli.data;

import org.police4j.io.AtomicFile;
import java.io.OutputStreamWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * A CSV file with a header row, held as strings. Read with {@link #read(Path)}, which checks
 * the structure (a header of distinct, non-empty names; every row as wide as the header) so
 * that later steps only have to check values. Every error is an {@link InputException} naming
 * the file and the 1-based line (the header is line 1), e.g.
 * {@code data.csv line 7: 3 fields, expected 4 (header: a,b,c,d)}.
 *
 * <p>Dialect: RFC 4180 (comma separated, double quotes), UTF-8 with an optional byte-order
 * mark, fields trimmed, blank lines ignored. Instances are immutable.
 */
public final class CsvTable {

    private final Path file;
    private final List<String> columns;
    private final Map<String, Integer> index;
    private final List<String[]> rows;
    private final int[] lines;

    private CsvTable(Path file, List<String> columns, List<String[]> rows, int[] lines) {
        this.file = file;
        this.columns = Collections.unmodifiableList(new ArrayList<>(columns));
        this.index = new HashMap<>();
        for (int j = 0; j < columns.size(); j++) {
            index.put(columns.get(j), j);
        }
        this.rows = rows;
        this.lines = lines;
    }

    /**
     * Reads and checks a CSV file with a header row. A file with a header and no data rows is
     * accepted ({@link #rows()} is 0); callers needing data check that themselves.
     *
     * @param file the file
     * @return the table
     * @throws InputException if the file is missing ("data file not found: PATH"), empty, has
     *     empty or duplicate column names, a row of the wrong width, or malformed quoting
     */
    public static CsvTable read(Path file) {
        List<CsvLines.Line> lines = CsvLines.read(file, "data");
        if (lines.isEmpty()) {
            throw new InputException(
                    file + ": the file is empty; expected a header row naming the columns,"
                            + " then one row per example");
        }
        CsvLines.Line head = lines.get(0);
        List<String> header = List.of(head.fields());
        checkHeader(file, head.line(), header);
        List<String[]> rows = new ArrayList<>(lines.size() - 1);
        int[] rowLines = new int[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            CsvLines.Line l = lines.get(i);
            if (l.fields().length != header.size()) {
                throw new InputException(
                        file + " line " + l.line() + ": " + l.fields().length
                                + (l.fields().length == 1 ? " field" : " fields") + ", expected "
                                + header.size() + " (header: " + String.join(",", header) + ")");
            }
            rows.add(l.fields());
            rowLines[i - 1] = l.line();
        }
        return new CsvTable(file, header, rows, rowLines);
    }

    private static void checkHeader(Path file, int line, List<String> header) {
        Map<String, Integer> first = new LinkedHashMap<>();
        for (int j = 0; j < header.size(); j++) {
            String name = header.get(j);
            if (name.isEmpty()) {
                throw new InputException(
                        file + " line " + line + ": header column " + (j + 1) + " of "
                                + header.size() + " has an empty name (header: "
                                + String.join(",", header) + "); every column needs a name");
            }
            Integer prev = first.putIfAbsent(name, j);
            if (prev != null) {
                throw new InputException(
                        file + " line " + line + ": duplicate column name '" + name
                                + "' (columns " + (prev + 1) + " and " + (j + 1)
                                + "); column names must be distinct");
            }
        }
    }

    /** The file this table was read from. */
    public Path file() {
        return file;
    }

    /** The column names in file order (unmodifiable). */
    public List<String> columns() {
        return columns;
    }

    /** Whether the header has this column. */
    public boolean hasColumn(String column) {
        return index.containsKey(column);
    }

    /** The number of data rows (the header not counted). */
    public int rows() {
        return rows.size();
    }

    /**
     * The file line (1-based, the header being line 1) on which data row i starts, for
     * messages. Blank lines and multi-line quoted fields are accounted for.
     *
     * @param row data row index in {@code [0, rows())}
     * @return the line
     */
    public int lineOf(int row) {
        checkRow(row);
        return lines[row];
    }

    /**
     * The trimmed text of one cell.
     *
     * @param row data row index in {@code [0, rows())}
     * @param column a column name
     * @return the text (possibly empty)
     * @throws InputException if the column does not exist
     */
    public String value(int row, String column) {
        checkRow(row);
        return rows.get(row)[columnIndex(column)];
    }

    /**
     * The cells of one column, top to bottom.
     *
     * @param column a column name
     * @return a new list of its texts
     * @throws InputException if the column does not exist
     */
    public List<String> strings(String column) {
        int j = columnIndex(column);
        List<String> out = new ArrayList<>(rows.size());
        for (String[] r : rows) {
            out.add(r[j]);
        }
        return out;
    }

    /**
     * The given columns as a rows x columns matrix of finite numbers.
     *
     * @param columns column names, in the order wanted
     * @return a new matrix, row i being data row i
     * @throws InputException if a column does not exist, or naming file, line, column and value
     *     if a cell is not a number ({@code data.csv line 12, column 'x2': 'abc' is not a
     *     number}) or not finite ({@code 'NaN' is not a finite number})
     */
    public double[][] numeric(List<String> columns) {
        int[] js = new int[columns.size()];
        for (int k = 0; k < js.length; k++) {
            js[k] = columnIndex(columns.get(k));
        }
        double[][] out = new double[rows.size()][js.length];
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            for (int k = 0; k < js.length; k++) {
                String text = r[js[k]];
                String problem = Numbers.problem(text);
                if (problem != null) {
                    throw new InputException(
                            file + " line " + lines[i] + ", column '" + columns.get(k) + "': "
                                    + Numbers.quote(text) + " " + problem);
                }
                out[i][k] = Numbers.parse(text);
            }
        }
        return out;
    }

    private int columnIndex(String column) {
        Integer j = index.get(column);
        if (j == null) {
            throw new InputException(
                    "column '" + column + "' not found in " + file + "; columns are: "
                            + String.join(", ", columns));
        }
        return j;
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows.size()) {
            throw new IndexOutOfBoundsException(
                    "row: " + row + "; expected 0 <= row < " + rows.size());
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a numeric CSV file atomically: the text goes to a temporary file in the same
     * directory, which is then moved over the target ({@code ATOMIC_MOVE} and
     * {@code REPLACE_EXISTING}; where the file system cannot move atomically, a plain replacing
     * move). Readers therefore see either the old file or the complete new one, and on any
     * failure the temporary file is deleted and the target is left as it was. Numbers are written
     * with {@link Double#toString(double)}, which reads back to the identical double.
     *
     * @param file the target
     * @param header distinct, non-empty column names
     * @param rows rows of {@code header.size()} finite values
     * @throws IllegalArgumentException if the header or a row is invalid (a programming error:
     *     nothing is written)
     * @throws InputException if the file cannot be written (e.g. its directory does not exist)
     */
    public static void write(Path file, List<String> header, List<double[]> rows) {
        checkWrite(header, rows);
        List<String[]> text = new ArrayList<>(rows.size());
        for (double[] r : rows) {
            String[] cells = new String[r.length];
            for (int i = 0; i < r.length; i++) {
                cells[i] = Double.toString(r[i]);
            }
            text.add(cells);
        }
        writeText(file, header, text);
    }

    /**
     * Writes a CSV of text cells atomically (same guarantees as {@link #write}).
     *
     * @throws InputException if the file cannot be written
     */
    public static void writeText(Path file, List<String> header, List<String[]> rows) {
        CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
        try {
            AtomicFile.write(file, out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                CSVPrinter p = new CSVPrinter(w, format);
                p.printRecord(header);
                for (String[] r : rows) {
                    p.printRecord((Object[]) r);
                }
                p.flush();
            });
        } catch (IOException e) {
            throw new InputException(e.getMessage(), e);
        }
    }

    private static void checkWrite(List<String> header, List<double[]> rows) {
        if (header == null || header.isEmpty()) {
            throw new IllegalArgumentException("header: is empty; expected at least one column");
        }
        if (rows == null) {
            throw new IllegalArgumentException("rows: is null; expected a list (possibly empty)");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String h : header) {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException(
                        "header: has an empty name; expected distinct, non-empty column names");
            }
            if (!h.equals(h.strip())) {
                throw new IllegalArgumentException(
                        "header: '" + h + "' has surrounding spaces, which reading trims away");
            }
            if (!seen.add(h)) {
                throw new IllegalArgumentException(
                        "header: duplicate column name '" + h + "'; expected distinct names");
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            double[] r = rows.get(i);
            if (r == null || r.length != header.size()) {
                throw new IllegalArgumentException(
                        "rows: row " + i + " has " + (r == null ? "no (null)" : r.length)
                                + " values; expected " + header.size() + ", one per column");
            }
            for (int j = 0; j < r.length; j++) {
                if (!Double.isFinite(r[j])) {
                    throw new IllegalArgumentException(
                            "rows: row " + i + ", column '" + header.get(j) + "' is " + r[j]
                                    + "; expected a finite value (it could not be read back)");
                }
            }
        }
    }

    @Override
    public String toString() {
        return "CsvTable[" + file + ", " + rows.size() + " rows, columns=" + columns + "]";
    }
}
