package org.police4j.experiments.paper;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.cli.Main;
import org.police4j.cli.base.ExitCodes;
import picocli.CommandLine;

class FiguresCommandTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir Path tmp;

    @Test
    void tinyPresetWritesEveryFigureAndCertifiesEveryNetwork() throws IOException {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("figures", "--preset", "tiny", "--out", tmp.toString(), "--threads", "1");
        assertThat(code).isZero();
        // says where it wrote its files, and with how many PyTorch threads
        long written;
        try (java.util.stream.Stream<Path> files = Files.list(tmp)) {
            written = files.count();
        }
        assertThat(out.toString()).contains("wrote " + written + " files to " + tmp.toAbsolutePath() + ": fig1_classification.png")
                .contains("PyTorch threads: 1 (--threads)");

        int s = FiguresPreset.TINY.panelPixels();
        List<String> fig2 = new ArrayList<>();
        for (String target : FiguresCommand.TARGETS) {
            for (String region : List.of("triangle", "octagon", "circle")) {
                fig2.add("fig2_" + target + "_" + region + ".png");
            }
        }
        assertPng("fig1_classification.png", s + 120, s + 120);
        for (String f : fig2) {
            // target | output, 12 px gaps, no title
            assertPng(f, 2 * s + 3 * 12, s + 2 * 12);
        }
        BufferedImage grid = assertPng("fig2_grid.png", 3 * s + 4 * 12, -1);
        assertThat(grid.getHeight()).isGreaterThan(3 * s + 4 * 12);
        // target + snapshots after steps 5 and 10 (tiny trains 10 steps)
        BufferedImage fig3 = assertPng("fig3_training_evolution.png", 3 * s + 4 * 12, -1);
        assertThat(fig3.getHeight()).isGreaterThan(s + 2 * 12);

        FiguresCommand command = cli.getSubcommands().get("figures").getCommand();
        assertThat(command.runs()).hasSize(11);
        for (FiguresCommand.Run r : command.runs()) {
            assertThat(r.certificate().certified()).as("%s %s %s", r.figure(), r.target(), r.region()).isTrue();
            assertThat(r.certificate().firstViolation()).isNull();
            assertThat(r.certificate().interiorPoints()).isEqualTo(FiguresCommand.INTERIOR_SAMPLES);
            assertThat(r.certificate().interiorDeviation()).isLessThan(1e-6);
            assertThat(r.finalLoss()).isFinite().isPositive();
            // Figure 2 panels come with their unconstrained twin; every run counts side changes per layer
            assertThat(Double.isNaN(r.unconstrainedLoss())).isEqualTo(!r.figure().equals("fig2"));
            assertThat(r.sideFlips().split(" / ")).hasSize(r.figure().equals("fig2") ? FiguresPreset.FIG2_DEPTH : 3);
            assertThat(r.trainSeconds()).isPositive();
        }
        // a target's three panels share one unconstrained twin (it has no region); targets differ
        List<FiguresCommand.Run> fig2Runs = command.runs().subList(1, 10);
        for (int i = 0; i < 9; i++) {
            assertThat(fig2Runs.get(i).unconstrainedLoss()).isEqualTo(fig2Runs.get(i / 3 * 3).unconstrainedLoss());
        }
        assertThat(fig2Runs.get(0).unconstrainedLoss()).isNotEqualTo(fig2Runs.get(3).unconstrainedLoss());
        assertThat(command.runs()).extracting(FiguresCommand.Run::region)
                .containsExactly("square", "triangle", "octagon", "circle", "triangle", "octagon", "circle",
                        "triangle", "octagon", "circle", "triangle");

        String report = Files.readString(tmp.resolve("report.md"));
        assertThat(report).contains("preset tiny").contains("Sign rule of every POLICEd network: " + FiguresPreset.TINY.rule())
                .contains("| final loss | unconstrained |");
        long certifiedRows = report.lines().filter(l -> l.startsWith("| fig") && l.contains("| yes |")).count();
        assertThat(certifiedRows).isEqualTo(11);
        assertThat(report).doesNotContain("| NO |");
        assertThat(out.toString()).contains("# POLICE figures (preset tiny)");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void onlyOneFigureAndBadOptionsAreReported() {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("figures", "--preset", "huge", "--out", tmp.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--preset").contains("huge");
        assertThat(cli.execute("figures", "--preset", "tiny", "--only", "fig9", "--out", tmp.toString()))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(cli.execute("figures", "--preset", "tiny", "--only", "fig1", "--out", tmp.toString())).isZero();
        assertThat(tmp.resolve("fig1_classification.png")).exists();
        assertThat(tmp.resolve("fig2_grid.png")).doesNotExist();
    }

    @Test
    void dataFollowTheReferenceSettings() {
        PaperData.Labeled rings = PaperData.rings(1024, 0.0, 0);
        assertThat(rings.x()).hasNumberOfRows(2048);
        // angle 0: r = 1.2 for class 0, 1.56 for class 1
        assertThat(rings.x()[0][0]).isCloseTo(1.2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(rings.x()[1024][0]).isCloseTo(1.56, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(rings.labels()[0]).isZero();
        assertThat(rings.labels()[2047]).isEqualTo(1);

        double[][] pts = PaperData.lattice(-4, 4, 30);
        for (String t : FiguresCommand.TARGETS) {
            double[] v = PaperData.normalizedTarget(t, pts);
            double mean = java.util.Arrays.stream(v).average().orElseThrow();
            double max = java.util.Arrays.stream(v).map(Math::abs).max().orElseThrow();
            assertThat(mean).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(max).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
        }
        double[][] circle = PaperData.polygonOrder(org.police4j.region.Regions.paperCircle().vertices());
        // polygon order: consecutive vertices are neighbours on the circle (chord < 0.3)
        for (int i = 0; i < circle.length; i++) {
            double[] a = circle[i];
            double[] b = circle[(i + 1) % circle.length];
            assertThat(Math.hypot(a[0] - b[0], a[1] - b[1])).isLessThan(0.3);
        }
        assertThat(PaperData.topVertex(org.police4j.region.Regions.paperTriangle().vertices())).containsExactly(0, 2);
    }

    private BufferedImage assertPng(String name, int width, int height) throws IOException {
        Path p = tmp.resolve(name);
        assertThat(p).as(name).exists();
        BufferedImage img = ImageIO.read(p.toFile());
        assertThat(img).as(name + " is a readable PNG").isNotNull();
        assertThat(img.getWidth()).as(name + " width").isEqualTo(width);
        if (height > 0) {
            assertThat(img.getHeight()).as(name + " height").isEqualTo(height);
        }
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        assertThat(colours.size()).as(name + " distinct colours").isGreaterThanOrEqualTo(8);
        return img;
    }
}
