package org.police4j.experiments.paper;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.police4j.engine.SignRule;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.SideFlips;
import org.police4j.train.TrainingSettings;

/**
 * The sign-rule study of {@code docs/SIGN-RULES.md}, in one JVM: every Figure 2 task (target x
 * region) with every rule and seed, at a figure preset's size and training settings, each run's
 * final MSE and side flips per layer appended to a CSV as it finishes, then a Markdown table of the
 * mean and worst seed per task and rule.
 *
 * <p>Usage: {@code java -cp police4j.jar org.police4j.experiments.paper.SignRuleStudy OUT.csv
 * [preset [rules [seeds [targets [regions]]]]]}, lists comma-separated; defaults: quick, all four
 * rules, seeds 0-4, all targets and regions.
 */
public final class SignRuleStudy {

    private SignRuleStudy() {}

    /**
     * @param args output CSV, then optionally preset, rules, seeds, targets, regions
     * @throws IOException if the CSV cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path csv = Path.of(args[0]);
        FiguresPreset named = FiguresPreset.named(args.length > 1 ? args[1] : "quick");
        FiguresPreset p = named.withFig2(Integer.getInteger("study.steps", named.fig2Steps()),
                Integer.getInteger("study.width", named.fig2Width()),
                Double.parseDouble(System.getProperty("study.lr", Double.toString(named.fig2LearningRate()))),
                Integer.getInteger("study.drops", named.fig2Drops()));
        List<SignRule> rules = new ArrayList<>();
        for (String r : (args.length > 2 ? args[2] : "MAJORITY,MINIMAL_SHIFT,CENTER,HYSTERESIS").split(",")) {
            rules.add(SignRule.valueOf(r));
        }
        long[] seeds = Arrays.stream((args.length > 3 ? args[3] : "0,1,2,3,4").split(",")).mapToLong(Long::parseLong).toArray();
        String[] targets = (args.length > 4 ? args[4] : "wave,rays,spiral").split(",");
        String[] regionNames = (args.length > 5 ? args[5] : "triangle,octagon,circle").split(",");
        if (!Files.exists(csv)) {
            Files.writeString(csv, "target,region,rule,seed,final_mse,flips_per_layer,seconds\n");
        }
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        Map<String, List<Double>> results = new LinkedHashMap<>();
        for (String target : targets) {
            double[] y = PaperData.normalizedTarget(target, points);
            for (String regionName : regionNames) {
                VertexRegion region = region(regionName);
                for (SignRule rule : rules) {
                    for (long seed : seeds) {
                        TrainingSettings ts = FiguresCommand.fig2Training(p, seed);
                        PolicedMlp block = FiguresCommand.network(region, FiguresPreset.FIG2_DEPTH, p.fig2Width(), rule);
                        SideFlips flips = SideFlips.create();
                        FitResult fit;
                        try (Model model = Model.newInstance("study"); NDManager m = NDManager.newBaseManager()) {
                            model.setBlock(block);
                            NDArray x = m.create(FiguresCommand.flatten(points), new Shape(points.length, 2));
                            NDArray yy = m.create(FiguresCommand.toFloat(y), new Shape(y.length, 1));
                            fit = Fit.create().optListener(flips).fit(model, x, yy, ts);
                        }
                        String line = String.format(Locale.ROOT, "%s,%s,%s,%d,%.6f,%s,%.1f%n", target, regionName, rule,
                                seed, fit.finalLoss(), flips.describe().replace(" ", ""), fit.seconds());
                        Files.writeString(csv, line, StandardOpenOption.APPEND);
                        System.out.print(line);
                        System.out.flush();
                        results.computeIfAbsent(target + "," + regionName + "," + rule, k -> new ArrayList<>())
                                .add(fit.finalLoss());
                    }
                }
            }
        }
        try (PrintWriter out = new PrintWriter(System.out)) {
            out.println("| task | rule | mean | worst |");
            out.println("|---|---|---:|---:|");
            results.forEach((k, v) -> out.printf(Locale.ROOT, "| %s | %.4f | %.4f |%n", k.replace(",", " | "),
                    v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                    v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)));
        }
    }

    static VertexRegion region(String name) {
        switch (name) {
            case "triangle":
                return Regions.paperTriangle();
            case "octagon":
                return Regions.paperOctagon();
            case "circle":
                return Regions.paperCircle();
            default:
                throw new IllegalArgumentException("region: " + name + "; expected triangle, octagon or circle");
        }
    }
}
