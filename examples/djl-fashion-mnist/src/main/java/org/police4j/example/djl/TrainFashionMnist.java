package org.police4j.example.djl;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.SaveModelTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.metric.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.Region;

/**
 * DJL's {@code TrainMnist} example on Fashion-MNIST, as a DJL user writes it (model-zoo {@link
 * Mlp}, {@link DefaultTrainingConfig} with softmax cross-entropy and {@link Accuracy}, DJL's
 * logging and save-model listeners, {@link EasyTrain#fit}, a {@link Predictor} with a {@link
 * Translator}, {@code Model.save}/{@code Model.load}), where POLICEing the network is one line:
 * {@code PolicedMlp.wrap(new Mlp(784, 10, new int[] {128, 64}), region)}.
 *
 * <p>The region is an l-infinity box of radius {@code eps} around the first test image: the
 * usual neighbourhood of robustness questions. On it the POLICEd classifier is provably affine,
 * so its ten logits near that image are an explicit linear function of the pixels (no
 * attribution method needed, and the worst case over the box is a linear program). A simplex of
 * a few training images would make the network affine along their interpolations instead.
 *
 * <p>Run: {@code java -cp ... org.police4j.example.djl.TrainFashionMnist [--data DIR] [--size N]
 * [--test N] [--epochs E] [--batch B] [--seed S] [--eps X] [--out DIR]}.
 */
