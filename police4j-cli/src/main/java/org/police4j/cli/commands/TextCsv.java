package org.police4j.cli.commands;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.police4j.cli.data.InputException;

/**
 * Writes a CSV file of text cells (numbers already formatted, labels as they are) atomically: a
 * temporary file in the same directory is moved over the target, so readers see the old file or
 * the complete new one.
 */
final class TextCsv {

    private TextCsv() {}

    static void write(Path file, List<String> header, List<String[]> rows) {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new InputException("cannot write " + file + ": directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new InputException("cannot write " + file + ": it is a directory");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                    CSVPrinter p = new CSVPrinter(w, format)) {
                p.printRecord(header);
                for (String[] r : rows) {
                    p.printRecord((Object[]) r);
                }
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new InputException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
