package org.police4j.experiments.fashion;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.certify.SupportCertifier;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.InputException;
import org.police4j.network.FoldedNetwork;
import org.police4j.fold.Fold;
import org.police4j.engine.Cpa;
import org.police4j.nn.PlainMlp;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code police4j fashion}: the real-data example. A classifier on Fashion-MNIST is trained to be
 * provably affine on an l_inf box around each of K test images (one affine map per box), next to
 * its unconstrained twin; then each box is certified, the exact worst-case logit margin and the
 * certified radius are read off the certificate's affine map, and a PGD attack checks them.
 */
@Command(
        name = "fashion",
        mixinStandardHelpOptions = true,
        description = {
            "Fashion-MNIST example: train a classifier that is provably affine on an l_inf box around K test"
                    + " images, certify the boxes, compute certified radii and check them with a PGD attack.",
            "Writes fashion_report.md and fashion_radii.png to --out. Needs the Debian package dataset-fashion-mnist.",
            "Exit codes: 0 done and every box certified, 1 a box not certified or an attack below the certified"
                    + " bound, 2 bad input (e.g. missing data), 3 an unexpected failure."
        })
public final class FashionCommand extends CliCommand {

    static final int EXIT_NOT_CERTIFIED = 1;

    /** PGD's margin may undercut the certified minimum by at most this (rounding only). */
    static final double PGD_TOLERANCE = 1e-5;


    @Option(names = "--preset", defaultValue = "quick",
            description = "tiny (tests), quick (CI: 5000 training images, hidden 128, 200 steps, K=3) or full"
                    + " (60000 images, hidden 256,256, 3000 steps, K=8) (default: ${DEFAULT-VALUE}).")
    FashionSettings.Preset preset;

