package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.police4j.conv.PolicedConvNet;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.Regions;

/**
 * A block initialised in float64 trains, but the fold and the certificate read the float32
 * network that is deployed: they refuse it by name (before, the region's float32 rows met float64
 * weights deep inside the engine: "mat1 and mat2 must have the same dtype").
 */
class Float64ParametersTest {

    @Test
    void theFoldAndTheCertificateRefuseFloat64ParametersByName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp mlp = PolicedMlp.builder().setHidden(8, 8).setOutputs(2).setRegion(Regions.simplex(2)).build();
            mlp.initialize(manager, DataType.FLOAT64, new Shape(1, 2));
            assertThatThrownBy(() -> Certify.policed(mlp))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("block: the parameters hold float64")
                    .hasMessageContaining("initialise the block with DataType.FLOAT32");
            assertThatThrownBy(() -> Fold.weights(mlp)).hasMessageContaining("float64");
            PolicedConvNet conv = PolicedConvNet.builder().setInput(1, 4, 4).conv(2, 3, 1, 1).flatten().outputs(2)
                    .setRegion(Box.linf(new double[16], 0.1)).build();
            conv.initialize(manager, DataType.FLOAT64, new Shape(1, 16));
            assertThatThrownBy(() -> Certify.policed(conv))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("block: the parameters hold float64");
        }
    }
}
