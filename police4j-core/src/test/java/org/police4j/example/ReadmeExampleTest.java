package org.police4j.example;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/** The README's Java example, verbatim between the markers, so it cannot rot. */
class ReadmeExampleTest {

    @Test
    void readmeExample(@TempDir Path dir) throws Exception {
        try (Model model = Model.newInstance("police");
                NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-2f, 2f, new Shape(512, 2));
            NDArray y = x.get(":, 0").mul(3).sin().mul(x.get(":, 1").cos()).reshape(512, 1);
            // README-BEGIN
            VertexRegion triangle = Regions.paperTriangle();          // R, by its vertices
            PolicedMlp net = PolicedMlp.builder()                     // a DJL Block
                    .setRegion(triangle)
                    .setHidden(64, 64, 64)
                    .setOutputs(1)
                    .build();                                         // leaky-ReLU, HYSTERESIS sign rule
            model.setBlock(net);
            Fit.create().optProgress(true, "train")                   // AdamW + step schedule
                    .fit(model, x, y, TrainingSettings.paper(300, 5e-3, 1e-5, 3, 0.3, LossKind.MSE, 42));
            Certificate cert = Certify.policed(net);                  // exact, on the folded weights
            System.out.println(cert.summary());                       // certified, A, b, deviation
            SequentialBlock plain = Fold.block(net, manager);         // zero-overhead inference
            ModelIo.save(net, dir.resolve("model"), null);            // atomic, checksummed
            // README-END
            assertThat(cert.certified()).isTrue();
            assertThat(plain.getChildren().size()).isEqualTo(7);
        }
    }
}
