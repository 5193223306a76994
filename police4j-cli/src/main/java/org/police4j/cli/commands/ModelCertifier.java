package org.police4j.cli.commands;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.data.RegionSpec;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Region;

/**
 * What {@code police4j verify --region} computes for a model directory, as an API: a region in raw
 * feature coordinates, checked against the features, mapped to the network's coordinates as
 * training mapped its own, and certified on the folded network (folded once); the certified map
 * back in raw units. The one-JVM command and the Spark job both use it.
 */
public final class ModelCertifier {

    private final StoredModel model;
    private final FoldedNetwork folded;

    ModelCertifier(StoredModel model) {
        this.model = model;
        this.folded = Fold.weights(model.block());
    }

    /**
     * Loads a model directory written by {@code police4j train} (checksums verified) and folds it.
     *
     * @param dir the model directory
     * @param manager the manager that holds the network's parameters
     * @param err where a one-line warning about an older format goes, or null
     * @return the certifier
     * @throws IOException if a file cannot be read
     * @throws MalformedModelException if a file fails its checksum or is not police4j train's
     */
    public static ModelCertifier load(Path dir, NDManager manager, PrintWriter err)
            throws IOException, MalformedModelException {
        return new ModelCertifier(StoredModel.load(dir, manager, err));
    }

    /** {@return the feature column names, the regions' coordinates in order} */
    public List<String> features() {
        return model.features();
    }

    /** {@return the network's output names (targets or logits), the map's rows in order} */
    public List<String> outputNames() {
        return model.outputNames();
    }

    /**
     * Certifies the folded network on a region given in raw feature coordinates.
     *
     * @param raw the region, one coordinate per feature
     * @param source the region's name for a message (e.g. "row 12")
     * @param options interior samples, seed, certifier settings
     * @return the certificate, its map in the network's (standardized, if so trained) coordinates
     * @throws org.police4j.cli.data.InputException if the region's dimension is not the number of features
     */
    public Certificate certify(Region raw, String source, Certify.Options options) {
        RegionSpec.requireDimension(raw, model.features(), source);
        return Certify.of(folded, model.networkRegion(raw), options);
    }

    /**
     * {@return the certificate's matrix A in raw feature units}
     *
     * @param cert a certificate of this model
     */
    public double[][] rawA(Certificate cert) {
        return model.standardizer() == null ? cert.a() : AffineMaps.rawA(cert.a(), model.standardizer());
    }

    /**
     * {@return the certificate's offset b in raw feature units}
     *
     * @param cert a certificate of this model
     */
    public double[] rawB(Certificate cert) {
        return model.standardizer() == null ? cert.b() : AffineMaps.rawB(cert.a(), cert.b(), model.standardizer());
    }
}
