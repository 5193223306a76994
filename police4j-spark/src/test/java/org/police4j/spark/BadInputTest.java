package org.police4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to the Spark commands: one line naming the column, the row or the file, exit code 2,
 * and no output directory (nor a temporary sibling) left behind.
 */
class BadInputTest {

    @TempDir Path tmp;

    @Test
    void missingFeatureColumn() throws Exception {
        Files.writeString(tmp.resolve("q.csv"), "x1,x3\n1,2\n");
        expectBadInput("the data lacks the model's feature column 'x2'; the model needs x1, x2, x3",
                "predict", Fixtures.dir().resolve("reg").toString(), "--data", tmp.resolve("q.csv").toString());
    }

    @Test
    void nonNumericCellNamesItsRowAndColumn() throws Exception {
        StringBuilder q = new StringBuilder("x1,x2,x3\n");
        for (int i = 0; i < 40; i++) {
            q.append(i == 27 ? "abc" : "1.5").append(",2,3\n");
        }
        Files.writeString(tmp.resolve("q.csv"), q);
        expectBadInput("row 28, column 'x1': 'abc' is not a number",
                "predict", Fixtures.dir().resolve("reg").toString(), "--data", tmp.resolve("q.csv").toString());
    }

    @Test
    void modelFailingItsChecksum() throws Exception {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> s = Files.list(Fixtures.dir().resolve("reg"))) {
            for (Path p : s.toList()) {
                Files.copy(p, model.resolve(p.getFileName()));
            }
        }
        Path params = model.resolve("parameters.bin");
        byte[] b = Files.readAllBytes(params);
        b[b.length / 2] ^= 1;
        Files.write(params, b, StandardOpenOption.TRUNCATE_EXISTING);
        expectBadInput("parameters.bin", "predict", model.toString(), "--data", Fixtures.dir().resolve("query.csv").toString());
    }

    private void expectBadInput(String message, String... args) throws Exception {
        Path out = tmp.resolve("out");
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--out";
        all[args.length + 1] = out.toString();
        Fixtures.Run run = Fixtures.spark(all);
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).startsWith("police4j-spark: ").contains(message);
        assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(out).doesNotExist();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".out"));
        }
    }
}
