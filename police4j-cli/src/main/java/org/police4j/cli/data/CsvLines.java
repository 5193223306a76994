package org.police4j.cli.data;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file into records that remember the file line they start on. Shared by
 * {@link CsvTable} (header required) and {@link RegionSpec} (header optional).
 *
 * <p>The whole file is read as UTF-8 text first (a leading byte-order mark is dropped, since
 * commons-csv would otherwise glue it to the first column name). Line numbers come from each
 * record's character position in that text, skipping the blank lines commons-csv ignores in
 * front of a record, so multi-line quoted fields and blank lines do not shift them.
 */
final class CsvLines {

    /** The CSV dialect: RFC 4180 with fields trimmed and blank lines ignored. */
    static final CSVFormat FORMAT =
            CSVFormat.DEFAULT.builder().setTrim(true).setIgnoreEmptyLines(true).get();

    /** One record: its fields and the 1-based file line it starts on. */
    record Line(int line, String[] fields) {}

    private CsvLines() {}

    /**
     * @param file the file
     * @param what "data" or "region", for the not-found message
     * @return the non-blank records in file order
     * @throws InputException if the file is missing, unreadable, not UTF-8 or malformed
     */
    static List<Line> read(Path file, String what) {
        String text = readText(file, what);
        int[] lineStarts = lineStarts(text);
        List<Line> out = new ArrayList<>();
        long lastEnd = 0; // line on which the previous record ended
        try (CSVParser parser = CSVParser.parse(text, FORMAT)) {
            Iterator<CSVRecord> it = parser.iterator();
            while (true) {
                CSVRecord r;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    r = it.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    int line = firstNonBlankLine(text, lineStarts, (int) lastEnd + 1);
                    throw new InputException(
                            file + " line " + line + ": malformed CSV (" + cause.getMessage()
                                    + "); check the quotes: a quoted field must end with a quote"
                                    + " followed by a comma or the end of the line",
                            e);
                }
                lastEnd = parser.getCurrentLineNumber();
                int line = lineAt(text, lineStarts, (int) r.getCharacterPosition());
                out.add(new Line(line, r.values()));
            }
        } catch (IOException e) {
            throw new InputException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String readText(Path file, String what) {
        if (!Files.exists(file)) {
            throw new InputException(what + " file not found: " + file);
        }
        if (Files.isDirectory(file)) {
            throw new InputException(what + " file " + file + " is a directory; expected a file");
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .decode(java.nio.ByteBuffer.wrap(bytes))
                            .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw new InputException(what + " file not found: " + file, e);
        } catch (CharacterCodingException e) {
            throw new InputException(
                    file + ": is not UTF-8 text; expected a UTF-8 (or ASCII) CSV file", e);
        } catch (IOException e) {
            throw new InputException("cannot read " + file + ": " + e, e);
        }
    }

    /** Offsets at which each line starts; a line ends at \n, \r\n or a lone \r. */
    private static int[] lineStarts(String text) {
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean end = c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'));
            if (end) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, 2 * n);
                }
                starts[n++] = i + 1;
            }
        }
        return Arrays.copyOf(starts, n);
    }

    /** The 1-based line of the first non-line-break character at or after pos. */
    private static int lineAt(String text, int[] lineStarts, int pos) {
        while (pos < text.length() && (text.charAt(pos) == '\n' || text.charAt(pos) == '\r')) {
            pos++;
        }
        int k = Arrays.binarySearch(lineStarts, pos);
        return (k >= 0 ? k : -k - 2) + 1;
    }

    /** The first line at or after line (1-based) that is not empty. */
    private static int firstNonBlankLine(String text, int[] lineStarts, int line) {
        if (line - 1 >= lineStarts.length) {
            return lineStarts.length;
        }
        return lineAt(text, lineStarts, lineStarts[line - 1]);
    }
}