    @Option(names = "--out", defaultValue = "fashion-out", paramLabel = "DIR",
            description = "Output directory, created if needed (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "Seeds initialisation, batches and sampling (default: 0).")
    Long seed;

    @Option(names = "--images", paramLabel = "K", description = "Number of test images with a certified box (default: the preset's).")
    Integer images;

    @Option(names = "--eps", paramLabel = "E", description = "l_inf radius of each box on pixels in [0,1] (default: 0.02).")
    Double eps;

    @Option(names = "--steps", paramLabel = "N", description = "Override the preset's number of optimiser steps.")
    Integer steps;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory of the four IDX files (default: " + "/usr/share/datasets/fashion-mnist" + ").")
    Path dataDir;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines.")
    boolean quiet;

    FashionSettings settings() {
        FashionSettings s = FashionSettings.of(preset);
        if (images != null) {
            if (images < 1 || images > 64) {
                throw new InputException("--images: " + images + "; expected 1..64");
            }
            s = s.withImages(images);
        }
        if (eps != null) {
            if (!(eps > 0 && eps <= 1)) {
                throw new InputException("--eps: " + eps + "; expected 0 < E <= 1 (pixels are in [0,1])");
            }
            s = s.withEps(eps);
        }
        if (seed != null) {
            s = s.withSeed(seed);
        }
        if (steps != null) {
            if (steps < 1) {
                throw new InputException("--steps: " + steps + "; expected a positive integer");
            }
            s = s.withSteps(steps);
        }
        return s;
    }

    @Override
    protected int run() throws Exception {
        long wall = System.nanoTime();
        FashionSettings s = settings();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new InputException("--out " + out + " exists and is not a directory");
        }
        Path dir = dataDir == null ? FashionMnist.DEFAULT_DIR : dataDir;
        long t0 = System.nanoTime();
        FashionMnist data = FashionMnist.load(dir, s.trainImages(), s.testImages());
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        int[] chosen = chooseImages(data.testLabels(), s.images());
        PrintWriter progress = quiet ? null : err();
        if (progress != null) {
            progress.printf(Locale.ROOT, "fashion: %d training / %d test images from %s (%.1f s); boxes around test images %s%n",
                    data.trainImages().length, data.testImages().length, dir, loadSeconds, java.util.Arrays.toString(chosen));
        }

        List<Box> regions = new ArrayList<>();
        for (int i : chosen) {
            regions.add(Box.linf(toDouble(data.testImages()[i]), s.eps()));
        }
        Cpa cpa = Cpa.leakyRelu();
        int d = FashionMnist.SIDE * FashionMnist.SIDE;
        int classes = FashionMnist.CLASSES.size();
        Files.createDirectories(out);
        try (Model policedModel = Model.newInstance("fashion-policed");
                Model plainModel = Model.newInstance("fashion-plain");
                NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp policed = PolicedMlp.builder().setHidden(s.hidden()).setOutputs(classes)
                    .setRegions(regions).optActivation(cpa).build();
            SequentialBlock plain = PlainMlp.build(d, s.hidden(), classes, cpa);
            policedModel.setBlock(policed);
            plainModel.setBlock(plain);
            float[][] trX = data.trainImages();
            NDArray x = manager.create(TwinTraining.flatten(trX, 0, trX.length), new Shape(trX.length, d));
            float[] yf = new float[trX.length];
            for (int i = 0; i < yf.length; i++) {
                yf[i] = data.trainLabels()[i];
            }
            NDArray y = manager.create(yf);
            long t1 = System.nanoTime();
            TwinTraining.Result tr = TwinTraining.train(policedModel, plainModel, x, y, s, progress);
            double trainSeconds = (System.nanoTime() - t1) / 1e9;

            long t2 = System.nanoTime();
            double accPoliced = TwinTraining.accuracy(policed, manager, data.testImages(), data.testLabels());
            double accPlain = TwinTraining.accuracy(plain, manager, data.testImages(), data.testLabels());
            double accTrainPoliced = TwinTraining.accuracy(policed, manager, trX, data.trainLabels());
            double accTrainPlain = TwinTraining.accuracy(plain, manager, trX, data.trainLabels());
            double evalSeconds = (System.nanoTime() - t2) / 1e9;

            long t3 = System.nanoTime();
            FoldedNetwork folded = Fold.weights(policed);
            List<SupportCertifier.Result> certs = new ArrayList<>();
            for (int r = 0; r < regions.size(); r++) {
                // the map's uncertainty makes every reported radius and bound provably on the safe side
                certs.add(SupportCertifier.analyze(folded, regions.get(r),
                        regions.get(r).sample(s.samples(), new Random(s.seed()))));
            }
            double certifySeconds = (System.nanoTime() - t3) / 1e9;
            FoldedNetwork plainWeights = TwinTraining.plainWeights(plain, cpa);

            long t4 = System.nanoTime();
            List<FashionReport.Row> rows = new ArrayList<>();
            double alpha = 2.5 * s.eps() / s.pgdSteps();
            for (int r = 0; r < chosen.length; r++) {
                int i = chosen[r];
                double[] m = toDouble(data.testImages()[i]);
                Certificate cert = certs.get(r).certificate();
                BoxMargins bm = BoxMargins.of(cert.a(), cert.b(), m, s.eps(), certs.get(r).mapUncertainty());
                int foldedPrediction = argmax(folded.evaluate(m));
                Pgd.Result pgd = Pgd.attack(folded, m, s.eps(), bm.predicted(), s.pgdSteps(), alpha);
                double[] atVertex = folded.evaluate(bm.worstVertex());
                double vertexMargin = atVertex[bm.predicted()] - atVertex[bm.worstClass()];
                double[] plainAtImage = plainWeights.evaluate(m);
                int plainPrediction = argmax(plainAtImage);
                double plainCentreMargin = Double.POSITIVE_INFINITY;
                for (int j = 0; j < plainAtImage.length; j++) {
                    if (j != plainPrediction) {
                        plainCentreMargin = Math.min(plainCentreMargin, plainAtImage[plainPrediction] - plainAtImage[j]);
                    }
                }
                Pgd.Result plainPgd = Pgd.attack(plainWeights, m, s.eps(), plainPrediction, s.pgdSteps(), alpha);
                rows.add(new FashionReport.Row(i, data.testLabels()[i], cert, bm, foldedPrediction, pgd, vertexMargin,
                        plainPrediction, plainCentreMargin, plainPgd));
            }
            double attackSeconds = (System.nanoTime() - t4) / 1e9;
            long t5 = System.nanoTime();
            Certificate plainCert = Certify.of(plainWeights, regions.get(0), Certify.Options.defaults().optInteriorSamples(0).optSeed(s.seed()));
            double plainCertifySeconds = (System.nanoTime() - t5) / 1e9;

            FashionReport report = new FashionReport(s, dir, data.trainImages().length, data.testImages().length, tr,
                    accPoliced, accPlain, accTrainPoliced, accTrainPlain, rows, plainCert.certified(),
                    loadSeconds, trainSeconds, evalSeconds, certifySeconds, attackSeconds, plainCertifySeconds,
                    (System.nanoTime() - wall) / 1e9);
            String md = report.markdown();
            writeAtomically(out.resolve("fashion_report.md"), md);
            List<RadiiFigure.Panel> panels = new ArrayList<>();
            for (FashionReport.Row row : rows) {
                panels.add(new RadiiFigure.Panel(data.testImages()[row.index()], FashionMnist.CLASSES.get(row.label()),
                        FashionMnist.CLASSES.get(row.margins().predicted()), row.margins().radius(), row.cert().certified()));
            }
            RadiiFigure.write(panels, String.format(Locale.ROOT,
                    "POLICEd MLP 784-%s-10: certified l_inf radius (<= eps = %s); test accuracy %.2f%%",
                    s.hiddenText().replace(",", "-"), FashionReport.num(s.eps()), 100 * accPoliced), out.resolve("fashion_radii.png"));
            out().print(md);
            out().println();
            out().println("wrote " + out.resolve("fashion_report.md") + " and " + out.resolve("fashion_radii.png"));
            out().flush();
            return report.allGood() ? 0 : EXIT_NOT_CERTIFIED;
        }
    }

    /**
     * The first test images with distinct labels, in order, until every class has one; then the
     * next unused ones in order.
     */
    static int[] chooseImages(int[] labels, int k) {
        if (k > labels.length) {
            throw new InputException("--images: " + k + " but only " + labels.length + " test images are loaded");
        }
        int[] out = new int[k];
        boolean[] used = new boolean[labels.length];
        boolean[] seen = new boolean[256];
        int n = 0;
        for (int i = 0; i < labels.length && n < k; i++) {
            if (!seen[labels[i]]) {
                seen[labels[i]] = true;
                used[i] = true;
                out[n++] = i;
            }
        }
        for (int i = 0; i < labels.length && n < k; i++) {
            if (!used[i]) {
                used[i] = true;
                out[n++] = i;
            }
        }
        java.util.Arrays.sort(out);
        return out;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static void writeAtomically(Path target, String text) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
