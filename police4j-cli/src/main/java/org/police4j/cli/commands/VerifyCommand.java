package org.police4j.cli.commands;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.RegionSpec;
import org.police4j.region.AffineHull;
import org.police4j.region.Region;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code police4j verify}: certifies the folded network on its own region or on another one
 * (given in raw feature coordinates). Exit 0 when certified, 1 when not, 2 for bad input.
 */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Certify that a trained model is affine on its region (or on --region).",
            "Exit codes: 0 certified, 1 not certified, 2 bad input."
        })
public final class VerifyCommand extends CliCommand {

    /** Exit code when the network is not affine on the region. */
    static final int EXIT_NOT_CERTIFIED = 1;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Option(names = "--region", paramLabel = "REGION",
            description = "Another region, in raw feature coordinates: " + RegionSpec.FORMS + ".")
    String region;

    @Option(names = "--samples", defaultValue = "1000", paramLabel = "N",
            description = "Interior points checked against the affine map (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seeds the interior points (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    protected int run() throws Exception {
        if (samples < 0) {
            throw new InputException("--samples: " + samples + "; expected >= 0");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            StoredModel m = StoredModel.load(model, manager, err());
            Region netRegion;
            String name;
            Region raw;
            if (region == null && m.baseline()) {
                throw new InputException(model + " is an unconstrained baseline (trained with --no-region): it has no"
                        + " region to certify; give --region REGION to test whether it happens to be affine on one");
            }
            if (region == null) {
                netRegion = m.block().regions().get(0);
                raw = m.rawRegion();
                name = "the model's region '" + m.regionSpec() + "'";
            } else {
                raw = RegionSpec.parseAny(region, null, m.features());
                RegionSpec.requireDimension(raw, m.features(), region);
                netRegion = m.networkRegion(raw);
                name = "region '" + region + "'";
            }
            AffineHull hull = RegionHull.of(raw);
            RegionHull.warn(hull, region == null ? m.regionSpec() : region, err());
            long start = System.nanoTime();
            Certificate cert = Certify.policed(m.block(), netRegion, Certify.Options.defaults().optInteriorSamples(samples).optSeed(seed));
            double seconds = (System.nanoTime() - start) / 1e9;
            out().printf("%s: %s, %s%n", model, name, RegionHull.describe(raw));
            out().print(TrainCommand.describeCertificate(cert, m.standardizer(), m.features(), m.outputNames(), hull));
            out().printf(java.util.Locale.ROOT, "checked in %.3f s%n", seconds);
            out().flush();
            return cert.certified() ? 0 : EXIT_NOT_CERTIFIED;
        }
    }
}