public final class TrainFashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} package puts the IDX files. */
    public static final Path DEFAULT_DATA = Paths.get("/usr/share/datasets/fashion-mnist");

    private TrainFashionMnist() {}

    /**
     * What a run is told.
     *
     * @param data the directory of the four IDX files
     * @param size how many training images
     * @param testSize how many test images (validation and the comparisons)
     * @param epochs passes over the training images
     * @param batchSize images per step
     * @param seed DJL's random seed (initialisation and shuffling), the same for both networks
     * @param eps the radius of the box around the first test image, in pixel units of [0, 1]
     * @param outputDir where DJL's listeners write the models and logs
     */
    public record Options(
            Path data, int size, int testSize, int epochs, int batchSize, long seed, double eps, Path outputDir) {

        /**
         * Parses {@code --name value} pairs over the defaults (2000 images, 2000 test images, 1
         * epoch, batch 32, seed 42, eps 0.02, output {@code build/police4j-djl-fashion}).
         *
         * @param args the command line
         * @return the options
         * @throws IllegalArgumentException naming an unknown option or a missing value
         */
        public static Options parse(String... args) {
            Options o = new Options(DEFAULT_DATA, 2000, 2000, 1, 32, 42, 0.02, Paths.get("build/police4j-djl-fashion"));
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + ": a value is missing");
                }
                String v = args[i + 1];
                o = switch (args[i]) {
                    case "--data" -> new Options(Paths.get(v), o.size, o.testSize, o.epochs, o.batchSize, o.seed, o.eps, o.outputDir);
                    case "--size" -> new Options(o.data, Integer.parseInt(v), o.testSize, o.epochs, o.batchSize, o.seed, o.eps, o.outputDir);
                    case "--test" -> new Options(o.data, o.size, Integer.parseInt(v), o.epochs, o.batchSize, o.seed, o.eps, o.outputDir);
                    case "--epochs" -> new Options(o.data, o.size, o.testSize, Integer.parseInt(v), o.batchSize, o.seed, o.eps, o.outputDir);
                    case "--batch" -> new Options(o.data, o.size, o.testSize, o.epochs, Integer.parseInt(v), o.seed, o.eps, o.outputDir);
                    case "--seed" -> new Options(o.data, o.size, o.testSize, o.epochs, o.batchSize, Long.parseLong(v), o.eps, o.outputDir);
                    case "--eps" -> new Options(o.data, o.size, o.testSize, o.epochs, o.batchSize, o.seed, Double.parseDouble(v), o.outputDir);
                    case "--out" -> new Options(o.data, o.size, o.testSize, o.epochs, o.batchSize, o.seed, o.eps, Paths.get(v));
                    default -> throw new IllegalArgumentException(
                            args[i] + ": unknown option; expected --data, --size, --test, --epochs, --batch, --seed, --eps or --out");
                };
            }
            return o;
        }
    }

    /**
     * What a run found.
     *
     * @param plainAccuracy test accuracy of DJL's Mlp trained as is
     * @param policedAccuracy test accuracy of the same Mlp, POLICEd, same seed and steps
     * @param steps training steps of each network
     * @param certificate the certificate of the POLICEd network on the box
     * @param foldMaxDiff max |folded - POLICEd| logit over the test images
     * @param foldSameClass whether the folded network predicts the same class on every test image
     * @param reloadIdentical whether the Predictor gives identical probabilities after Model.load
     *     into a fresh wrapper on the same box
     * @param refusal the error of Model.load into a wrapper on another box (null: not refused)
     */
    public record Outcome(
            float plainAccuracy,
            float policedAccuracy,
            int steps,
            Certificate certificate,
            double foldMaxDiff,
            boolean foldSameClass,
            boolean reloadIdentical,
            String refusal) {}

    /**
     * Trains, certifies, folds, saves and reloads, printing what it finds.
     *
     * @param args see {@link Options#parse}
     * @throws Exception if the data cannot be read or DJL fails
     */
    public static void main(String[] args) throws Exception {
        Outcome r = run(Options.parse(args));
        System.out.printf("accuracy on the test images: plain %.4f, POLICEd %.4f (%d steps each)%n",
                r.plainAccuracy(), r.policedAccuracy(), r.steps());
        System.out.println("certificate: " + r.certificate().summary());
        System.out.printf("fold: max |folded - POLICEd| = %s, same class everywhere: %b%n",
                r.foldMaxDiff(), r.foldSameClass());
        System.out.println("Model.save / Model.load, same box: identical predictions: " + r.reloadIdentical());
        System.out.println("Model.load into a wrapper on another box: " + r.refusal());
    }

    /**
     * The whole flow.
     *
     * @param o the options
     * @return what was found
     * @throws IOException if the data cannot be read
     * @throws MalformedModelException if a saved model cannot be read back
     * @throws TranslateException if prediction fails
     */
    public static Outcome run(Options o) throws IOException, MalformedModelException, TranslateException {
        FashionMnist data = FashionMnist.read(o.data(), o.size(), o.testSize());
        try (NDManager manager = NDManager.newBaseManager()) {
            ArrayDataset train = dataset(manager, data.trainImages(), data.trainLabels(), o.batchSize(), true);
            ArrayDataset test = dataset(manager, data.testImages(), data.testLabels(), o.batchSize(), false);

            Engine.getInstance().setRandomSeed((int) o.seed());
            Block plain = new Mlp(784, 10, new int[] {128, 64});
            TrainingResult plainResult;
            try (Model model = Model.newInstance("mlp-plain")) {
                model.setBlock(plain);
                plainResult = fit(model, o, o.outputDir().resolve("plain"), train, test);
            }

            Region region = Box.linf(data.testImages()[0], o.eps());
            Engine.getInstance().setRandomSeed((int) o.seed());
            // The one-line change: the model-zoo Mlp, POLICEd on the region.
            Block block = PolicedMlp.wrap(new Mlp(784, 10, new int[] {128, 64}), region);
            try (Model model = Model.newInstance("mlp")) {
                model.setBlock(block);
                Path saved = o.outputDir().resolve("policed");
                TrainingResult result = fit(model, o, saved, train, test);
                PolicedMlp policed = (PolicedMlp) block;

                Certificate certificate = Certify.policed(policed, Certify.Options.defaults().optInteriorSamples(200).optSeed(o.seed()));

                NDArray x = manager.create(flatten(data.testImages()), new Shape(data.testImages().length, 28, 28));
                ParameterStore ps = new ParameterStore(manager, false);
                float[] y = policed.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
                SequentialBlock folded = Fold.block(policed, manager);
                float[] f = folded.forward(ps, new NDList(x.reshape(-1, 784)), false).singletonOrThrow().toFloatArray();
                double maxDiff = 0;
                boolean sameClass = true;
                for (int i = 0; i < y.length; i += 10) {
                    for (int k = 0; k < 10; k++) {
                        maxDiff = Math.max(maxDiff, Math.abs(y[i + k] - f[i + k]));
                    }
                    sameClass &= argmax(y, i) == argmax(f, i);
                }

                List<Classifications> before = predict(model, data.testImages());
                boolean identical;
                try (Model reloaded = Model.newInstance("mlp")) {
                    reloaded.setBlock(PolicedMlp.wrap(new Mlp(784, 10, new int[] {128, 64}), region));
                    reloaded.load(saved);
                    identical = probabilities(predict(reloaded, data.testImages())).equals(probabilities(before));
                }
                String refusal = null;
                try (Model other = Model.newInstance("mlp")) {
                    other.setBlock(PolicedMlp.wrap(
                            new Mlp(784, 10, new int[] {128, 64}), Box.linf(data.testImages()[1], o.eps())));
                    other.load(saved);
                } catch (MalformedModelException e) {
                    refusal = e.getMessage();
                }
                return new Outcome(
                        plainResult.getValidateEvaluation("Accuracy"),
                        result.getValidateEvaluation("Accuracy"),
                        steps(o),
                        certificate,
                        maxDiff,
                        sameClass,
                        identical,
                        refusal);
            }
        }
    }

    /** DJL's TrainMnist: softmax cross-entropy, accuracy, the logging and save-model listeners. */
    private static TrainingResult fit(Model model, Options o, Path outputDir, ArrayDataset train, ArrayDataset test)
            throws IOException {
        SaveModelTrainingListener listener = new SaveModelTrainingListener(outputDir.toString());
        listener.setSaveModelCallback(trainer -> {
            TrainingResult result = trainer.getTrainingResult();
            trainer.getModel().setProperty("Accuracy", String.format("%.5f", result.getValidateEvaluation("Accuracy")));
            trainer.getModel().setProperty("Loss", String.format("%.5f", result.getValidateLoss()));
        });
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .addEvaluator(new Accuracy())
                .addTrainingListeners(TrainingListener.Defaults.logging(outputDir.toString()))
                .addTrainingListeners(listener);
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.setMetrics(new Metrics());
            trainer.initialize(new Shape(1, 28, 28));
            EasyTrain.fit(trainer, o.epochs(), train, test);
            return trainer.getTrainingResult();
        } catch (ai.djl.translate.TranslateException e) {
            throw new IOException("training failed: " + e.getMessage(), e);
        }
    }

    private static int steps(Options o) {
        return o.epochs() * ((o.size() + o.batchSize() - 1) / o.batchSize());
    }

    private static ArrayDataset dataset(NDManager manager, float[][] images, int[] labels, int batch, boolean shuffle) {
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i];
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(flatten(images), new Shape(images.length, 28, 28)))
                .optLabels(manager.create(y))
                .setSampling(batch, shuffle)
                .build();
    }

    private static List<Classifications> predict(Model model, float[][] images) throws TranslateException {
        try (Predictor<float[], Classifications> predictor = model.newPredictor(new ImageTranslator())) {
            return predictor.batchPredict(Arrays.asList(images));
        }
    }

    private static List<List<Double>> probabilities(List<Classifications> all) {
        List<List<Double>> out = new ArrayList<>();
        for (Classifications c : all) {
            out.add(c.getProbabilities());
        }
        return out;
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * 784];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * 784, 784);
        }
        return out;
    }

    private static int argmax(float[] v, int from) {
        int best = 0;
        for (int k = 1; k < 10; k++) {
            if (v[from + k] > v[from + best]) {
                best = k;
            }
        }
        return best;
    }

    /** A 28 x 28 image (784 pixels in [0, 1]) in, the ten classes' probabilities out. */
    public static final class ImageTranslator implements Translator<float[], Classifications> {

        @Override
        public NDList processInput(TranslatorContext ctx, float[] pixels) {
            return new NDList(ctx.getNDManager().create(pixels, new Shape(28, 28)));
        }

        @Override
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            return new Classifications(Arrays.asList(FashionMnist.CLASSES), list.singletonOrThrow().softmax(0));
        }

        @Override
        public Batchifier getBatchifier() {
            return Batchifier.STACK;
        }
    }
}
