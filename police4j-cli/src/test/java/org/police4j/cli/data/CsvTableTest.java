package org.police4j.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableTest {

    @TempDir Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsHeaderAndValues() throws IOException {
        Path p = file("data.csv", "a, b ,c\n1,2,x\n3, 4 ,y\n");
        CsvTable t = CsvTable.read(p);
        assertThat(t.columns()).containsExactly("a", "b", "c");
        assertThat(t.rows()).isEqualTo(2);
        assertThat(t.value(1, "b")).isEqualTo("4");
        assertThat(t.strings("c")).containsExactly("x", "y");
        assertThat(t.numeric(List.of("b", "a"))).isDeepEqualTo(new double[][] {{2, 1}, {4, 3}});
        assertThat(t.lineOf(0)).isEqualTo(2);
        assertThat(t.lineOf(1)).isEqualTo(3);
        assertThat(t.file()).isEqualTo(p);
    }

    @Test
    void lineNumbersSurviveBlankLinesMultiLineFieldsCrlfAndBom() throws IOException {
        Path p = file("d.csv", "\uFEFFa,b\r\n\r\n1,\"two\nlines\"\r\n\n\n3,4\r\n5,6");
        CsvTable t = CsvTable.read(p);
        assertThat(t.columns()).containsExactly("a", "b");
        assertThat(t.rows()).isEqualTo(3);
        assertThat(t.lineOf(0)).isEqualTo(3);
        assertThat(t.value(0, "b")).isEqualTo("two\nlines");
        assertThat(t.lineOf(1)).isEqualTo(7);
        assertThat(t.lineOf(2)).isEqualTo(8);
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.csv");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessage("data file not found: " + p);
    }

    @Test
    void emptyFile() throws IOException {
        Path p = file("empty.csv", "\n\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p.toString())
                .hasMessageContaining("empty")
                .hasMessageContaining("header");
    }

    @Test
    void duplicateHeaderName() throws IOException {
        Path p = file("dup.csv", "a,b,a\n1,2,3\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + " line 1")
                .hasMessageContaining("duplicate column name 'a'")
                .hasMessageContaining("columns 1 and 3");
    }

    @Test
    void emptyHeaderName() throws IOException {
        Path p = file("emptyname.csv", "a,,c\n1,2,3\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + " line 1")
                .hasMessageContaining("header column 2 of 3 has an empty name");
    }

    @Test
    void raggedRow() throws IOException {
        Path p = file("rag.csv", "a,b,c,d\n1,2,3,4\n\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessage(p + " line 7: 3 fields, expected 4 (header: a,b,c,d)");
    }

    @Test
    void malformedQuoting() throws IOException {
        Path p = file("quote.csv", "a,b\n1,2\n3,\"4\n5,6\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + " line 3")
                .hasMessageContaining("malformed CSV");
    }

    @Test
    void junkAfterClosingQuote() throws IOException {
        Path p = file("junk.csv", "a,b\n1,2\n3,\"4\"x\n");
        assertThatThrownBy(() -> CsvTable.read(p))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + " line 3")
                .hasMessageContaining("malformed CSV");
    }

    @Test
    void nonNumericValue() throws IOException {
        StringBuilder sb = new StringBuilder("x1,x2\n");
        for (int i = 0; i < 10; i++) {
            sb.append("1,2\n");
        }
        sb.append("3,abc\n");
        Path p = file("data.csv", sb.toString());
        CsvTable t = CsvTable.read(p);
        assertThatThrownBy(() -> t.numeric(List.of("x1", "x2")))
                .isInstanceOf(InputException.class)
                .hasMessage(p + " line 12, column 'x2': 'abc' is not a number");
    }

    @Test
    void nonFiniteText() throws IOException {
        for (String bad : List.of("NaN", "Infinity", "-inf", "1e400")) {
            Path p = file("nf.csv", "x\n1\n" + bad + "\n");
            CsvTable t = CsvTable.read(p);
            assertThatThrownBy(() -> t.numeric(List.of("x")))
                    .isInstanceOf(InputException.class)
                    .hasMessageContaining(p + " line 3, column 'x': '" + bad + "'")
                    .hasMessageContaining("not a finite number");
        }
    }

    @Test
    void lenientJavaSyntaxRefused() throws IOException {
        Path p = file("j.csv", "x\n1d\n");
        assertThatThrownBy(() -> CsvTable.read(p).numeric(List.of("x")))
                .hasMessageContaining("'1d' is not a number");
    }

    @Test
    void emptyCellIsNotANumber() throws IOException {
        Path p = file("e.csv", "x,y\n1,\n");
        assertThatThrownBy(() -> CsvTable.read(p).numeric(List.of("y")))
                .hasMessageContaining(p + " line 2, column 'y': '' is not a number");
    }

    @Test
    void unknownColumn() throws IOException {
        Path p = file("u.csv", "a,b\n1,2\n");
        CsvTable t = CsvTable.read(p);
        assertThatThrownBy(() -> t.strings("z"))
                .isInstanceOf(InputException.class)
                .hasMessage("column 'z' not found in " + p + "; columns are: a, b");
    }

    @Test
    void headerOnlyHasNoRows() throws IOException {
        CsvTable t = CsvTable.read(file("h.csv", "a,b\n"));
        assertThat(t.rows()).isZero();
        assertThat(t.numeric(List.of("a"))).isEmpty();
    }

    @Test
    void writeRoundTripsExactly() throws IOException {
        Path p = dir.resolve("out.csv");
        List<double[]> rows =
                List.of(
                        new double[] {0.1, -1e-300, Math.PI},
                        new double[] {-Float.MAX_VALUE, Double.MIN_VALUE, -0.0}, // the reader holds data to float32 range
                        new double[] {1.0 / 3, 12345678.9, 2});
        CsvTable.write(p, List.of("a", "b c", "d,e"), rows);
        CsvTable t = CsvTable.read(p);
        assertThat(t.columns()).containsExactly("a", "b c", "d,e");
        double[][] back = t.numeric(t.columns());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(back[i]).containsExactly(rows.get(i));
        }
        assertThat(listing()).containsExactly("out.csv");
    }

    @Test
    void writeReplacesExistingFile() throws IOException {
        Path p = file("out.csv", "old\n");
        CsvTable.write(p, List.of("x"), List.of(new double[] {1}));
        assertThat(Files.readString(p)).isEqualTo("x\n1.0\n");
        assertThat(listing()).containsExactly("out.csv");
    }

    @Test
    void failedWriteLeavesNothing() throws IOException {
        Path p = file("keep.csv", "old\n");
        // invalid row: refused before anything is written
        assertThatThrownBy(
                        () -> CsvTable.write(p, List.of("x", "y"), List.of(new double[] {1})))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> CsvTable.write(p, List.of("x"), List.of(new double[] {Double.NaN})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
        // target is a non-empty directory: the move fails after the temp file was written
        Path target = dir.resolve("adir");
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside"), "x");
        assertThatThrownBy(() -> CsvTable.write(target, List.of("x"), List.of(new double[] {1})))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("cannot write " + target);
        assertThat(Files.readString(p)).isEqualTo("old\n");
        assertThat(listing()).containsExactlyInAnyOrder("keep.csv", "adir");
    }

    @Test
    void writeIntoMissingDirectory() {
        Path p = dir.resolve("missing/out.csv");
        assertThatThrownBy(() -> CsvTable.write(p, List.of("x"), List.of()))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("cannot write " + p)
                .hasMessageContaining("does not exist");
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(x -> x.getFileName().toString()).toList();
        }
    }
}
