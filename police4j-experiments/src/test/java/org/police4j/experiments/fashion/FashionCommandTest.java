package org.police4j.experiments.fashion;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.cli.base.ExitCodes;
import org.police4j.cli.commands.Cli;

/**
 * {@code police4j fashion} end to end: on small generated IDX files (always), on the real
 * Fashion-MNIST files with the quick preset (what the README reports, on a 5000-image subset;
 * skipped with a line naming the Debian package dataset-fashion-mnist when it is absent, CI
 * installs it), plus its bad-input paths.
 */
class FashionCommandTest {

    @TempDir Path dir;

    static Cli.Result run(String... args) {
        return Cli.inProcess(args);
    }

    @Test
    void quickRunCertifiesEveryBoxAndPgdNeverBeatsTheCertificate() throws IOException {
        Path data = FashionData.assumePresent("FashionCommandTest.quickRunCertifiesEveryBoxAndPgdNeverBeatsTheCertificate");
        Path out = dir.resolve("out");
        Cli.Result r = run("fashion", "--preset", "quick", "--data-dir", data.toString(), "--out", out.toString(), "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        checkReport(r, out, 3);
    }

    @Test
    void runOnGeneratedIdxFilesLearnsTheClassesAndCertifiesEveryBox() throws IOException {
        Path data = SyntheticIdx.write(dir.resolve("idx"), 60, 20, 7);
        Path out = dir.resolve("out");
        Cli.Result r = run("fashion", "--preset", "tiny", "--data-dir", data.toString(), "--images", "3",
                "--steps", "40", "--out", out.toString(), "--quiet");
        assertThat(r.code()).as(r.toString()).isZero();
        String report = checkReport(r, out, 3);
        assertThat(report).contains(data + " (first 60 training images, first 20 test images");
        // the three drawn classes are told apart: both networks score every test image right
        List<String[]> accuracy = table(report, "| | POLICEd | unconstrained |");
        assertThat(accuracy.get(0)[0]).isEqualTo("test accuracy (20 images)");
        assertThat(accuracy.get(0)[1]).as("POLICEd test accuracy").isEqualTo("100.00%");
        assertThat(accuracy.get(0)[2]).as("unconstrained test accuracy").isEqualTo("100.00%");
        // the boxes are around the first test image of each class (labels 0, 1, 2 in turn)
        List<String[]> rows = table(report, "| test # | label | prediction | certified |");
        assertThat(rows).extracting(row -> row[0]).containsExactly("0", "1", "2");
        for (String[] row : rows) {
            assertThat(row[2]).as("prediction of test image %s", row[0]).isEqualTo(row[1]);
        }
    }

    /**
     * Checks what every run must produce: both files, the report on stdout, every box certified
     * and PGD never below the certified minimum margin; returns the report.
     */
    static String checkReport(Cli.Result r, Path out, int boxes) throws IOException {
        Path md = out.resolve("fashion_report.md");
        Path png = out.resolve("fashion_radii.png");
        assertThat(md).isRegularFile();
        assertThat(png).isRegularFile();
        String report = Files.readString(md);
        assertThat(r.out()).contains(report.strip());
        assertThat(report).contains("Step-time ratio POLICEd / unconstrained").contains("checked equal");

        // the per-image table: certified yes, PGD min margin >= certified min margin - 1e-5
        List<String[]> rows = table(report, "| test # | label | prediction | certified |");
        assertThat(rows).hasSize(boxes);
        for (String[] row : rows) {
            assertThat(row[3]).as("certified").isEqualTo("yes");
            double certified = Double.parseDouble(row[6]);
            double pgd = Double.parseDouble(row[7]);
            assertThat(pgd).as("PGD vs certified, image %s", row[0]).isGreaterThanOrEqualTo(certified - 1e-5);
            // the network is exactly affine on the box: PGD reaches the certified minimum
            assertThat(pgd - certified).isLessThan(1e-4);
            double vertex = Double.parseDouble(row[9]);
            assertThat(Math.abs(vertex - certified)).isLessThan(1e-4);
            String radius = row[10];
            double rad = Double.parseDouble(radius.split(" ")[0]);
            assertThat(rad).isBetween(0.0, 0.02);
        }
        assertThat(report).contains("every box certified: **yes**").contains("everywhere: **yes**");

        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isGreaterThanOrEqualTo(boxes * 28 * 4);
        assertThat(img.getHeight()).isGreaterThanOrEqualTo(28 * 4);
        return report;
    }

    /** The rows of the Markdown table whose header starts with {@code header}, cells trimmed. */
    static List<String[]> table(String md, String header) {
        List<String[]> rows = new ArrayList<>();
        String[] lines = md.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(header)) {
                for (int j = i + 2; j < lines.length && lines[j].startsWith("|"); j++) {
                    String[] cells = lines[j].substring(1).split("\\|");
                    for (int c = 0; c < cells.length; c++) {
                        cells[c] = cells[c].strip();
                    }
                    rows.add(cells);
                }
                return rows;
            }
        }
        throw new AssertionError("no table " + header + " in\n" + md);
    }

    @Test
    void missingDataIsBadInputNamingThePackage() {
        Path missing = dir.resolve("no-data");
        Cli.Result r = run("fashion", "--preset", "tiny", "--data-dir", missing.toString(), "--out", dir.resolve("o").toString());
        assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("police4j: ").contains(missing.toString()).contains("apt-get install dataset-fashion-mnist");
    }

    @Test
    void badOptionsAreBadInput() {
        Cli.Result eps = run("fashion", "--eps", "0", "--out", dir.resolve("o").toString());
        assertThat(eps.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(eps.err()).contains("police4j: --eps: 0.0; expected 0 < E <= 1");
        Cli.Result k = run("fashion", "--images", "0", "--out", dir.resolve("o").toString());
        assertThat(k.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(k.err()).contains("--images: 0; expected 1..64");
        Cli.Result preset = run("fashion", "--preset", "huge");
        assertThat(preset.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(preset.err()).contains("huge");
    }

    @Test
    void imagesWithDistinctLabelsFirst() {
        int[] labels = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
        assertThat(FashionCommand.chooseImages(labels, 3)).containsExactly(0, 1, 2);
        assertThat(FashionCommand.chooseImages(labels, 5)).containsExactly(0, 1, 2, 4, 6);
        // only 7 labels exist: then the next unused images in order
        assertThat(FashionCommand.chooseImages(labels, 9)).containsExactly(0, 1, 2, 3, 4, 5, 6, 8, 9);
    }
}
