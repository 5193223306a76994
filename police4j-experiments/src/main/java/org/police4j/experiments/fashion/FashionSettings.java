package org.police4j.experiments.fashion;

import java.util.Arrays;

/**
 * One run of {@code police4j fashion}.
 *
 * @param preset the preset's name
 * @param trainImages the first this many training images are used
 * @param testImages the first this many test images are scored (and the regions are taken from)
 * @param hidden hidden widths
 * @param steps optimiser steps
 * @param batchSize rows per step
 * @param learningRate AdamW's initial learning rate
 * @param weightDecay AdamW's decoupled weight decay
 * @param scheduleEvery steps between learning-rate drops (0: constant)
 * @param gamma factor of each drop
 * @param images K, the number of certified test images (one box each)
 * @param eps the l_inf radius of each box, on pixels in [0, 1]
 * @param seed seeds initialisation, batches and sampling
 * @param pgdSteps PGD iterations per class
 * @param samples interior points at which each certificate's map is compared with the network
 */
public record FashionSettings(
        String preset,
        int trainImages,
        int testImages,
        int[] hidden,
        int steps,
        int batchSize,
        double learningRate,
        double weightDecay,
        int scheduleEvery,
        double gamma,
        int images,
        double eps,
        long seed,
        int pgdSteps,
        int samples) {

    /** The presets: tiny (tests), quick (CI, a few minutes on 2 cores), full (the whole training set). */
    public enum Preset {
        tiny,
        quick,
        full
    }

    public static FashionSettings of(Preset p) {
        switch (p) {
            case tiny:
                return new FashionSettings("tiny", 1000, 2000, new int[] {32}, 60, 100, 2e-3, 0, 0, 0.1, 2, 0.02, 0, 50, 100);
            case quick:
                return new FashionSettings("quick", 5000, 10000, new int[] {128}, 200, 128, 1e-3, 0, 0, 0.1, 3, 0.02, 0, 50, 200);
            default:
                return new FashionSettings("full", 60000, 10000, new int[] {256, 256}, 3000, 256, 1e-3, 1e-4, 2000, 0.1, 8, 0.02, 0, 50, 200);
        }
    }

    public FashionSettings withImages(int k) {
        return new FashionSettings(preset, trainImages, testImages, hidden, steps, batchSize, learningRate, weightDecay,
                scheduleEvery, gamma, k, eps, seed, pgdSteps, samples);
    }

    public FashionSettings withEps(double e) {
        return new FashionSettings(preset, trainImages, testImages, hidden, steps, batchSize, learningRate, weightDecay,
                scheduleEvery, gamma, images, e, seed, pgdSteps, samples);
    }

    public FashionSettings withSeed(long s) {
        return new FashionSettings(preset, trainImages, testImages, hidden, steps, batchSize, learningRate, weightDecay,
                scheduleEvery, gamma, images, eps, s, pgdSteps, samples);
    }

    public FashionSettings withSteps(int n) {
        return new FashionSettings(preset, trainImages, testImages, hidden, n, batchSize, learningRate, weightDecay,
                scheduleEvery, gamma, images, eps, seed, pgdSteps, samples);
    }

    /** The hidden widths as {@code 256,256}. */
    public String hiddenText() {
        return String.join(",", Arrays.stream(hidden).mapToObj(String::valueOf).toArray(String[]::new));
    }
}
